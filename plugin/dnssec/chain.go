package dnssec

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// The NSEC chain (RFC 4034 §4, RFC 4035 §2.3) links every name of the zone
// that holds authoritative data, or is a delegation, in canonical order,
// the last back to the apex. A change mends it where it touched: the
// touched names get their NSEC (or lose it), and so does the name before
// each of them in the chain, whose next name may be another now. A change
// that adds or removes a zone cut or a DNAME hides or shows the names below
// it, which are touched too.

// member reports whether the name at k, holding n, is in the chain.
func member(tx *zone.Txn, k []byte, n *zone.Node) bool {
	if n.Empty() || tx.Occluded(k) {
		return false
	}
	for _, s := range n.Sets {
		if s.Type != dns.TypeRRSIG && s.Type != dns.TypeNSEC {
			return true
		}
	}
	return false
}

// expand returns the names of keys and, where one of them makes or takes
// away a cut or a DNAME, every name below it, whose place in the chain
// changes with it.
func (s *Signer) expand(old *zone.Zone, tx *zone.Txn, keys [][]byte) map[string]bool {
	set := map[string]bool{}
	hides := func(k []byte, n *zone.Node) bool {
		return n != nil && (!bytes.Equal(k, tx.Key()) && n.Type(dns.TypeNS) != nil || n.Type(dns.TypeDNAME) != nil)
	}
	for _, k := range keys {
		set[string(k)] = true
		// Empty non-terminals above it may have come or gone with it.
		for p := zone.ParentKey(k); len(p) > len(tx.Key()); p = zone.ParentKey(p) {
			set[string(p)] = true
		}
		// A cut or a DNAME, made or taken away, hides or shows what is below it.
		n, ok := tx.NodeAt(k)
		var was *zone.Node
		if old != nil {
			was, _ = old.Get(k)
		}
		if !ok || hides(k, n) || hides(k, was) {
			tx.Ascend(k, func(sub []byte, _ *zone.Node) bool {
				if !bytes.HasPrefix(sub, k) {
					return false
				}
				set[string(sub)] = true
				return true
			})
		}
	}
	return set
}

// chain mends the NSEC chain through the names of keys and returns every
// name whose signatures must be looked at: those, and the chain members
// before them, in canonical order. With full set, a zone whose NSEC3
// chain it replaces loses that.
func (s *Signer) chain(old *zone.Zone, tx *zone.Txn, keys [][]byte, full bool) ([][]byte, error) {
	if full && tx.HasHashes() {
		var hashed []string
		tx.Ascend(tx.Key(), func(_ []byte, n *zone.Node) bool {
			if n.Type(dns.TypeNSEC3) != nil {
				hashed = append(hashed, n.Name)
			}
			return true
		})
		for _, name := range hashed {
			tx.DeleteName(name)
		}
		tx.DeleteRRset(tx.Origin(), dns.TypeNSEC3PARAM)
	}
	set := s.expand(old, tx, keys)
	for k := range set {
		if p, ok := prevMember(tx, []byte(k)); ok {
			set[string(p)] = true
		}
	}
	names := make([][]byte, 0, len(set))
	for k := range set {
		names = append(names, []byte(k))
	}
	slices.SortFunc(names, bytes.Compare)
	ttl := negativeTTL(tx.SOA())
	for _, k := range names {
		n, ok := tx.NodeAt(k)
		if !ok {
			continue
		}
		if !member(tx, k, n) {
			if n.Type(dns.TypeNSEC) != nil {
				tx.DeleteRRset(n.Name, dns.TypeNSEC)
			}
			continue
		}
		next := nextMember(tx, k)
		want := &dns.NSEC{Hdr: dns.RR_Header{Name: n.Name, Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: ttl},
			NextDomain: next, TypeBitMap: bitmap(tx, k, n)}
		if have := n.Type(dns.TypeNSEC); len(have) == 1 && have[0].String() == want.String() {
			continue
		}
		if err := tx.ReplaceRRset(n.Name, dns.TypeNSEC, []dns.RR{want}); err != nil {
			return nil, fmt.Errorf("the NSEC of %s: %w", n.Name, err)
		}
	}
	return names, nil
}

// negativeTTL is the TTL of NSEC records: the smaller of the SOA's TTL and
// its MINIMUM (RFC 9077).
func negativeTTL(soa *dns.SOA) uint32 { return min(soa.Hdr.Ttl, soa.Minttl) }

// bitmap lists the types at the name, RRSIG and NSEC among them (RFC 4034
// §4.1.2); at a delegation, NS and DS only of its own (RFC 4035 §2.3), and
// RRSIG, because the NSEC itself is signed.
func bitmap(tx *zone.Txn, k []byte, n *zone.Node) []uint16 {
	cut := !bytes.Equal(k, tx.Key()) && n.Type(dns.TypeNS) != nil
	types := []uint16{dns.TypeNSEC, dns.TypeRRSIG}
	for _, s := range n.Sets {
		if s.Type == dns.TypeRRSIG || s.Type == dns.TypeNSEC {
			continue
		}
		if cut && s.Type != dns.TypeNS && s.Type != dns.TypeDS {
			continue
		}
		types = append(types, s.Type)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	return types
}

// nextMember returns the name of the chain member after k, or the apex
// after the last.
func nextMember(tx *zone.Txn, k []byte) string {
	next := ""
	tx.Ascend(k, func(nk []byte, n *zone.Node) bool {
		if bytes.Equal(nk, k) || !member(tx, nk, n) {
			return true
		}
		next = n.Name
		return false
	})
	if next == "" {
		return tx.Origin()
	}
	return next
}

// prevMember returns the key of the chain member before k, if there is one.
func prevMember(tx *zone.Txn, k []byte) ([]byte, bool) {
	var prev []byte
	tx.Descend(k, func(pk []byte, n *zone.Node) bool {
		if bytes.Equal(pk, k) || !member(tx, pk, n) {
			return true
		}
		prev = pk
		return false
	})
	if prev == nil {
		// Before the first name comes the last: the chain is a ring. The
		// apex is the first, and its predecessor the last member.
		if bytes.Equal(k, tx.Key()) {
			return lastMember(tx)
		}
		return nil, false
	}
	return prev, true
}

// lastMember returns the key of the last name of the chain.
func lastMember(tx *zone.Txn) ([]byte, bool) {
	var last []byte
	tx.Descend(append(slices.Clone(tx.Key()), 0xff, 0xff, 0xff), func(k []byte, n *zone.Node) bool {
		if member(tx, k, n) {
			last = k
			return false
		}
		return true
	})
	return last, last != nil
}
