package zone

import (
	"bytes"
	"crypto/sha1"
	"encoding/base32"
	"strings"

	iradix "github.com/hashicorp/go-immutable-radix/v2"
	"github.com/miekg/dns"
)

// NSEC3 (RFC 5155) with the parameters of RFC 9276: SHA-1, no extra
// iterations, no salt, no opt-out. The NSEC3 records are nodes of the zone
// like any other, at <hash>.<origin>; an index of them by key (the keys of
// those names sort as their hashes do: one label of 32 base32hex digits)
// finds the one that matches or covers a hash in one descent. A zone with
// an NSEC3 record in it proves what is not there with them (secure.go).

// Hashed returns the owner name of the NSEC3 record of name in the zone of
// origin: its hash as RFC 9276 makes it, lower case, under origin.
func Hashed(name, origin string) string {
	if label, ok := hashLabel(name); ok {
		return string(label[:]) + "." + origin
	}
	return strings.ToLower(dns.HashName(name, dns.SHA1, 0, "")) + "." + origin
}

// hashLabel returns the label of name's NSEC3 owner (RFC 5155 §5, with
// RFC 9276's parameters: SHA-1, no salt, no extra iterations) in lower
// case, as dns.HashName makes it, but on the stack: a query's proof
// hashes two or three names. False for a name that is not plain ASCII
// without escapes, which dns.HashName hashes (Hashed).
func hashLabel(name string) ([32]byte, bool) {
	var label [32]byte
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '\\' || c >= 0x80 {
			return label, false
		}
	}
	var wire [256]byte
	n, err := dns.PackDomainName(name, wire[:], 0, nil, false)
	if err != nil {
		return label, false
	}
	for i, c := range wire[:n] { // length octets are below 64: letters are letters
		if c >= 'A' && c <= 'Z' {
			wire[i] = c + 'a' - 'A'
		}
	}
	sum := sha1.Sum(wire[:n])
	base32.HexEncoding.Encode(label[:], sum[:])
	for i, c := range label {
		if c >= 'A' && c <= 'Z' {
			label[i] = c + 'a' - 'A'
		}
	}
	return label, true
}

// appendHashedKey appends to dst the key of Hashed(name, origin), origin's
// key being zk, without making the name.
func appendHashedKey(dst []byte, name string, zk []byte) ([]byte, bool) {
	label, ok := hashLabel(name)
	if !ok {
		return dst, false
	}
	return appendLabel(append(dst, zk...), string(label[:])), true
}

// hashNode reports whether n is an NSEC3 record's node.
func hashNode(n *Node) bool { return n.Type(dns.TypeNSEC3) != nil }

// indexHash keeps the index of NSEC3 nodes as n is stored at key k (n nil:
// removed).
func indexHash(idx *iradix.Txn[*Node], k []byte, n *Node) {
	if n != nil && hashNode(n) {
		idx.Insert(k, n)
	} else if _, ok := idx.Get(k); ok {
		idx.Delete(k)
	}
}

// hashAround returns the NSEC3 node at key k if there is one (match), else
// the one before it in the ring, whose span covers k.
func hashAround(root *iradix.Node[*Node], k []byte) ([]byte, *Node, bool) {
	if n, ok := root.Get(k); ok {
		return k, n, true
	}
	it := root.ReverseIterator()
	it.SeekReverseLowerBound(k)
	if pk, n, ok := it.Previous(); ok {
		return pk, n, false
	}
	pk, n, _ := root.Maximum() // before the first hash comes the last
	return pk, n, false
}

// hashBefore returns the NSEC3 node before key k in the ring, k's own if
// it is the only one.
func hashBefore(root *iradix.Node[*Node], k []byte) ([]byte, *Node) {
	it := root.ReverseIterator()
	it.SeekReverseLowerBound(k)
	for pk, n, ok := it.Previous(); ok; pk, n, ok = it.Previous() {
		if !bytes.Equal(pk, k) {
			return pk, n
		}
	}
	pk, n, _ := root.Maximum()
	return pk, n
}

