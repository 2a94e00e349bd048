package zone

import (
	"bytes"
	"fmt"

	"github.com/miekg/dns"
)

// Commit checks the rules that hold for a whole zone and returns the new
// Zone. The Txn must not be used afterwards.
func (t *Txn) Commit() (*Zone, error) {
	// The SOA is only ever added at the apex and never deleted, so a zone
	// with one has an apex; the check on both keeps a nil apex from ever
	// reaching the query path.
	if t.soa == nil || t.tree.apex == nil {
		return nil, fmt.Errorf("%s: %w", t.origin, ErrNoSOA)
	}
	t.pack()
	if t.touched == nil || len(t.touched) > t.tree.Len()/2 {
		t.tree = t.tree.compact()
	}
	t.owned = nil
	tree := t.tree.Copy() // tree is published; t.tree becomes its seed
	neg := negativeSOA(t.soa)
	negWire, _ := packWhole(neg)
	negSig := withTTL(covering(t.tree.apex.Type(dns.TypeRRSIG), dns.TypeSOA), neg.Hdr.Ttl)
	var negSigWire []byte
	if len(negSig) > 0 {
		buf := wireBufs.Get().(*wireBuf)
		if b, ok := appendWhole(nil, negSig, buf); ok {
			negSigWire = b
		}
		wireBufs.Put(buf)
	}
	return &Zone{negWire: negWire, negSigWire: negSigWire, origin: t.origin, key: t.key, tree: tree, seed: t.tree, cuts: t.cuts.Commit(), hashes: t.hashes.Commit(), soa: t.soa, negNs: []dns.RR{neg},
		negSig: negSig, count: t.count, notes: t.committedNotes(), source: t.source}, nil
}

// negativeSOA returns the SOA as it goes in a negative answer: with the
// smaller of its TTL and its MINIMUM as TTL (RFC 2308 §3).
func negativeSOA(soa *dns.SOA) *dns.SOA {
	if soa.Minttl >= soa.Hdr.Ttl {
		return soa
	}
	neg := dns.Copy(soa).(*dns.SOA)
	neg.Hdr.Ttl = soa.Minttl
	return neg
}

// compareRdata orders RRs of one type by their RDATA in wire form, which
// is canonical order (RFC 4034 §6.3) up to the case of embedded names.
func compareRdata(a, b dns.RR) int {
	var ba, bb [512]byte
	return bytes.Compare(rdata(a, ba[:0]), rdata(b, bb[:0]))
}

// rdata returns rr's RDATA in uncompressed wire form, using buf if it fits.
// It packs a copy: dns.PackRR writes the header's Rdlength, and rr may be
// shared with a published Zone that readers copy concurrently.
func rdata(rr dns.RR, buf []byte) []byte {
	rr = dns.Copy(rr)
	size := dns.Len(rr)
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return nil
	}
	rdlen := int(rr.Header().Rdlength)
	if rdlen > off {
		return nil
	}
	return buf[off-rdlen : off]
}

// pack gives the RRsets of every name the Txn changed their wire forms
// (wire.go). A Txn that built a zone from nothing changed every name and
// made every node; another writes only the nodes it made, as the others
// are a published zone's.
func (t *Txn) pack() {
	buf := wireBufs.Get().(*wireBuf)
	defer wireBufs.Put(buf)
	if t.touched == nil {
		t.tree.Scan(func(_ string, n *Node) bool {
			packNode(n, t.key, buf)
			return true
		})
		return
	}
	for k := range t.touched {
		if n, ok := t.tree.Get(k); ok {
			if _, ok := t.owned[n]; ok {
				packNode(n, t.key, buf)
			}
		}
	}
}
