package dnssec

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// The NSEC3 chain (RFC 5155) with RFC 9276's parameters: SHA-1, no extra
// iterations, no salt, no opt-out. Every name of the zone that holds
// authoritative data, is a delegation, or is an empty non-terminal on the
// way to one has an NSEC3 record at the hash of its name, which names the
// next hash in order (the last the first). A change mends it where it
// touched: the touched names get their record (or lose it), and so does
// the record before each hash that came or went, whose next hash may be
// another now. Cuts and DNAMEs made or taken away touch what is below them
// (expand, shared with the NSEC chain).

// Denial is how a zone signed here proves what is not there.
type Denial string

const (
	NSEC  Denial = "nsec"
	NSEC3 Denial = "nsec3"
)

// param is the zone's NSEC3PARAM (RFC 5155 §4; RFC 9276 §3.1).
func param(origin string, ttl uint32) *dns.NSEC3PARAM {
	return &dns.NSEC3PARAM{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNSEC3PARAM, Class: dns.ClassINET, Ttl: ttl},
		Hash: dns.SHA1, Flags: 0, Iterations: 0, SaltLength: 0, Salt: ""}
}

// member3 reports whether the name at k, holding n, has an NSEC3 record:
// it is not hidden and holds data or is an empty non-terminal; the NSEC3
// records' own names are not.
func member3(tx *zone.Txn, k []byte, n *zone.Node) bool {
	if tx.Occluded(k) || n.Type(dns.TypeNSEC3) != nil {
		return false
	}
	if n.Empty() {
		return true
	}
	for _, s := range n.Sets {
		if s.Type != dns.TypeRRSIG && s.Type != dns.TypeNSEC {
			return true
		}
	}
	return false
}

// bitmap3 lists the types at the name: at a delegation NS and DS only of
// its own, RRSIG where something at the name is signed (RFC 5155 §3.2.1).
func bitmap3(tx *zone.Txn, k []byte, n *zone.Node) []uint16 {
	cut := !bytes.Equal(k, tx.Key()) && n.Type(dns.TypeNS) != nil
	var types []uint16
	signed := false
	for _, s := range n.Sets {
		switch {
		case s.Type == dns.TypeRRSIG || s.Type == dns.TypeNSEC:
		case cut && s.Type != dns.TypeNS && s.Type != dns.TypeDS:
		default:
			types = append(types, s.Type)
			signed = signed || !cut || s.Type == dns.TypeDS
		}
	}
	if signed {
		types = append(types, dns.TypeRRSIG)
	}
	slices.Sort(types)
	return types
}

