package zone

import (
	"bytes"
	"fmt"
	"sort"

	iradix "github.com/hashicorp/go-immutable-radix/v2"
	"github.com/miekg/dns"
)

// Txn builds a new Zone from an old one. It is the one write primitive that
// zone loading, the API and dynamic updates share. A Txn is not safe for
// concurrent use; the zone it started from is never modified.
type Txn struct {
	origin string
	key    []byte
	tree   *names             // a copy of the zone's, see names.go
	cuts   *iradix.Txn[*Node] // see Zone.cuts
	hashes *iradix.Txn[*Node] // see Zone.hashes
	soa    *dns.SOA
	count  int
	limit  int
	source Source

	// touched holds the keys of the names this Txn changed, for Diff; nil
	// when the Txn builds a zone from nothing, as loading a file does.
	touched map[string]struct{}

	// owned holds the nodes this Txn created. They are not reachable from any
	// published Zone yet, so the Txn may change them in place.
	owned map[*Node]struct{}

	// notes is the map of base, the zone's notes, until the first SetNote
	// or DeleteNote copies it (notesOwned); notesTouched holds the keys
	// changed (notes.go).
	base         *noteSet
	notes        map[string]string
	notesOwned   bool
	notesTouched map[string]struct{}
}

// New starts a Txn that builds a zone for origin from nothing.
func New(origin string) (*Txn, error) {
	origin = lowerFQDN(origin)
	key, err := Key(origin)
	if err != nil {
		return nil, fmt.Errorf("origin %q: %w", origin, err)
	}
	return &Txn{origin: origin, key: key, tree: newNames(key), cuts: iradix.New[*Node]().Txn(), hashes: iradix.New[*Node]().Txn(), owned: map[*Node]struct{}{}}, nil
}

// Txn starts a Txn that changes z.
func (z *Zone) Txn() *Txn {
	z.seedMu.Lock()
	tree := z.seed.Copy()
	z.seedMu.Unlock()
	return &Txn{origin: z.origin, key: z.key, tree: tree, cuts: z.cuts.Txn(), hashes: z.hashes.Txn(), soa: z.soa, count: z.count, source: z.source, base: z.notes, notes: z.notes.mapOf(),
		owned: map[*Node]struct{}{}, touched: map[string]struct{}{}}
}

// get returns the node at key k in the zone being built.
func (t *Txn) get(k []byte) (*Node, bool) { return getNode(t.tree, k) }

// SetSource makes the zone's file one of format s.
func (t *Txn) SetSource(s Source) { t.source = s }

// SetLimit makes Add fail with ErrTooManyRRs once the zone would hold more
// than n RRs. Zero means no limit.
func (t *Txn) SetLimit(n int) { t.limit = n }

// Origin returns the origin of the zone being built.
func (t *Txn) Origin() string { return t.origin }

// Types returns the types of the RRsets at name in the zone being built.
func (t *Txn) Types(name string) []uint16 {
	k, err := Key(name)
	if err != nil {
		return nil
	}
	n, ok := t.get(k)
	if !ok {
		return nil
	}
	types := make([]uint16, len(n.Sets))
	for i, s := range n.Sets {
		types[i] = s.Type
	}
	return types
}

// RRset returns the RRs of type typ at name in the zone being built.
func (t *Txn) RRset(name string, typ uint16) []dns.RR {
	k, err := Key(name)
	if err != nil {
		return nil
	}
	if n, ok := t.get(k); ok {
		return n.Type(typ)
	}
	return nil
}

// Add adds rr, taking ownership of it. An RR already present is not added
// twice (RFC 2181 §5); an RR joining an RRset takes the RRset's TTL
// (RFC 2181 §5.2), but an RRSIG (SharedTTL). The owner name keeps the spelling it was first added with.
func (t *Txn) Add(rr dns.RR) error {
	k, err := t.check(rr)
	if err != nil {
		return err
	}
	n, _ := t.get(k)
	if err := checkCoexist(n, rr); err != nil {
		return err
	}
	if rr.Header().Rrtype == dns.TypeSOA && t.soa != nil {
		if dns.IsDuplicate(rr, t.soa) {
			return nil
		}
		return ErrMultipleSOA
	}
	if t.limit > 0 && t.count >= t.limit {
		return ErrTooManyRRs
	}
	t.addChecked(k, rr)
	return nil
}

// addChecked adds rr, already validated, at key k.
func (t *Txn) addChecked(k []byte, rr dns.RR) {
	h := rr.Header()
	n, found := t.get(k)
	if !found {
		n = &Node{Name: h.Name}
		t.owned[n] = struct{}{}
		t.ensureAncestors(k)
	} else {
		n = t.writable(n)
		if n.Name == "" { // an empty non-terminal gets its first data
			n.Name = h.Name
		}
		h.Name = n.Name
	}
	if n.insert(rr) {
		t.count++
	}
	t.set(k, n)
	if h.Rrtype == dns.TypeSOA {
		t.soa = rr.(*dns.SOA)
	}
}

// check validates rr on its own and returns its owner's key.
func (t *Txn) check(rr dns.RR) ([]byte, error) {
	h := rr.Header()
	if h.Class != dns.ClassINET {
		return nil, ErrBadClass
	}
	if h.Ttl > MaxTTL {
		return nil, ErrBadTTL
	}
	if !Storable(h.Rrtype) {
		return nil, fmt.Errorf("%w: %s", ErrBadType, dns.Type(h.Rrtype))
	}
	k, err := Key(h.Name)
	if err != nil {
		return nil, fmt.Errorf("owner %q: %w", h.Name, err)
	}
	if err := checkRdata(rr); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(k, t.key) {
		return nil, fmt.Errorf("%w: %s", ErrOutOfZone, h.Name)
	}
	apex := len(k) == len(t.key)
	switch {
	case h.Rrtype == dns.TypeSOA && !apex:
		return nil, ErrSOANotAtApex
	case h.Rrtype == dns.TypeCNAME && apex:
		return nil, ErrCNAMEAtApex
	}
	return k, nil
}

