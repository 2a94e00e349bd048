// Package store reads and writes the zone store: one RFC 1035 master file
// per zone, DIR/<origin without the trailing dot>.zone.
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
		if prev := tx.RRset(h.Name, h.Rrtype); len(prev) > 0 && prev[0].Header().Ttl != h.Ttl {
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
type lineReader struct {
	r     *bufio.Reader
	line  int
	atEOF bool
}

func (l *lineReader) ReadByte() (byte, error) {
	b, err := l.r.ReadByte()
	if err == io.EOF {
		l.atEOF = true
	}
	if b == '\n' && err == nil {
		l.line++
	}
	return b, err
}

func (l *lineReader) Read(p []byte) (int, error) { return l.r.Read(p) }
