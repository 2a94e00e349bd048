package zone

import (
	"strings"
	"sync"

	iradix "github.com/hashicorp/go-immutable-radix/v2"
	"github.com/miekg/dns"
)

// Zone is an immutable snapshot of one zone. Nothing reachable from a Zone is
// ever modified after Commit returned it; readers need no lock.
type Zone struct {
	origin string // lower-case, fully qualified
	key    []byte
	tree   *names // every name with data, and every empty non-terminal (names.go)
	// cuts holds the nodes that redirect the names below them: zone cuts (NS
	// below the apex) and DNAME owners. It is small, so a lookup checks it
	// and then needs one descent of tree, not a walk of every ancestor.
	cuts    *iradix.Tree[*Node]
	hashes  *iradix.Tree[*Node] // the NSEC3 records' nodes (nsec3.go)
	soa     *dns.SOA
	negNs   []dns.RR // the SOA with the negative-caching TTL, alone: a negative answer's authority, not made per query
	negSig  []dns.RR // the SOA's RRSIGs with that TTL, for negative answers with DO
	negWire []byte   // negNs in wire form, its owner written out (wire.go)
	// negSigWire is negSig in wire form, owners written out; nil unless
	// the zone is signed.
	negSigWire []byte
	count      int      // number of RRs
	notes      *noteSet // notes.go; never written once published
	source     Source   // the format of the zone's file

	// seed is a twin of tree that only Txn touches: copying a B-tree marks
	// the original, and tree, once published, is never written to.
	seedMu sync.Mutex
	seed   *names
}

// Node is one owner name and its RRsets. A Node without RRsets is an empty
// non-terminal (RFC 4592 §2.2.2): it exists because names below it do.
type Node struct {
	Name string  // owner name as first written, fully qualified
	Sets []RRset // ordered by type
}

// RRset is the set of RRs of one type at one name. Its RRs are in canonical
// RDATA order (RFC 4034 §6.3), have no duplicates, and share one TTL
// (RFC 2181 §5.2).
type RRset struct {
	Type uint16
	RRs  []dns.RR

	// The RRs packed for an answer, then the RRSIGs that cover them
	// (wire.go); nil for some types.
	wire  []byte
	plain uint32 // wire[:plain] are the RRs
	sigs  uint16 // the RRSIGs in wire[plain:]
}

// Source is the format of a zone's file in the store.
type Source uint8

const (
	SourceZone Source = iota // an RFC 1035 master file, DIR/<zone>.zone
	SourceYAML               // octoDNS's YAML format, DIR/<zone>.yaml
)

func (s Source) String() string {
	if s == SourceYAML {
		return "yaml"
	}
	return "zone"
}

// Source returns the format of the zone's file.
func (z *Zone) Source() Source { return z.source }

// Origin returns the zone's origin, lower-case and fully qualified.
func (z *Zone) Origin() string { return z.origin }

// Key returns the key of the zone's origin. The caller must not modify it.
func (z *Zone) Key() []byte { return z.key }

// SOA returns the zone's SOA record. The caller must not modify it.
func (z *Zone) SOA() *dns.SOA { return z.soa }

// Serial returns the SOA serial.
func (z *Zone) Serial() uint32 { return z.soa.Serial }

// Len returns the number of RRs in the zone.
func (z *Zone) Len() int { return z.count }

// Names returns the number of owner names, empty non-terminals included.
func (z *Zone) Names() int { return z.tree.Len() }

// Get returns the node at key k, if any.
func (z *Zone) Get(k []byte) (*Node, bool) { return getNode(z.tree, k) }

// Apex returns the node at the zone's origin. The caller must not modify it.
func (z *Zone) Apex() *Node { return z.tree.apex }

// Node returns the node at the presentation-format name, if any.
func (z *Zone) Node(name string) (*Node, bool) {
	k, err := Key(name)
	if err != nil {
		return nil, false
	}
	return z.Get(k)
}

// Type returns the RRs of type t at n, or nil.
func (n *Node) Type(t uint16) []dns.RR {
	for i := range n.Sets {
		if n.Sets[i].Type == t {
			return n.Sets[i].RRs
		}
		if n.Sets[i].Type > t {
			break
		}
	}
	return nil
}

// Empty reports whether n is an empty non-terminal.
func (n *Node) Empty() bool { return len(n.Sets) == 0 }

// Walk calls fn for every node in DNS canonical order, empty non-terminals
// included, until fn returns false.
func (z *Zone) Walk(fn func(*Node) bool) {
	z.tree.Scan(func(_ string, n *Node) bool { return fn(n) })
}

// Records returns every RR of the zone: the SOA first, then every other RR
// in canonical order (names, then types, then RDATA).
func (z *Zone) Records() []dns.RR {
	rrs := make([]dns.RR, 0, z.count)
	rrs = append(rrs, z.soa)
	z.Walk(func(n *Node) bool {
		for _, s := range n.Sets {
			if s.Type == dns.TypeSOA && n == z.Apex() {
				continue
			}
			rrs = append(rrs, s.RRs...)
		}
		return true
	})
	return rrs
}

// contains reports whether the name with key k is at or below the origin.
func (z *Zone) contains(k []byte) bool {
	return len(k) >= len(z.key) && string(k[:len(z.key)]) == string(z.key)
}

// lowerFQDN returns name lower-cased (ASCII only) and fully qualified.
func lowerFQDN(name string) string { return strings.ToLower(dns.Fqdn(name)) }
