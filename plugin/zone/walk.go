package zone

import (
	iradix "github.com/hashicorp/go-immutable-radix/v2"
	"github.com/miekg/dns"
)

// What a signer needs of the zone being built: its names in canonical
// order from a point on, either way, and which of them hold authoritative
// data (RFC 4035 §2.2: a signed zone signs and chains those only).

// NodeAt returns the node at key k in the zone being built.
func (t *Txn) NodeAt(k []byte) (*Node, bool) { return t.get(k) }

// Key returns the key of the zone's origin.
func (t *Txn) Key() []byte { return t.key }

// Ascend calls fn for every name of the zone being built from key k on, in
// canonical order, empty non-terminals included, until fn returns false.
func (t *Txn) Ascend(k []byte, fn func(k []byte, n *Node) bool) {
	t.tree.Ascend(string(k), func(k string, n *Node) bool { return fn([]byte(k), n) })
}

// Descend is Ascend backwards: from key k down to the apex.
func (t *Txn) Descend(k []byte, fn func(k []byte, n *Node) bool) {
	t.tree.Descend(string(k), func(k string, n *Node) bool { return fn([]byte(k), n) })
}

// Occluded reports whether the name with key k is below a zone cut (an NS
// RRset below the apex) or a DNAME of the zone being built: what is there
// is glue or hidden, not the zone's authoritative data.
func (t *Txn) Occluded(k []byte) bool { return occluded(t.cuts.Root(), t.key, k) }

// Occluded is Txn.Occluded of the zone.
func (z *Zone) Occluded(k []byte) bool { return occluded(z.cuts.Root(), z.key, k) }

func occluded(cuts *iradix.Node[*Node], apex, k []byte) bool {
	it := cuts.PathIterator(k)
	for ck, n, ok := it.Next(); ok; ck, n, ok = it.Next() {
		if len(ck) >= len(k) {
			break
		}
		if (len(ck) > len(apex) && n.Type(dns.TypeNS) != nil) || n.Type(dns.TypeDNAME) != nil {
			return true
		}
	}
	return false
}

// Signatures returns the RRSIGs at n that cover typ; the caller must not
// modify them.
func (n *Node) Signatures(typ uint16) []dns.RR { return covering(n.Type(dns.TypeRRSIG), typ) }

// SOA returns the SOA of the zone being built.
func (t *Txn) SOA() *dns.SOA { return t.soa }
