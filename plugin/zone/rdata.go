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
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	if n := dns.Len(rr); n > len(*buf) {
		*buf = make([]byte, n)
	}
	if _, err := dns.PackRR(rr, *buf, 0, nil, false); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRdata, err)
	}
	return nil
}

// packBufs holds the buffers checkRdata packs into: the packer's interface
// calls let a buffer on the stack escape, one allocation a record (51 MB of
// garbage while 100,000 records load).
var packBufs = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}
