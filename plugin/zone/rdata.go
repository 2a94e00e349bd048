package zone

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// checkRdata refuses an RR whose RDATA is missing or does not survive being
// written out and read back. The parser accepts an RR without RDATA, the form
// RFC 2136 uses to delete, and fills it with zero values ("SOA  0 0 0 0 0");
// such an RR would be served, and written to the store, as garbage.
func checkRdata(rr dns.RR) error {
	s := rr.String()
	hdr := rr.Header().String()
	if !strings.HasPrefix(s, hdr) || strings.TrimSpace(s[len(hdr):]) == "" {
		if _, generic := rr.(*dns.RFC3597); !generic {
			return ErrBadRdata
		}
	}
	back, err := dns.NewRR(s)
	if err != nil || back == nil || !dns.IsDuplicate(back, rr) {
		return fmt.Errorf("%w: %s", ErrBadRdata, s)
	}
	return nil
}
