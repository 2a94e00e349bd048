// Package store reads and writes the zone store: one RFC 1035 master file
// per zone, DIR/<origin without the trailing dot>.zone (read with file:line
// errors, written atomically in canonical order), and each zone's journal.
// It holds no state of its own beyond an open journal, and knows nothing of
// the pipeline, HTTP or Git.
package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// FileError is a problem with one zone file, at one line when it is known.
type FileError struct {
	File string
	Line int // 0 when the problem is with the whole file
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Warning is a problem that did not stop a file from loading.
type Warning = FileError

// Progress counts what LoadDir has read so far; it is updated while the
// store loads.
type Progress struct {
	Files, Done, Records atomic.Int64
}

// Options bound what a zone file may hold.
type Options struct {
	MaxRecords int       // per zone; 0 is no limit
	Progress   *Progress // when set, counts the records as they are read
}

// progressStep is how many records Read counts before it reports them.
const progressStep = 10000

// ReadFile parses the zone file at path for origin and builds the zone. A
// file that does not parse, or breaks a zone rule, is refused whole with the
// file and line of the first problem. $INCLUDE is refused: a zone is one file.
func ReadFile(path, origin string, opt Options) (*zone.Zone, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &FileError{File: path, Err: err}
	}
	defer f.Close()
	return Read(f, path, origin, opt)
}

// Read is ReadFile from r; name is used in errors.
func Read(r io.Reader, name, origin string, opt Options) (*zone.Zone, []Warning, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	tx, err := zone.New(origin)
	if err != nil {
		return nil, nil, &FileError{File: name, Err: err}
	}
	tx.SetLimit(opt.MaxRecords)

	lines := &lineReader{r: bufio.NewReader(r), line: 1}
	zp := dns.NewZoneParser(lines, origin, name)
	zp.SetIncludeAllowed(false)
	var warns []Warning
	count := int64(0)
	if opt.Progress != nil {
		defer func() { opt.Progress.Records.Add(count % progressStep) }()
	}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if count++; opt.Progress != nil && count%progressStep == 0 {
			opt.Progress.Records.Add(progressStep)
		}
		// The parser has consumed the newline that ends the record, so the
		// record's last line is the one before.
		line := lines.line - 1
		if lines.atEOF {
			line = lines.line
		}
		h := rr.Header()
		if prev := tx.RRset(h.Name, h.Rrtype); len(prev) > 0 && prev[0].Header().Ttl != h.Ttl && zone.SharedTTL(h.Rrtype) {
			warns = append(warns, Warning{File: name, Line: line,
				Err: fmt.Errorf("TTL %d of %s %s differs from its RRset's; using %d (RFC 2181 §5.2)", h.Ttl, h.Name, dns.Type(h.Rrtype), prev[0].Header().Ttl)})
		}
		if err := tx.Add(rr); err != nil {
			return nil, warns, &FileError{File: name, Line: line, Err: fmt.Errorf("%s: %w", rr.String(), err)}
		}
	}
	if err := zp.Err(); err != nil {
		return nil, warns, parseError(name, err)
	}
	for _, n := range lines.notes {
		k, v, _ := strings.Cut(n.text, " ")
		if err := tx.SetNote(k, v); err != nil {
			return nil, warns, &FileError{File: name, Line: n.line, Err: fmt.Errorf("note %q: %w", k, err)}
		}
	}
	z, err := tx.Commit()
	if err != nil {
		return nil, warns, &FileError{File: name, Err: err}
	}
	return z, warns, nil
}

// parseError turns the parser's error into a FileError with the line it names.
func parseError(name string, err error) error {
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return &FileError{File: name, Err: err}
	}
	msg := pe.Error()
	line := 0
	if i := strings.LastIndex(msg, " at line: "); i >= 0 {
		fmt.Sscanf(msg[i+len(" at line: "):], "%d", &line)
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, name+": ")
	msg = strings.TrimPrefix(msg, "dns: ")
	return &FileError{File: name, Line: line, Err: errors.New(msg)}
}

// lineReader counts the lines the zone parser has consumed. The parser reads
// byte by byte through io.ByteReader, so the count is exact.
//
// It also gives the parser every byte over 0x7F as a \DDD escape, which
// stands for the same byte in a name or a string. miekg/dns decides whether
// a name is absolute by counting the backslashes before its last dot, and
// miscounts them when a raw two- or four-byte UTF-8 character comes just
// before them (dns.IsFqdn takes the character's first byte for its last):
// it reads `é\\\.` (a label that ends in a backslash and a dot) as
// absolute, and the same name written back, `\195\169\\\.`, as relative,
// so such a zone would change when read again. With the escapes the
// backslashes follow an ASCII digit and are counted right.
type lineReader struct {
	r     *bufio.Reader
	line  int
	atEOF bool
	esc   bool // the last byte given began an escape
	// A line that begins with NotePrefix is a note (zone.Zone.Note): its
	// bytes are kept as they pass, before any escape.
	col   int        // bytes of the line read so far
	note  []byte     // the line so far while it may be a note
	notes []noteLine // the notes read
	out   []byte     // the rest of a \DDD escape being given
	buf   [4]byte    // its bytes
}

