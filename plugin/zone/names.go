package zone

import (
	"unsafe"

	"github.com/tidwall/btree"
)

// The names of a zone, empty non-terminals included, are kept in a
// copy-on-write B-tree map (tidwall/btree) from their keys, whose byte
// order is DNS canonical order, to their nodes. A Txn writes to a copy: the
// B-tree nodes it changes are copied, the rest is shared with the zone it
// started from, which no write ever touches; readers take no lock. A name
// costs the 24 bytes of its item in a node's array and its key, where a
// radix tree with a node, a leaf and two watch channels per name took about
// 365 bytes.
type names = btree.Map[string, *Node]

func newNames() *names { return new(names) }

// probe is k as a string, without a copy, to look it up with; it must not
// be stored.
func probe(k []byte) string { return unsafe.String(unsafe.SliceData(k), len(k)) }

// getNode returns the node at key k in tr.
func getNode(tr *names, k []byte) (*Node, bool) { return tr.Get(probe(k)) }
