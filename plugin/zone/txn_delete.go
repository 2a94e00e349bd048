package zone

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/miekg/dns"
)

// Delete removes the RR equal to rr in name, type and RDATA (its TTL does
// not matter) and reports whether there was one. The apex SOA cannot be
// deleted, only replaced.
func (t *Txn) Delete(rr dns.RR) bool {
	h := rr.Header()
	k, n, ok := t.lookup(h.Name)
	if !ok || (h.Rrtype == dns.TypeSOA && len(k) == len(t.key)) {
		return false
	}
	i := n.index(h.Rrtype)
	if i < 0 {
		return false
	}
	old := n.Sets[i].RRs
	for j, o := range old {
		if !Same(o, rr) {
			continue
		}
		w := t.writable(n)
		if len(old) == 1 {
			w.Sets = append(w.Sets[:i:i], w.Sets[i+1:]...)
		} else {
			rrs := make([]dns.RR, 0, len(old)-1)
			w.Sets[i].RRs = append(append(rrs, old[:j]...), old[j+1:]...)
		}
		t.count--
		t.put(k, w)
		return true
	}
	return false
}

// DeleteRRset removes the RRset of type typ at name and returns how many RRs
// it held. The apex SOA cannot be deleted.
func (t *Txn) DeleteRRset(name string, typ uint16) int {
	k, n, ok := t.lookup(name)
	if !ok || (typ == dns.TypeSOA && len(k) == len(t.key)) {
		return 0
	}
	i := n.index(typ)
	if i < 0 {
		return 0
	}
	removed := len(n.Sets[i].RRs)
	w := t.writable(n)
	w.Sets = append(w.Sets[:i:i], w.Sets[i+1:]...)
	t.count -= removed
	t.put(k, w)
	return removed
}

// DeleteName removes every RRset at name (but the apex SOA) and returns how
// many RRs it removed.
func (t *Txn) DeleteName(name string) int {
	removed := 0
	for _, typ := range t.Types(name) {
		removed += t.DeleteRRset(name, typ)
	}
	return removed
}

// ReplaceRRset makes rrs the RRset of type typ at name, all with the TTL of
// the first (RRSIGs keep their own, SharedTTL); an empty rrs deletes the RRset. It is all or nothing: on error
// the zone being built is unchanged.
func (t *Txn) ReplaceRRset(name string, typ uint16, rrs []dns.RR) error {
	k, err := Key(name)
	if err != nil {
		return fmt.Errorf("owner %q: %w", name, err)
	}
	for _, rr := range rrs {
		if h := rr.Header(); h.Rrtype != typ || !equalName(h.Name, name) {
			return fmt.Errorf("replace %s %s: record %q does not belong to the RRset", name, dns.Type(typ), rr.String())
		}
	}
	if typ == dns.TypeSOA && len(rrs) != 1 {
		return fmt.Errorf("replace SOA: %w", ErrNoSOA)
	}
	// A name has one CNAME and one DNAME at most (RFC 2181 §10.1, RFC 6672 §2.4).
	for i := 1; i < len(rrs) && (typ == dns.TypeCNAME || typ == dns.TypeDNAME); i++ {
		if !dns.IsDuplicate(rrs[0], rrs[i]) {
			if typ == dns.TypeCNAME {
				return ErrCNAMEConflict
			}
			return ErrDNAMEConflict
		}
	}
	// Check the new RRs against the name as it would be without the old RRset.
	n, _ := t.get(k)
	var rest *Node
	oldLen := 0
	if n != nil {
		rest = &Node{Name: n.Name, Sets: n.Sets}
		if i := n.index(typ); i >= 0 {
			oldLen = len(n.Sets[i].RRs)
			rest.Sets = append(n.Sets[:i:i], n.Sets[i+1:]...)
		}
	}
	for i, rr := range rrs {
		if _, err := t.check(rr); err != nil {
			return err
		}
		if i == 0 {
			if err := checkCoexist(rest, rr); err != nil {
				return err
			}
		}
		if typ != dns.TypeRRSIG {
			rr.Header().Ttl = rrs[0].Header().Ttl
		}
	}
	if t.limit > 0 && t.count-oldLen+len(rrs) > t.limit {
		return ErrTooManyRRs
	}
	if n != nil && oldLen > 0 {
		w := t.writable(n)
		i := w.index(typ)
		w.Sets = append(w.Sets[:i:i], w.Sets[i+1:]...)
		t.count -= oldLen
		t.put(k, w)
	}
	for _, rr := range rrs {
		t.addChecked(k, rr)
	}
	return nil
}

// lookup returns the key and the node of a non-empty name in the zone being built.
func (t *Txn) lookup(name string) ([]byte, *Node, bool) {
	k, err := Key(name)
	if err != nil {
		return nil, nil, false
	}
	n, ok := t.get(k)
	if !ok || n.Empty() {
		return k, nil, false
	}
	return k, n, true
}

// put stores n at key k. A node left empty is removed together with every
// empty non-terminal above it that no longer has anything below it.
func (t *Txn) put(k []byte, n *Node) {
	if !n.Empty() || len(k) == len(t.key) {
		t.set(k, n)
		return
	}
	for len(k) > len(t.key) {
		if t.hasChildren(k) {
			t.set(k, n)
			return
		}
		t.del(k)
		k = parentKey(k)
		p, ok := t.get(k)
		if !ok || !p.Empty() {
			return
		}
		n = p
	}
}

// hasChildren reports whether any name lies below the name with key k.
func (t *Txn) hasChildren(k []byte) bool {
	// Keys sort a name's descendants right after it (key.go).
	found := false
	t.tree.Ascend(probe(k), func(key string, _ *Node) bool {
		found = len(key) > len(k) && key[:len(k)] == string(k)
		return key == string(k) // only k itself comes before them
	})
	return found
}

// index returns the position of the RRset of type typ in n.Sets, or -1.
func (n *Node) index(typ uint16) int {
	i := sort.Search(len(n.Sets), func(i int) bool { return n.Sets[i].Type >= typ })
	if i < len(n.Sets) && n.Sets[i].Type == typ {
		return i
	}
	return -1
}

// equalName reports whether two names are equal, ignoring ASCII case.
func equalName(a, b string) bool {
	ka, errA := Key(dns.Fqdn(a))
	kb, errB := Key(dns.Fqdn(b))
	return errA == nil && errB == nil && bytes.Equal(ka, kb)
}
