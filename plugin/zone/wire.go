package zone

import (
	"bytes"
	"encoding/binary"
	"math"
	"sync"

	"github.com/miekg/dns"
)

// An RRset that can be an answer as it is, with nothing in the authority
// or additional sections, keeps its wire form, made when the
// Txn that changed its name commits: each RR as it is packed, its owner a
// compression pointer to the question's name, which is at offset 12 of
// every reply. A query it answers is then answered by copying those bytes
// after the question (dnsserve), not by walking the RRs and packing them;
// the owners come out in the question's spelling, as they do when the
// RRs are copied for a question in another case.
//
// In a signed zone the RRSIGs that cover the RRset follow it in the same
// bytes, owned alike: a query with DO is answered with both, one without
// with the RRset alone.
//
// A Txn that builds a zone from nothing made every node it holds; any
// other Txn packs the names it touched, whose nodes it copied first (a
// name's signatures are made again in the Txn that changes its data).
//
// Not kept for what needs more than the RRset: CNAME (the chain), DNAME,
// NS, MX and SRV that point at a name in the zone (its addresses go in the
// additional section; one that points outside never has any), and the
// DNSSEC records (RRSIG, NSEC, NSEC3: asked for with DO, they go with
// proofs).
//
// An NSEC or NSEC3 RRset keeps a wire form of another kind: the record
// and its RRSIGs with their owners written out, as they go in the
// authority section of a negative answer with DO, whatever the name asked
// (AppendNegative); an answer to a query for the record itself is not
// made from it.

// wireFor reports whether the RRset s of a zone whose apex has key origin
// keeps a wire form.
func wireFor(s *RRset, origin []byte) bool {
	switch s.Type {
	case dns.TypeCNAME, dns.TypeDNAME, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3:
		return false
	case dns.TypeNS, dns.TypeMX, dns.TypeSRV:
		for _, rr := range s.RRs {
			var kbuf [256]byte
			k, err := AppendKey(kbuf[:0], additionalTarget(rr))
			if err != nil || bytes.HasPrefix(k, origin) {
				return false
			}
		}
	}
	return true
}

// wireBuf is room to pack RRs in, and the bytes of an RRset as they are
// put together; a commit takes one from wireBufs (a store of 10,000 zones
// loads in 10,000 commits).
type wireBuf struct {
	rr  [dns.MaxMsgSize]byte
	set []byte
}

var wireBufs = sync.Pool{New: func() any { return new(wireBuf) }}

// packNode gives each RRset of n, a node of the zone whose apex has key
// origin, that keeps one its wire form.
func packNode(n *Node, origin []byte, buf *wireBuf) {
	sigs := n.Type(dns.TypeRRSIG)
	for i := range n.Sets {
		s := &n.Sets[i]
		s.wire, s.plain, s.sigs = nil, 0, 0
		pack := packWire
		if s.Type == dns.TypeNSEC || s.Type == dns.TypeNSEC3 {
			pack = appendWhole
		} else if !wireFor(s, origin) {
			continue
		}
		covered := covering(sigs, s.Type)
		b, ok := pack(buf.set[:0], s.RRs, buf)
		plain := len(b)
		if ok {
			b, ok = pack(b, covered, buf)
		}
		buf.set = b
		if !ok || plain > math.MaxUint32 || len(covered) > math.MaxUint16 {
			continue
		}
		s.wire, s.plain, s.sigs = bytes.Clone(b), uint32(plain), uint16(len(covered))
	}
}

// packWire appends rrs to out in wire form, each owner a pointer to
// offset 12; false if they do not pack, which leaves the RRset to the
// message path. They are packed as a message's answer section
// (packAnswers), then each owner is cut.
func packWire(out []byte, rrs []dns.RR, buf *wireBuf) ([]byte, bool) {
	if len(rrs) == 0 {
		return out, true
	}
	b, ok := packAnswers(rrs, buf)
	if !ok {
		return out, false
	}
	off := 0
	for range rrs {
		for b[off] != 0 { // an uncompressed name: labels up to the root
			off += int(b[off]) + 1
		}
		off++
		end := off + 10 + int(binary.BigEndian.Uint16(b[off+8:]))
		out = append(append(out, 0xC0, 12), b[off:end]...)
		off = end
	}
	return out, true
}

