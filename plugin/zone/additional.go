package zone

import (
	"strings"

	"github.com/miekg/dns"
)

// additional appends the in-zone A and AAAA RRs of the names that the RRs
// in rrs point at: name servers, mail exchangers and service targets
// (RFC 1034 §3.6, RFC 2782). Each name is added once; with do, with their
// signatures (RFC 4035 §3.1.1), where they are authoritative.
func (z *Zone) additional(a *Answer, rrs []dns.RR, do bool) {
	for i, rr := range rrs {
		target := additionalTarget(rr)
		if target == "" || seenTarget(rrs[:i], target) {
			continue
		}
		var kbuf [256]byte
		tk, err := AppendKey(kbuf[:0], target)
		if err != nil || !z.contains(tk) {
			continue
		}
		n, ok := z.Get(tk)
		if !ok {
			continue
		}
		a.Extra = a.appendRRs(a.Extra, n.Type(dns.TypeA))
		a.Extra = a.appendRRs(a.Extra, n.Type(dns.TypeAAAA))
		if do {
			sigs := n.Type(dns.TypeRRSIG)
			a.Extra = a.appendRRs(a.Extra, covering(sigs, dns.TypeA))
			a.Extra = a.appendRRs(a.Extra, covering(sigs, dns.TypeAAAA))
		}
	}
}

func additionalTarget(rr dns.RR) string {
	switch rr := rr.(type) {
	case *dns.NS:
		return rr.Ns
	case *dns.MX:
		return rr.Mx
	case *dns.SRV:
		return rr.Target
	}
	return ""
}

// seenTarget reports whether an RR in rrs already points at target.
func seenTarget(rrs []dns.RR, target string) bool {
	for _, rr := range rrs {
		if t := additionalTarget(rr); t != "" && strings.EqualFold(t, target) {
			return true
		}
	}
	return false
}
