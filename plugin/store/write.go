package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Format writes z as a master file: a fixed header, $ORIGIN, the SOA, then
// one RR a line in DNS canonical order with owners relative to the origin.
// The same zone always gives the same bytes, so a change to a zone is a
// change to the lines of the RRs that changed, and Git diffs stay minimal.
// A zone whose source is YAML is written in that format (FormatYAML).
func Format(w io.Writer, z *zone.Zone) error {
	if z.Source() == zone.SourceYAML {
		return FormatYAML(w, z, false)
	}
	return format(w, z, false)
}

// FormatUnsigned is Format without the records that a signer makes
// (Derived): the zone as its Git history keeps a zone signed here, whose
// signatures are derived from it.
func FormatUnsigned(w io.Writer, z *zone.Zone) error {
	if z.Source() == zone.SourceYAML {
		return FormatYAML(w, z, true)
	}
	return format(w, z, true)
}

// FormatZone writes z as a master file whatever its source: what
// exportZone gives.
func FormatZone(w io.Writer, z *zone.Zone) error { return format(w, z, false) }

// Derived reports whether records of typ are made by the signer of a zone
// signed here: RRSIG, NSEC, NSEC3, NSEC3PARAM, DNSKEY, CDS and CDNSKEY.
func Derived(typ uint16) bool {
	switch typ {
	case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
		return true
	}
	return false
}

func format(w io.Writer, z *zone.Zone, unsigned bool) error {
	bw := bufio.NewWriter(w)
	writeHeader(bw, z)
	writeRR(bw, z.SOA(), z.Origin())
	z.Walk(func(n *zone.Node) bool {
		writeNode(bw, z, n, z.Origin(), unsigned)
		return true
	})
	return bw.Flush()
}

// writeHeader writes what begins every file Format writes: a first line
// that names the zone, its notes, then $ORIGIN.
func writeHeader(w *bufio.Writer, z *zone.Zone) {
	fmt.Fprintf(w, firstLine, z.Origin())
	for _, k := range z.NoteKeys() {
		v, _ := z.Note(k)
		w.WriteString(NotePrefix)
		w.WriteString(k)
		w.WriteByte(' ')
		w.WriteString(v)
		w.WriteByte('\n')
	}
	fmt.Fprintf(w, "$ORIGIN %s\n", z.Origin())
}

// headerLen returns the length of the header writeHeader wrote for origin
// at the start of b, or false if b does not begin with one.
func headerLen(b []byte, origin string) (int, bool) {
	first := fmt.Sprintf(firstLine, origin)
	if !bytes.HasPrefix(b, []byte(first)) {
		return 0, false
	}
	n := len(first)
	for bytes.HasPrefix(b[n:], []byte(NotePrefix)) {
		end := bytes.IndexByte(b[n:], '\n')
		if end < 0 {
			return 0, false
		}
		n += end + 1
	}
	last := "$ORIGIN " + origin + "\n"
	if !bytes.HasPrefix(b[n:], []byte(last)) {
		return 0, false
	}
	return n + len(last), true
}

// firstLine is the first line of every file Format writes.
const firstLine = "; zone %s - written by zoneapi, one record a line in DNS canonical order\n"

// NotePrefix begins the line of a zone's note (zone.Zone.Note) in its file:
// a comment to every other reader of the file, one line a note, after the
// first line and before $ORIGIN, in the order of their keys.
const NotePrefix = ";@note "

// writeRR writes rr as one line: its owner relative to origin, then the
// rest of rr.String() (TTL, class, type and the RDATA as miekg/dns writes
// them). rr.String() is the only formatting: formatting the header a
// second time, to find where it ends, took a third of a compaction.
func writeRR(w *bufio.Writer, rr dns.RR, origin string) {
	s := rr.String()
	rest, ok := afterFields(s, 1)
	if !ok {
		w.WriteString(s)
		w.WriteByte('\n')
		return
	}
	w.WriteString(relative(rr.Header().Name, origin))
	w.WriteByte('\t')
	w.WriteString(rest)
	w.WriteByte('\n')
}

// RDATA is the RDATA of rr in presentation format: rr.String() after the
// header's four fields (owner, TTL, class, type).
func RDATA(rr dns.RR) string {
	s := rr.String()
	if rest, ok := afterFields(s, 4); ok {
		return rest
	}
	return s
}