// chain3 mends the NSEC3 chain through the names of keys and returns every
// name whose signatures must be looked at: those, and the NSEC3 records'
// names that changed, in canonical order. With full set, the zone is
// looked at whole: NSEC records and NSEC3 records of names that are not
// there go.
func (s *Signer) chain3(old *zone.Zone, tx *zone.Txn, keys [][]byte, full bool) ([][]byte, error) {
	origin := tx.Origin()
	ttl := negativeTTL(tx.SOA())
	if err := tx.ReplaceRRset(origin, dns.TypeNSEC3PARAM, []dns.RR{param(origin, 0)}); err != nil {
		return nil, fmt.Errorf("the NSEC3PARAM: %w", err)
	}
	set := s.expand(old, tx, keys)
	set[string(tx.Key())] = true // its bitmap holds NSEC3PARAM
	// want: the bitmap of each hash that a touched name needs; gone: the
	// hashes of touched names that need none.
	want := map[string][]uint16{}
	owner := map[string]string{} // hash key -> NSEC3 owner name
	var gone []string
	for k := range set {
		kb := []byte(k)
		n, ok := tx.NodeAt(kb)
		if ok && n.Type(dns.TypeNSEC3) != nil {
			continue // a hash's own name
		}
		name := zone.NameOf(kb)
		if ok && n.Type(dns.TypeNSEC) != nil {
			tx.DeleteRRset(n.Name, dns.TypeNSEC)
		}
		h := zone.Hashed(name, origin)
		hk, err := zone.Key(h)
		if err != nil {
			return nil, err
		}
		if ok && member3(tx, kb, n) {
			want[string(hk)] = bitmap3(tx, kb, n)
			owner[string(hk)] = h
		} else {
			gone = append(gone, string(hk))
		}
	}
	if full {
		// Every NSEC3 record that no name wants goes.
		var stale []string
		tx.Ascend(tx.Key(), func(k []byte, n *zone.Node) bool {
			if nsec3 := n.Type(dns.TypeNSEC3); nsec3 != nil {
				if _, ok := want[string(k)]; !ok {
					stale = append(stale, string(k))
				}
			}
			return true
		})
		gone = append(gone, stale...)
	}
	if full {
		return s.ring3(tx, set, want, owner, gone, ttl)
	}
	// Names whose NSEC3 record must be made again: those wanted, and the
	// ones before each hash that comes or goes.
	redo := map[string]bool{}
	for _, hk := range gone {
		if _, n, match := tx.HashedAround([]byte(hk)); match {
			owner := n.Name
			tx.DeleteName(owner)
			if pk, _ := tx.HashedBefore([]byte(hk)); pk != nil {
				redo[string(pk)] = true
			}
		}
	}
	// New hashes first, with any next hash, so that each finds its own
	// successor and predecessor among all of them after.
	for hk, types := range want {
		_, n, match := tx.HashedAround([]byte(hk))
		if match && slices.Equal(n.Type(dns.TypeNSEC3)[0].(*dns.NSEC3).TypeBitMap, types) {
			continue
		}
		self := strings.ToUpper(strings.SplitN(owner[hk], ".", 2)[0]) // until the ring is mended below
		placeholder := s.nsec3(owner[hk], ttl, self, types)
		if err := tx.ReplaceRRset(owner[hk], dns.TypeNSEC3, []dns.RR{placeholder}); err != nil {
			return nil, fmt.Errorf("the NSEC3 of %s: %w", owner[hk], err)
		}
		redo[hk] = true
		if !match {
			if pk, _ := tx.HashedBefore([]byte(hk)); pk != nil {
				redo[string(pk)] = true
			}
		}
	}
	out := make([][]byte, 0, len(set)+len(redo))
	for k := range set {
		out = append(out, []byte(k))
	}
	for hk := range redo {
		_, n, match := tx.HashedAround([]byte(hk))
		if !match {
			continue
		}
		_, next := tx.HashedAfter([]byte(hk))
		have := n.Type(dns.TypeNSEC3)[0].(*dns.NSEC3)
		nextHash := strings.ToUpper(strings.SplitN(next.Name, ".", 2)[0])
		if have.NextDomain == nextHash && have.Hdr.Ttl == ttl {
			continue
		}
		rr := s.nsec3(n.Name, ttl, nextHash, have.TypeBitMap)
		if err := tx.ReplaceRRset(n.Name, dns.TypeNSEC3, []dns.RR{rr}); err != nil {
			return nil, fmt.Errorf("the NSEC3 of %s: %w", n.Name, err)
		}
		out = append(out, []byte(hk))
	}
	slices.SortFunc(out, bytes.Compare)
	return slices.CompactFunc(out, bytes.Equal), nil
}

// ring3 makes the chain of a zone signed whole: the hashes wanted, in
// order, each naming the next, written once each; the others go.
func (s *Signer) ring3(tx *zone.Txn, set map[string]bool, want map[string][]uint16, owner map[string]string, gone []string, ttl uint32) ([][]byte, error) {
	for _, hk := range gone {
		if _, n, match := tx.HashedAround([]byte(hk)); match {
			tx.DeleteName(n.Name)
		}
	}
	ring := make([]string, 0, len(want))
	for hk := range want {
		ring = append(ring, hk)
	}
	slices.Sort(ring)
	out := make([][]byte, 0, len(set)+len(ring))
	for k := range set {
		out = append(out, []byte(k))
	}
	for i, hk := range ring {
		next := owner[ring[(i+1)%len(ring)]]
		rr := s.nsec3(owner[hk], ttl, strings.ToUpper(next[:strings.IndexByte(next, '.')]), want[hk])
		if _, n, match := tx.HashedAround([]byte(hk)); match && zone.Identical(n.Type(dns.TypeNSEC3), []dns.RR{rr}) {
			continue
		}
		if err := tx.ReplaceRRset(owner[hk], dns.TypeNSEC3, []dns.RR{rr}); err != nil {
			return nil, fmt.Errorf("the NSEC3 of %s: %w", owner[hk], err)
		}
		out = append(out, []byte(hk))
	}
	slices.SortFunc(out, bytes.Compare)
	return slices.CompactFunc(out, bytes.Equal), nil
}

// nsec3 makes the NSEC3 record at owner.
func (s *Signer) nsec3(owner string, ttl uint32, next string, types []uint16) *dns.NSEC3 {
	return &dns.NSEC3{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: ttl},
		Hash: dns.SHA1, Flags: 0, Iterations: 0, SaltLength: 0, Salt: "", HashLength: 20, NextDomain: next, TypeBitMap: types}
}