// Storable reports whether RRs of type typ may be stored in a zone: every
// data type, and none of the meta types and QTYPEs (RFC 6895 §3.1).
func Storable(typ uint16) bool {
	switch typ {
	case dns.TypeNone, dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dns.TypeIXFR,
		dns.TypeAXFR, dns.TypeMAILA, dns.TypeMAILB, dns.TypeANY, dns.TypeReserved:
		return false
	}
	return true
}

// checkCoexist enforces the rules on what may share a name with what
// (RFC 1034 §3.6.2, RFC 2181 §10.1, RFC 6672 §2.4).
// A second, different CNAME or DNAME at a name is refused too: replacing one
// goes through ReplaceRRset.
func checkCoexist(n *Node, rr dns.RR) error {
	if n == nil || n.Empty() {
		return nil
	}
	typ := rr.Header().Rrtype
	cname := n.Type(dns.TypeCNAME)
	switch {
	case typ == dns.TypeCNAME:
		for _, s := range n.Sets {
			if s.Type != dns.TypeCNAME && !cnameCompanion(s.Type) {
				return ErrCNAMEConflict
			}
		}
		if len(cname) > 0 && !dns.IsDuplicate(cname[0], rr) {
			return ErrCNAMEConflict
		}
	case len(cname) > 0 && !cnameCompanion(typ):
		return ErrCNAMEConflict
	case typ == dns.TypeDNAME:
		if d := n.Type(dns.TypeDNAME); len(d) > 0 && !dns.IsDuplicate(d[0], rr) {
			return ErrDNAMEConflict
		}
	}
	return nil
}

// SharedTTL reports whether the RRs of an RRset of typ share one TTL
// (RFC 2181 §5.2): all but RRSIGs, each of which has the TTL of the RRset
// it covers, so that those at one name differ (RFC 4034 §3).
func SharedTTL(typ uint16) bool { return typ != dns.TypeRRSIG }

// cnameCompanion reports whether typ may sit beside a CNAME: the DNSSEC
// records that cover it (RFC 4035 §2.5).
func cnameCompanion(typ uint16) bool { return typ == dns.TypeRRSIG || typ == dns.TypeNSEC }

// writable returns a version of n that this Txn may change in place.
func (t *Txn) writable(n *Node) *Node {
	if _, ok := t.owned[n]; ok {
		return n
	}
	c := &Node{Name: n.Name, Sets: make([]RRset, len(n.Sets), len(n.Sets)+1)}
	copy(c.Sets, n.Sets)
	t.owned[c] = struct{}{}
	return c
}

// ensureAncestors inserts empty non-terminals for the missing names between
// the origin and the name with key k.
func (t *Txn) ensureAncestors(k []byte) {
	for p := parentKey(k); len(p) >= len(t.key); p = parentKey(p) {
		if _, ok := t.get(p); ok {
			return
		}
		n := &Node{Name: ""}
		t.owned[n] = struct{}{}
		t.set(p, n)
		if len(p) == len(t.key) {
			return
		}
	}
}

// insert adds rr to n, which must be writable, and reports whether it was new.
// A new RRset slice is made whenever one is grown, because an older Zone may
// share the old one.
func (n *Node) insert(rr dns.RR) bool {
	typ := rr.Header().Rrtype
	i := sort.Search(len(n.Sets), func(i int) bool { return n.Sets[i].Type >= typ })
	if i == len(n.Sets) || n.Sets[i].Type != typ {
		n.Sets = append(n.Sets, RRset{})
		copy(n.Sets[i+1:], n.Sets[i:])
		n.Sets[i] = RRset{Type: typ, RRs: []dns.RR{rr}}
		return true
	}
	old := n.Sets[i].RRs
	for _, o := range old {
		if Same(o, rr) {
			return false
		}
	}
	if SharedTTL(typ) {
		rr.Header().Ttl = old[0].Header().Ttl
	}
	j := sort.Search(len(old), func(j int) bool { return compareRdata(old[j], rr) > 0 })
	rrs := make([]dns.RR, 0, len(old)+1)
	rrs = append(append(append(rrs, old[:j]...), rr), old[j:]...)
	n.Sets[i].RRs = rrs
	return true
}

// set stores n at key k, and keeps the index of zone cuts and DNAMEs.
func (t *Txn) set(k []byte, n *Node) {
	t.touch(k)
	t.tree.Set(k, n)
	if (len(k) > len(t.key) && n.Type(dns.TypeNS) != nil) || n.Type(dns.TypeDNAME) != nil {
		t.cuts.Insert(k, n)
	} else if _, ok := t.cuts.Get(k); ok {
		t.cuts.Delete(k)
	}
	indexHash(t.hashes, k, n)
}

// del removes the node at key k.
func (t *Txn) del(k []byte) {
	t.touch(k)
	t.tree.Delete(probe(k))
	if _, ok := t.cuts.Get(k); ok {
		t.cuts.Delete(k)
	}
	indexHash(t.hashes, k, nil)
}

func (t *Txn) touch(k []byte) {
	if t.touched != nil {
		t.touched[string(k)] = struct{}{}
	}
}

// Touched returns the keys of the names the Txn changed, in canonical order.
func (t *Txn) Touched() [][]byte {
	keys := make([][]byte, 0, len(t.touched))
	for k := range t.touched {
		keys = append(keys, []byte(k))
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 })
	return keys
}