// hashAfter returns the NSEC3 node after key k in the ring, k's own if it
// is the only one.
func hashAfter(root *iradix.Node[*Node], k []byte) ([]byte, *Node) {
	it := root.Iterator()
	it.SeekLowerBound(k)
	for nk, n, ok := it.Next(); ok; nk, n, ok = it.Next() {
		if !bytes.Equal(nk, k) {
			return nk, n
		}
	}
	nk, n, _ := root.Minimum()
	return nk, n
}

// HashedAround returns the key and node of the NSEC3 record at key k if
// there is one (match true), else of the one before it in the ring; nil if
// the zone being built has none.
func (t *Txn) HashedAround(k []byte) ([]byte, *Node, bool) {
	if !t.HasHashes() {
		return nil, nil, false
	}
	return hashAround(t.hashes.Root(), k)
}

// HashedBefore returns the key and node of the NSEC3 record before key k
// in the ring; nil if the zone being built has none.
func (t *Txn) HashedBefore(k []byte) ([]byte, *Node) {
	if !t.HasHashes() {
		return nil, nil
	}
	return hashBefore(t.hashes.Root(), k)
}

// HashedAfter returns the key and node of the NSEC3 record after the one
// at key k in the ring; nil if the zone being built has none.
func (t *Txn) HashedAfter(k []byte) ([]byte, *Node) {
	if !t.HasHashes() {
		return nil, nil
	}
	return hashAfter(t.hashes.Root(), k)
}

// HasHashes reports whether the zone being built has NSEC3 records.
func (t *Txn) HasHashes() bool { _, _, ok := t.hashes.Root().Minimum(); return ok }

// NSEC3 reports whether the zone proves what is not there with NSEC3.
func (z *Zone) NSEC3() bool { return z.hashes.Len() > 0 }

// proveHash adds the NSEC3 record that matches name (match) or covers it,
// with its signatures, unless the answer has it already.
func (z *Zone) proveHash(a *Answer, name string, match bool) {
	var buf [256]byte
	hk, ok := appendHashedKey(buf[:0], name, z.key)
	if !ok {
		var err error
		if hk, err = AppendKey(buf[:0], Hashed(name, z.origin)); err != nil {
			return
		}
	}
	_, n, exact := hashAround(z.hashes.Root(), hk)
	if n == nil || exact != match {
		return // a chain that lacks the name: nothing honest to add
	}
	nsec3 := n.Type(dns.TypeNSEC3)
	for _, rr := range a.Ns {
		if rr.Header().Rrtype == dns.TypeNSEC3 && rr.Header().Name == nsec3[0].Header().Name {
			return
		}
	}
	a.Ns = a.appendRRs(a.Ns, withTTL(nsec3, z.negTTL()))
	a.Ns = a.appendRRs(a.Ns, withTTL(covering(n.Type(dns.TypeRRSIG), dns.TypeNSEC3), z.negTTL()))
	a.proved(n)
}

// nextCloser returns the name one label longer than the closest encloser
// of key ce that is qname or an ancestor of it (RFC 5155 §1.3).
func nextCloser(qname string, ce []byte) string {
	depth := bytes.Count(ce, []byte{keyEnd}) + 1 // labels of the next closer name
	if s, ok := suffix(qname, depth); ok {
		return s
	}
	labels := dns.SplitDomainName(qname)
	if depth > len(labels) {
		return qname
	}
	return dns.Fqdn(strings.Join(labels[len(labels)-depth:], "."))
}

// encloser returns the name of key ce, an ancestor of qname or qname
// itself, spelled as in qname: a part of it, not a new string.
func encloser(qname string, ce []byte) string {
	if s, ok := suffix(qname, bytes.Count(ce, []byte{keyEnd})); ok {
		return s
	}
	return NameOf(ce)
}

// suffix returns the last labels labels of the fully qualified qname (all
// of it if it has fewer), or false if qname has escapes, whose dots may
// not end labels.
func suffix(qname string, labels int) (string, bool) {
	if strings.IndexByte(qname, '\\') >= 0 || len(qname) == 0 {
		return "", false
	}
	if labels == 0 {
		return ".", true
	}
	i := len(qname) - 1 // the root's dot
	for range labels {
		j := strings.LastIndexByte(qname[:i], '.')
		if j < 0 {
			return qname, true
		}
		i = j
	}
	return qname[i+1:], true
}