// appendWhole appends rrs to out in wire form, their owners and the names
// in their RDATA written out; false if they do not pack.
func appendWhole(out []byte, rrs []dns.RR, buf *wireBuf) ([]byte, bool) {
	if len(rrs) == 0 {
		return out, true
	}
	b, ok := packAnswers(rrs, buf)
	return append(out, b...), ok
}

// packAnswers returns rrs packed in buf as a message's answer section, its
// names written out; false if they do not pack. A message writes nothing
// into them (dns.PackRR sets the header's Rdlength, and most of them are
// shared with a published Zone).
func packAnswers(rrs []dns.RR, buf *wireBuf) ([]byte, bool) {
	m := dns.Msg{Answer: rrs}
	b, err := m.PackBuffer(buf.rr[:])
	if err != nil {
		return nil, false
	}
	return b[12:], true
}

// packWhole returns rr in wire form, its owner and the names in its RDATA
// written out; false if it does not pack.
func packWhole(rr dns.RR) ([]byte, bool) {
	m := dns.Msg{Answer: []dns.RR{rr}}
	b, err := m.Pack()
	if err != nil {
		return nil, false
	}
	return b[12:], true
}

// Negative returns the wire form of a's authority section when a is the
// zone's plain negative answer, NXDOMAIN or NODATA with the SOA alone
// (no proofs, no CNAME before it), as Lookup and LookupDNSSEC give it.
// AppendNegative does so for a signed one.
func (z *Zone) Negative(a *Answer) ([]byte, bool) {
	if (a.Result != NameError && a.Result != NoData) || len(a.Answer) > 0 || len(a.Extra) > 0 ||
		len(a.Ns) != 1 || a.Ns[0] != z.negNs[0] || z.negWire == nil {
		return nil, false
	}
	return z.negWire, true
}

// AppendNegative appends to b the wire form of a's authority section when
// a is a negative answer with DO of a signed zone, NXDOMAIN or NODATA with
// nothing before it: the SOA and its RRSIGs, then NSEC or NSEC3 records
// of the zone, each with its RRSIGs, as the zone holds them (so
// with TTLs no larger than the negative one), from the nodes the lookup
// recorded as it added them (Answer.proved). It returns the bytes and the
// number of RRs, or false when a is any other answer (its RRs then go the
// message path).
func (z *Zone) AppendNegative(b []byte, a *Answer) ([]byte, int, bool) {
	if (a.Result != NameError && a.Result != NoData) || len(a.Answer) > 0 || len(a.Extra) > 0 ||
		z.negWire == nil || z.negSigWire == nil || len(a.Ns) < 1+len(z.negSig) || a.Ns[0] != z.negNs[0] {
		return b, 0, false
	}
	for i, rr := range z.negSig {
		if a.Ns[1+i] != rr {
			return b, 0, false
		}
	}
	r := a.room
	if r == nil || r.nproofs > len(r.proofs) {
		return b, 0, false
	}
	b = append(append(b, z.negWire...), z.negSigWire...)
	rest := a.Ns[1+len(z.negSig):]
	for _, n := range r.proofs[:r.nproofs] {
		// The proof's RRset as the node holds it: the same record, then
		// the same signatures, so the wire form says what a.Ns does.
		var s *RRset
		for i := range n.Sets {
			if t := n.Sets[i].Type; t == dns.TypeNSEC || t == dns.TypeNSEC3 {
				s = &n.Sets[i]
			}
		}
		if s == nil || s.wire == nil || len(s.RRs) != 1 || len(rest) < 1+int(s.sigs) || rest[0] != s.RRs[0] {
			return b, 0, false
		}
		sigs := covering(n.Type(dns.TypeRRSIG), s.Type)
		for i, sig := range rest[1 : 1+int(s.sigs)] {
			if sigs[i] != sig {
				return b, 0, false
			}
		}
		b = append(b, s.wire...)
		rest = rest[1+int(s.sigs):]
	}
	if len(rest) > 0 {
		return b, 0, false
	}
	return b, len(a.Ns), true
}
