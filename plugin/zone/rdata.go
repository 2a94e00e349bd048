package zone

import (
	"fmt"
	"sync"

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
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	if n := dns.Len(rr); n > len(*buf) {
		*buf = make([]byte, n)
	}
	if _, err := dns.PackRR(rr, *buf, 0, nil, false); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRdata, err)
	}
	if !bulkTypes[h.Rrtype] {
		if again, err := dns.NewRR(rr.String()); err != nil || again == nil || !dns.IsDuplicate(rr, again) {
			return fmt.Errorf("%w: %s does not read back as itself", ErrBadRdata, rr.String())
		}
	}
	return nil
}

// bulkTypes are the types that make up most of a zone. A record of any
// other type must read back from its presentation form as itself: the
// zone's file holds that form, and miekg/dns's parser takes some values
// that its printer then writes otherwise, such as a CAA tag `\ ` written
// as a bare space. Such a record would change, or stop the zone from
// loading, when the file is next read. Checking costs a parse (1.5-2.5 µs),
// which the bulk types are spared: their forms are plain, and the fuzzers
// (FuzzRead, FuzzRecordRoundTrip) read them back.
var bulkTypes = map[uint16]bool{
	dns.TypeA: true, dns.TypeAAAA: true, dns.TypeNS: true, dns.TypeCNAME: true, dns.TypePTR: true,
	dns.TypeMX: true, dns.TypeTXT: true, dns.TypeSOA: true, dns.TypeSRV: true,
	dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeNSEC3: true, dns.TypeDNSKEY: true, dns.TypeDS: true,
}

// bitmapHasNone reports whether rr's type bitmap (NSEC, NSEC3, NXT, CSYNC)
// lists type 0, which is reserved (RFC 4034 §4.1.2). miekg/dns's parser
// takes some escaped tokens there (`\1830`) for type 0, and writes it
// as "None", which it then does not read: a zone that held it would not
// load again once its file was rewritten.
func bitmapHasNone(rr dns.RR) bool {
	var types []uint16
	switch rr := rr.(type) {
	case *dns.NSEC:
		types = rr.TypeBitMap
	case *dns.NXT:
		types = rr.TypeBitMap
	case *dns.NSEC3:
		types = rr.TypeBitMap
	case *dns.CSYNC:
		types = rr.TypeBitMap
	}
	for _, t := range types {
		if t == dns.TypeNone {
			return true
		}
	}
	return false
}

// packBufs holds the buffers checkRdata packs into: the packer's interface
// calls let a buffer on the stack escape, one allocation a record (51 MB of
// garbage while 100,000 records load).
var packBufs = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}
