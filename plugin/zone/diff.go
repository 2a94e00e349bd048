package zone

import (
	"bytes"
	"slices"
	"sort"

	"github.com/miekg/dns"
)

// Diff returns what changed from a to b at the names with the given keys
// (Txn.Touched): the RRs only a has (del) and the RRs only b has (add). An
// RR whose TTL, or the case of a name in it, changed is in both.
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

// DiffZones is Diff at every name of either zone, in canonical order; a nil
// zone has no records.
func DiffZones(a, b *Zone) (del, add []dns.RR) {
	var keys [][]byte
	seen := map[string]bool{}
	for _, z := range []*Zone{a, b} {
		if z == nil {
			continue
		}
		z.tree.Scan(func(k string, _ *Node) bool {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, []byte(k))
			}
			return true
		})
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	if b == nil {
		add, del = Diff(nil, a, keys)
		return del, add
	}
	return Diff(a, b, keys)
}

// missing returns the RRs of x that y does not have as they are written:
// the same TTL, and the same case in the owner and in names in the RDATA,
// which DNS keeps though it compares names without it.
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
		if slices.Equal(s.RRs, other) {
			continue // the same RRs, shared: an RRset the change left alone (the apex's, at every change)
		}
		if len(other) == 0 {
			out = append(out, s.RRs...) // an RRset y lacks (a record added at a new name, at most changes)
			continue
		}
		if len(other) == 1 {
			// The usual case, the SOA at every change: only an RR that is
			// the same but for case and TTL needs to be rendered to tell.
			o := other[0]
			for _, rr := range s.RRs {
				if !dns.IsDuplicate(rr, o) || rr.String() != o.String() {
					out = append(out, rr)
				}
			}
			continue
		}
		texts := make(map[string]bool, len(other))
		for _, o := range other {
			texts[o.String()] = true
		}
		for _, rr := range s.RRs {
			if !texts[rr.String()] {
				out = append(out, rr)
			}
		}
	}
	return out
}
