package zone

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/miekg/dns"
)

// checkRdata refuses an RR whose RDATA is missing or cannot be put on the
// wire. The zone file parser accepts an RR without RDATA, the form RFC 2136
// uses to delete, and leaves its RDATA fields at their zero values ("SOA  0 0
// 0 0 0"); and some fields are only checked when packed (an odd number of hex
// digits in an SSHFP). Either would be served, and written to the store, as
// garbage. rr must not be shared yet: packing sets its Rdlength.
func checkRdata(rr dns.RR) error {
	h := rr.Header()
	if newRR, ok := dns.TypeToRR[h.Rrtype]; ok {
		if _, generic := rr.(*dns.RFC3597); !generic {
			zero := newRR()
			*zero.Header() = *h
			if dns.IsDuplicate(zero, rr) {
				return fmt.Errorf("%w: %s %s has no RDATA", ErrBadRdata, h.Name, dns.Type(h.Rrtype))
			}
		}
	}
	if bitmapHasNone(rr) {
		return fmt.Errorf("%w: %s %s lists type 0 in its type bitmap", ErrBadRdata, h.Name, dns.Type(h.Rrtype))
	}
	if n3, ok := rr.(*dns.NSEC3); ok && (n3.NextDomain == "" || strings.ContainsFunc(n3.NextDomain, unicode.IsSpace)) {
		// The one field of the bulk types that the parser fills with
		// the line's end when it is missing (RFC 5155 §3.3: a hash in
		// base32hex), and that would then be written as nothing.
		return fmt.Errorf("%w: %s NSEC3 has no next hashed owner name", ErrBadRdata, h.Name)
	}
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	wire, err := packInto(rr, buf)
	if err != nil {
		return err
	}
	if !bulkTypes[h.Rrtype] {
		_, err := readBack(rr, wire)
		return err
	}
	return nil
}

// ReadBack returns rr as its presentation form, on one line, reads back:
// the form the zone's file holds and a restart reads. miekg/dns compares
// records by their text and keeps the text it was given (a name `'x` is
// kept so and printed `\'x`; an SSHFP's fingerprint is printed in upper
// case), so a record kept in this form is found again after a restart. It
// refuses rr unless the line reads back as the same record on the wire.
// The zone checks this for every type but the bulk types; a record from
// the API or the wire (an RFC 2136 update) needs it whatever its type:
// `\# 0` gives a record of any type its fields empty, and miekg/dns reads
// RDATA cut short, as an update's deletions have it, leaving the rest
// empty, so an SRV cut before its target is printed with no target and an
// NSEC3 with no hash, and the next line of the zone's file would be read
// as them.
func ReadBack(rr dns.RR) (dns.RR, error) {
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	wire, err := packInto(rr, buf)
	if err != nil {
		return nil, err
	}
	return readBack(rr, wire)
}

// readBack is ReadBack of rr whose wire form is wire. The text is read
// twice, one line after the other, as a zone file's lines are, so that a
// line must also leave the next alone (the parser takes the line's end as
// the last field of an IPSECKEY with an unknown gateway type, and the next
// line then fails). The wire forms are compared, not the texts.
func readBack(rr dns.RR, wire []byte) (dns.RR, error) {
	text := rr.String()
	if !strings.ContainsAny(text, "\n\r") {
		zp := dns.NewZoneParser(strings.NewReader(text+"\n"+text+"\n"), ".", "")
		var first dns.RR
		buf := packBufs.Get().(*[]byte)
		defer packBufs.Put(buf)
		read := 0
		for again, ok := zp.Next(); ok; again, ok = zp.Next() {
			if b, err := packInto(again, buf); err != nil || !bytes.Equal(b, wire) {
				break
			}
			if read++; read == 1 {
				first = again
			}
		}
		if zp.Err() == nil && read == 2 {
			return first, nil
		}
	}
	return nil, fmt.Errorf("%w: %q does not read back as itself", ErrBadRdata, text)
}

// bulkTypes are the types that make up most of a zone. A record of any
// other type must read back from its presentation form as itself: the
// zone's file holds that form, and miekg/dns's parser takes some values
// that its printer then writes otherwise, such as a CAA tag `\ ` written
// as a bare space, or an X25 address of one line break written raw. Such a
// record would change, or stop the zone from loading, when the file is next
// read. Checking costs two parses (BenchmarkReadBack), which
// the bulk types are spared when they come from a zone file: their forms
// are plain there, and the fuzzers (FuzzRead, FuzzRecordRoundTrip) read
// them back.
var bulkTypes = map[uint16]bool{
	dns.TypeA: true, dns.TypeAAAA: true, dns.TypeNS: true, dns.TypeCNAME: true, dns.TypePTR: true,
	dns.TypeMX: true, dns.TypeTXT: true, dns.TypeSOA: true, dns.TypeSRV: true,
	dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true, dns.TypeDNSKEY: true, dns.TypeDS: true,
}

// bitmapHasNone reports whether the type bitmap of an NSEC or NSEC3, bulk
// types that are not read back, lists type 0, which is reserved (RFC 4034
// §4.1.2). miekg/dns's parser takes some escaped tokens there (`\1830`)
// for type 0, and writes it as "None", which it then does not read: a
// zone that held it would not load again once its file was rewritten.
// (NXT and CSYNC have bitmaps too; reading back refuses theirs.)
func bitmapHasNone(rr dns.RR) bool {
	var types []uint16
	switch rr := rr.(type) {
	case *dns.NSEC:
		types = rr.TypeBitMap
	case *dns.NSEC3:
		types = rr.TypeBitMap
	}
	return slices.Contains(types, dns.TypeNone)
}

// packInto packs rr into *buf, grown as needed, and returns its wire form.
func packInto(rr dns.RR, buf *[]byte) ([]byte, error) {
	if n := dns.Len(rr); n > len(*buf) {
		*buf = make([]byte, n)
	}
	n, err := dns.PackRR(rr, *buf, 0, nil, false)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRdata, err)
	}
	return (*buf)[:n], nil
}

// packBufs holds the buffers records are packed into: the packer's interface
// calls let a buffer on the stack escape, one allocation a record (51 MB of
// garbage while 100,000 records load).
var packBufs = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}
