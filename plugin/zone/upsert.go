package zone

import "github.com/miekg/dns"

// Upsert adds rr, or sets its RRset's TTL when rr is there already: an
// RRset has one TTL (RFC 2181 §5.2), and the last write gives it. The API,
// ACME challenges and RFC 2136 additions share it.
func (t *Txn) Upsert(rr dns.RR) error {
	h := rr.Header()
	set := t.RRset(h.Name, h.Rrtype)
	if len(set) == 0 {
		return t.Add(rr)
	}
	rrs := make([]dns.RR, 0, len(set)+1)
	present := false
	for _, o := range set {
		c := dns.Copy(o)
		c.Header().Ttl = h.Ttl
		rrs = append(rrs, c)
		present = present || Same(o, rr)
	}
	if !present {
		rrs = append(rrs, rr)
	}
	return t.ReplaceRRset(h.Name, h.Rrtype, rrs)
}
