package zone

import "github.com/miekg/dns"

// Diff returns what changed from a to b at the names with the given keys
// (Txn.Touched): the RRs only a has (del) and the RRs only b has (add). An
// RR whose TTL changed is in both.
func Diff(a, b *Zone, keys [][]byte) (del, add []dns.RR) {
	for _, k := range keys {
		var na, nb *Node
		if a != nil {
			na, _ = a.Get(k)
		}
		nb, _ = b.Get(k)
		del = append(del, missing(na, nb)...)
		add = append(add, missing(nb, na)...)
	}
	return del, add
}

// missing returns the RRs of x that y does not have with the same TTL.
func missing(x, y *Node) []dns.RR {
	if x == nil {
		return nil
	}
	var out []dns.RR
	for _, s := range x.Sets {
		var other []dns.RR
		if y != nil {
			other = y.Type(s.Type)
		}
		for _, rr := range s.RRs {
			found := false
			for _, o := range other {
				if o.Header().Ttl == rr.Header().Ttl && dns.IsDuplicate(o, rr) {
					found = true
					break
				}
			}
			if !found {
				out = append(out, rr)
			}
		}
	}
	return out
}
