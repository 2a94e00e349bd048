package zone

import (
	"github.com/miekg/dns"
)

// An RRset that can be an answer as it is, with nothing in the authority
// or additional sections, keeps its wire form (RRset.Wire), made when the
// Txn that changed its name commits: each RR as it is packed, its owner a
// compression pointer to the question's name, which is at offset 12 of
// every reply. A query it answers is then answered by copying those bytes
// after the question (dnsserve), not by walking the RRs and packing them;
// the owners come out in the question's spelling, as they do when the
// RRs are copied for a question in another case.
//
// A Txn that builds a zone from nothing made every node it holds; any
// other Txn packs the names it touched, whose nodes it copied first.
//
// Not kept for what needs more than the RRset: CNAME (the chain), NS, MX
// and SRV (addresses in the additional section), DNAME, and the DNSSEC
// records (RRSIG, NSEC, NSEC3: asked for with DO, they go with proofs).

// wireFor reports whether RRsets of type typ keep a wire form.
func wireFor(typ uint16) bool {
	switch typ {
	case dns.TypeCNAME, dns.TypeNS, dns.TypeMX, dns.TypeSRV, dns.TypeDNAME, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3:
		return false
	}
	return true
}

// wireBuf is room to pack one RR in.
type wireBuf [dns.MaxMsgSize]byte

// packNode gives each RRset of n that keeps one its wire form.
func packNode(n *Node, buf *wireBuf) {
	for i := range n.Sets {
		s := &n.Sets[i]
		s.Wire = nil
		if wireFor(s.Type) {
			s.Wire = packWire(s.RRs, buf)
		}
	}
}

// packWire returns rrs in wire form, each owner a pointer to offset 12;
// nil if one does not pack, which leaves the RRset to the message path.
func packWire(rrs []dns.RR, buf *wireBuf) []byte {
	var out []byte
	for _, rr := range rrs {
		name, err := dns.PackDomainName(rr.Header().Name, buf[:], 0, nil, false)
		if err != nil {
			return nil
		}
		end, err := dns.PackRR(rr, buf[:], 0, nil, false)
		if err != nil {
			return nil
		}
		if out == nil {
			out = make([]byte, 0, len(rrs)*(2+end-name))
		}
		out = append(append(out, 0xC0, 12), buf[name:end]...)
	}
	return out
}

// Packed returns the wire form of the answer to qtype at the name with key
// qk, and the number of RRs in it, when that answer is one RRset of the
// name as it is: no zone cut or DNAME decides first (Lookup's rules), the
// name exists, and the RRset keeps a wire form. ok is false for every
// other answer, which Lookup gives.
func (z *Zone) Packed(qk []byte, qtype uint16) (wire []byte, count int, ok bool) {
	if n, _ := z.above(qk, qtype); n != nil {
		return nil, 0, false
	}
	n, found := z.name(qk)
	if !found {
		return nil, 0, false
	}
	for i := range n.Sets {
		if s := &n.Sets[i]; s.Type == qtype {
			return s.Wire, len(s.RRs), s.Wire != nil
		}
	}
	return nil, 0, false
}

// Signed reports whether the zone is signed: a query with DO is answered
// with signatures and proofs.
func (z *Zone) Signed() bool { return len(z.negSig) > 0 }