func (l *lineReader) ReadByte() (byte, error) {
	if len(l.out) > 0 {
		b := l.out[0]
		l.out = l.out[1:]
		return b, nil
	}
	b, err := l.r.ReadByte()
	if err == io.EOF {
		l.atEOF = true
		l.endLine()
	}
	if err != nil {
		return b, err
	}
	l.noteByte(b)
	if b > 0x7F {
		// After a backslash the byte is escaped already: `\é` is `\195\169`.
		d := l.buf[:0]
		if !l.esc {
			d = append(d, '\\')
		}
		d = append(d, '0'+b/100, '0'+b/10%10, '0'+b%10)
		l.esc, l.out = false, d[1:]
		return d[0], nil
	}
	l.esc = b == '\\' && !l.esc
	if b == '\n' {
		l.line++
	}
	return b, nil
}

// noteLine is a note's line: the text after NotePrefix, and its number.
type noteLine struct {
	text string
	line int
}

// noteByte keeps b if the line may still be a note.
func (l *lineReader) noteByte(b byte) {
	if b == '\n' {
		l.endLine()
		return
	}
	if l.col < len(NotePrefix) {
		if b != NotePrefix[l.col] {
			l.col = len(NotePrefix) + 1 // not a note
		} else {
			l.col++
		}
		return
	}
	if l.col == len(NotePrefix) {
		l.note = append(l.note, b)
	}
}

// endLine ends the line: a note's is kept.
func (l *lineReader) endLine() {
	if l.col == len(NotePrefix) && len(l.note) > 0 {
		l.notes = append(l.notes, noteLine{text: strings.TrimSuffix(string(l.note), "\r"), line: l.line})
	}
	l.col, l.note = 0, l.note[:0]
}

func (l *lineReader) Read(p []byte) (int, error) {
	for i := range p {
		b, err := l.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = b
	}
	return len(p), nil
}

// EscapeRaw returns s with each byte over 0x7F written as \DDD, as a zone
// file is given to miekg/dns's parser (lineReader): text that the parser
// reads, such as an API record's value, goes through it first.
func EscapeRaw(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7F }) {
		return s
	}
	b, _ := io.ReadAll(&lineReader{r: bufio.NewReader(strings.NewReader(s))})
	return string(b)
}

// LiteralTXT is the TXT (or SPF) record of hdr that holds value, byte for
// byte, in strings of at most 255 bytes (RFC 1035 §3.3.14). It is read from
// the wire form, so that its strings are escaped as miekg/dns escapes them
// when it reads a zone file (a quote, a backslash, a byte outside printable
// ASCII): miekg/dns compares TXT records by that text, and a value sent
// again after a restart must be the same record, not a second one.
func LiteralTXT(hdr dns.RR_Header, value string) (dns.RR, error) {
	rdata := make([]byte, 0, len(value)+len(value)/255+1)
	for {
		n := min(len(value), 255)
		rdata = append(rdata, byte(n))
		rdata = append(rdata, value[:n]...)
		if value = value[n:]; value == "" {
			break
		}
	}
	if len(rdata) > 0xFFFF {
		return nil, fmt.Errorf("is %d bytes in strings of 255; a record holds at most 65535", len(rdata))
	}
	hdr.Rdlength = uint16(len(rdata))
	rr, _, err := dns.UnpackRRWithHeader(hdr, rdata, 0)
	return rr, err
}

// TXTStrings returns the character strings of a TXT (or SPF) record as
// bytes, unescaped: what LiteralTXT took, in its pieces.
func TXTStrings(rr dns.RR) ([][]byte, error) {
	buf := make([]byte, dns.Len(rr)+1)
	end, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil, err
	}
	rdlen := int(rr.Header().Rdlength)
	rdata := buf[end-rdlen : end]
	var out [][]byte
	for len(rdata) > 0 {
		n := int(rdata[0])
		if 1+n > len(rdata) {
			return nil, fmt.Errorf("a character string runs past the RDATA")
		}
		out = append(out, rdata[1:1+n])
		rdata = rdata[1+n:]
	}
	return out, nil
}