// afterFields returns s after its first n tab-ended fields, or false if it
// has fewer. rr.String() begins with the header's four fields, each ended
// by a tab, and miekg/dns escapes every control character of a name, so
// the owner's field holds no tab. The fields are found by their tabs and
// not by formatting the header apart: that costs a second formatting, and
// for a type miekg/dns does not know (RFC 3597) the record spells its
// class CLASS1 where the header spells it IN, so the two do not match. No
// record a zone holds has fewer than four.
func afterFields(s string, n int) (string, bool) {
	for range n {
		tab := strings.IndexByte(s, '\t')
		if tab < 0 {
			return "", false
		}
		s = s[tab+1:]
	}
	return s, true
}

// relative returns owner relative to origin in presentation format: "@" for
// the apex, else the labels below the origin.
func relative(owner, origin string) string {
	name := dns.Fqdn(owner)
	if len(name) == len(origin) {
		return "@"
	}
	rel := name
	if suffix := "." + origin; len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
		rel = name[:len(name)-len(suffix)]
	}
	if strings.HasPrefix(rel, "$") { // not a directive
		rel = `\` + rel
	}
	return rel
}

// WriteFile writes z to its file in dir atomically (see WriteAtomic).
func WriteFile(dir string, z *zone.Zone) error {
	p, err := PrepareFile(dir, z)
	if err != nil {
		return err
	}
	if err := p.Commit(); err != nil {
		return fmt.Errorf("write zone %s: %w", z.Origin(), err)
	}
	return nil
}

// PrepareFile writes z as its file in dir would be, to a temporary file
// there, and syncs it; Commit puts it in place. Formatting a large zone
// takes a while, and this half needs no lock.
func PrepareFile(dir string, z *zone.Zone) (*Pending, error) {
	name, err := FileNameOf(z.Origin(), z.Source())
	if err != nil {
		return nil, err
	}
	p, err := prepare(dir, name, func(w io.Writer) error { return Format(w, z) })
	if err != nil {
		return nil, fmt.Errorf("write zone %s: %w", z.Origin(), err)
	}
	return p, nil
}

// Pending is a file written and synced under a temporary name, waiting
// to replace dir/name.
type Pending struct{ tmp, dir, name string }

// Commit renames the file over dir/name and syncs the directory.
func (p *Pending) Commit() error {
	if err := os.Rename(p.tmp, filepath.Join(p.dir, p.name)); err != nil {
		os.Remove(p.tmp)
		return err
	}
	return syncDir(p.dir)
}

// Abort removes the file.
func (p *Pending) Abort() { os.Remove(p.tmp) }

// WriteAtomic writes dir/name with write: to a temporary file in the same
// directory, fsync, rename over the old file, fsync of the directory. A
// reader, or a restart after a crash, sees the old file or the new one,
// never a mix; CleanTemp removes what an interrupted write left.
func WriteAtomic(dir, name string, write func(io.Writer) error) error {
	p, err := prepare(dir, name, write)
	if err != nil {
		return err
	}
	return p.Commit()
}

func prepare(dir, name string, write func(io.Writer) error) (*Pending, error) {
	tmp, err := os.CreateTemp(dir, "."+name+tmpMarker+"*")
	if err != nil {
		return nil, err
	}
	err = write(tmp)
	if err == nil {
		if err = syncFile(tmp); err != nil {
			err = fmt.Errorf("sync: %w", err)
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	return &Pending{tmp: tmp.Name(), dir: dir, name: name}, nil
}

// RemoveFile removes the file of the zone origin from dir, durably,
// whatever its format.
func RemoveFile(dir, origin string) error {
	for _, src := range []zone.Source{zone.SourceZone, zone.SourceYAML} {
		name, err := FileNameOf(origin, src)
		if err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove zone %s: %w", origin, err)
		}
	}
	return syncDir(dir)
}

// RemoveOther removes the file of z's zone in the format z's source is
// not, once a conversion put the other in place.
func RemoveOther(dir string, z *zone.Zone) error {
	other := zone.SourceYAML
	if z.Source() == zone.SourceYAML {
		other = zone.SourceZone
	}
	name, err := FileNameOf(z.Origin(), other)
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("remove zone %s: %w", z.Origin(), err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := syncFile(d); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
