package zone

import (
	"strings"

	"github.com/miekg/dns"
)

// Result says what kind of answer a lookup produced. It keeps the rules for
// the AA bit and the rcode in one place.
type Result int

const (
	// Success: the answer section holds data (perhaps only a CNAME chain).
	Success Result = iota
	// NameError: the name does not exist (NXDOMAIN, RFC 2308 §2.1).
	NameError
	// NoData: the name exists without data of the type (RFC 2308 §2.2).
	NoData
	// Delegation: the name is at or below a zone cut; a referral (RFC 1034 §4.3.2 step 3b).
	Delegation
	// NameTooLong: a DNAME substitution overflowed the name (RFC 6672 §2.2, YXDOMAIN).
	NameTooLong
)

// MaxChain bounds the CNAME and DNAME links followed for one query.
const MaxChain = 12

// Answer holds the sections of a response. Its slices may share backing
// arrays with the Zone: append to them, never write into them.
type Answer struct {
	Answer, Ns, Extra []dns.RR
	Result            Result

	do   bool  // the query has the DO bit: signatures and proofs too (secure.go)
	room *Room // made when the answer first joins or synthesizes records

	// With wireOK (LookupWire), an answer that is one RRset with a wire
	// form is given as that (Wire), not as RRs.
	wireOK bool
	wire   []byte
	count  int
}

// Wire returns the answer section in wire form and the number of RRs in
// it, when LookupWire gave it so; nil otherwise, and the answer is in
// Answer.
func (a *Answer) Wire() ([]byte, int) { return a.wire, a.count }

// Room is the room of one reply: its message, and what its answer cannot
// share with the Zone, the sections it joins (a CNAME chain's links, an
// address after a name server) and the records it synthesizes (a
// wildcard's, owned by the query name). An answer makes one at its first
// need; the reply to it is then written in Room's Msg (Answer.Room), so
// that a reply is one allocation whatever its answer holds, and an answer
// that shares all it has with the Zone makes none.
type Room struct {
	Msg      dns.Msg
	Question [1]dns.Question

	rrs       [4]dns.RR
	used      int
	a         [1]dns.A
	aaaa      [1]dns.AAAA
	na, naaaa int

	// proofs are the nodes whose NSEC or NSEC3 RRset the answer's
	// authority section holds, in its order (AppendNegative); nproofs
	// counts every one added, even past the array.
	proofs  [3]*Node
	nproofs int
}

// proved records that n's NSEC or NSEC3 RRset was added to the authority
// section.
func (a *Answer) proved(n *Node) {
	if a.room == nil {
		a.room = new(Room)
	}
	r := a.room
	if r.nproofs < len(r.proofs) {
		r.proofs[r.nproofs] = n
	}
	r.nproofs++
}

// Room returns the answer's room, nil if it made none.
func (a *Answer) Room() *Room { return a.room }

// rrs returns an empty slice with room for n RRs, of its own: appending
// past n copies it. One the room cannot hold is made with room for the
// rest of a signed negative answer's authority section too (the SOA, two
// NSEC or three NSEC3 records, each signed), so that it is made once.
func (a *Answer) rrs(n int) []dns.RR {
	if a.room == nil {
		a.room = new(Room)
	}
	r := a.room
	if len(r.rrs)-r.used < n {
		return make([]dns.RR, 0, max(n, 8))
	}
	out := r.rrs[r.used : r.used : r.used+n]
	r.used += n
	return out
}

// Rcode returns the response code for the answer.
func (a *Answer) Rcode() int {
	switch a.Result {
	case NameError:
		return dns.RcodeNameError
	case NameTooLong:
		return dns.RcodeYXDomain
	}
	return dns.RcodeSuccess
}

// Authoritative reports whether the AA bit is set: always, but for a
// referral that answers nothing (RFC 1034 §4.3.2; RFC 1035 §4.1.1: AA speaks
// for the name in the question, which a CNAME chain answered).
func (a *Answer) Authoritative() bool { return a.Result != Delegation || len(a.Answer) > 0 }

// Lookup answers qname and qtype from z. qk is qname's key, which must be at
// or below z's origin. It follows RFC 1034 §4.3.2 with the wildcard rules of
// RFC 4592 and the DNAME rules of RFC 6672.
func (z *Zone) Lookup(qname string, qk []byte, qtype uint16) Answer {
	var a Answer
	z.lookup(&a, qname, qk, qtype, 0)
	return a
}

// above returns the node of the zone cut or DNAME that decides a query for
// qk and qtype before qk's own name does, the highest one first: with the
// cut's NS RRset for a referral, or with nil for a DNAME's substitution; a
// nil node when none decides.
func (z *Zone) above(qk []byte, qtype uint16) (*Node, []dns.RR) {
	if z.cuts.Len() == 0 {
		return nil, nil
	}
	it := z.cuts.Root().PathIterator(qk)
	for k, n, ok := it.Next(); ok; k, n, ok = it.Next() {
		exact := len(k) == len(qk)
		// A DS query for the cut itself is answered by the parent (RFC 4035 §3.1.4.1).
		if ns := n.Type(dns.TypeNS); ns != nil && len(k) > len(z.key) && !(exact && qtype == dns.TypeDS) {
			return n, ns
		}
		if d := n.Type(dns.TypeDNAME); d != nil && !exact {
			return n, nil
		}
	}
	return nil, nil
}

// name returns the node of the zone's name with key qk. The owner of an
// NSEC3 record is not a name of the zone (RFC 5155 §7.2.8).
func (z *Zone) name(qk []byte) (*Node, bool) {
	n, ok := z.Get(qk)
	if !ok || (z.hashes.Len() > 0 && hashNode(n)) {
		return nil, false
	}
	return n, true
}

func (z *Zone) lookup(a *Answer, qname string, qk []byte, qtype uint16, depth int) {
	// A zone cut or DNAME above qname decides first.
	if n, ns := z.above(qk, qtype); ns != nil {
		z.referral(a, ns)
		z.proveDelegation(a, n)
		return
	} else if n != nil {
		z.dname(a, qname, n, qtype, depth)
		return
	}
	if n, ok := z.name(qk); ok {
		z.answer(a, qname, qk, n, qtype, false, depth)
		return
	}

	// Not found: the closest encloser is the deepest existing ancestor (empty
	// non-terminals exist too), and a wildcard child of it is the source of
	// synthesis (RFC 4592 §3.3.1); an empty one still exists and gives NODATA.
	ce := parentKey(qk)
	for len(ce) > len(z.key) {
		if _, ok := z.Get(ce); ok {
			break
		}
		ce = parentKey(ce)
	}
	if len(ce) < len(z.key) { // qname is not in this zone; callers do not do that.
		a.Result = NameError
		return
	}
	var wbuf [256]byte
	wk := append(append(wbuf[:0], ce...), '*', keyEnd)
	if w, ok := z.Get(wk); ok {
		z.answer(a, qname, wk, w, qtype, true, depth)
		switch {
		case !a.do:
		case z.hashes.Len() > 0:
			// No closer match (RFC 5155 §7.2.6); for NODATA, the closest
			// encloser too (§7.2.5).
			z.proveHash(a, nextCloser(qname, ce), false)
			if a.Result == NoData {
				z.proveHash(a, encloser(qname, ce), true)
			}
		default:
			z.proveCovered(a, qk) // no closer match (RFC 4035 §3.1.3.3)
		}
		return
	}
	z.negative(a, NameError)
	switch {
	case !a.do:
	case z.hashes.Len() > 0:
		// The closest encloser proof and no wildcard (RFC 5155 §7.2.2).
		cname := encloser(qname, ce)
		z.proveHash(a, cname, true)
		z.proveHash(a, nextCloser(qname, ce), false)
		z.proveHash(a, "*."+cname, false)
	default:
		z.proveCovered(a, qk) // no such name, and no wildcard (RFC 4035 §3.1.3.2)
		z.proveCovered(a, wk)
	}
}

// answer answers from the node n, at key k, that matched qname, exactly or
// as a wildcard.
func (z *Zone) answer(a *Answer, qname string, k []byte, n *Node, qtype uint16, wild bool, depth int) {
	// ANY at an alias is answered with the CNAME alone, as NSD and Knot do.
	if cname := n.Type(dns.TypeCNAME); cname != nil && qtype != dns.TypeCNAME && qtype != dns.TypeANY {
		a.Answer = a.appendRRs(a.Answer, a.owned(cname, qname, n.Name, wild))
		a.sign(&a.Answer, n, dns.TypeCNAME, qname, wild)
		z.chase(a, cname[0].(*dns.CNAME).Target, qtype, depth)
		return
	}
	// An RRset with a wire form answers as it is, its owners the question's
	// name, with its signatures for DO (wire.go); a wildcard's too, its
	// wire form being the synthesized answer, unless proofs go with it.
	if a.wireOK && depth == 0 && !(wild && a.do) {
		for i := range n.Sets {
			if s := &n.Sets[i]; s.Type == qtype && s.wire != nil && qtype != dns.TypeNSEC && qtype != dns.TypeNSEC3 {
				a.wire, a.count, a.Result = s.wire[:s.plain], len(s.RRs), Success
				if a.do {
					a.wire, a.count = s.wire, len(s.RRs)+int(s.sigs)
				}
				return
			}
		}
	}
	var rrs []dns.RR
	if qtype == dns.TypeANY {
		// One RRset, not all of them (RFC 8482 §4.2), as NSD and Knot do.
		if len(n.Sets) > 0 {
			rrs = a.owned(n.Sets[0].RRs, qname, n.Name, wild)
		}
	} else {
		rrs = a.owned(n.Type(qtype), qname, n.Name, wild)
	}
	if len(rrs) == 0 {
		z.negative(a, NoData)
		if a.do {
			z.proveNoData(a, k, n)
		}
		return
	}
	a.Answer = a.appendRRs(a.Answer, rrs)
	a.sign(&a.Answer, n, rrs[0].Header().Rrtype, qname, wild)
	z.additional(a, rrs, a.do)
	a.Result = Success
}

// chase follows a CNAME (RFC 1034 §4.3.2 step 3a) to target while it stays
// in this zone and does not loop; the final link decides the rcode
// (RFC 6604 §2).
func (z *Zone) chase(a *Answer, target string, qtype uint16, depth int) {
	a.Result = Success
	if depth+1 >= MaxChain || inChain(a.Answer, target) {
		return
	}
	var kbuf [256]byte
	tk, err := AppendKey(kbuf[:0], target)
	if err != nil || !z.contains(tk) {
		return
	}
	z.lookup(a, target, tk, qtype, depth+1)
}

// negTTL is the TTL of a negative answer's records (RFC 2308 §5).
func (z *Zone) negTTL() uint32 { return z.negNs[0].Header().Ttl }

// negative makes a NXDOMAIN or NODATA answer: the SOA in the authority
// section with the negative TTL (RFC 2308 §3, §5).
func (z *Zone) negative(a *Answer, r Result) {
	a.Result = r
	a.Ns = a.appendRRs(a.Ns, z.negNs)
	if a.do {
		a.Ns = a.appendRRs(a.Ns, z.negSig)
	}
}

// referral makes a referral to the zone cut whose NS RRset is ns, with the
// addresses of in-zone name servers as glue (RFC 1034 §4.3.2 step 3b).
func (z *Zone) referral(a *Answer, ns []dns.RR) {
	a.Result = Delegation
	a.Ns = a.appendRRs(a.Ns, ns)
	z.additional(a, ns, false)
}

// appendRRs appends src to dst. A nil dst becomes src itself, capped so that
// a later append copies instead of writing into the Zone's array; a copy
// goes to the answer's room, with room to grow to twice dst as sections
// are built up an RRset at a time.
func (a *Answer) appendRRs(dst, src []dns.RR) []dns.RR {
	switch {
	case dst == nil:
		return src[:len(src):len(src)]
	case len(src) == 0:
		return dst
	case len(dst)+len(src) <= cap(dst):
		return append(dst, src...)
	}
	return append(append(a.rrs(max(len(dst)+len(src), 2*len(dst))), dst...), src...)
}

// owned returns rrs with qname as owner: as they are when the spelling is
// the same, else copies (wildcard synthesis, RFC 4592 §3.4.2, or a question
// in another case).
func (a *Answer) owned(rrs []dns.RR, qname, owner string, wild bool) []dns.RR {
	if len(rrs) == 0 || (!wild && qname == owner) {
		return rrs
	}
	out := a.rrs(len(rrs))[:len(rrs)]
	r := a.room
	for i, rr := range rrs {
		// An address is copied by its header alone: its bytes are the
		// snapshot's, never written, as an exact hit's whole RR is.
		switch rr := rr.(type) {
		case *dns.A:
			c := slot(r.a[:], &r.na)
			*c = *rr
			out[i] = c
		case *dns.AAAA:
			c := slot(r.aaaa[:], &r.naaaa)
			*c = *rr
			out[i] = c
		default:
			out[i] = dns.Copy(rr)
		}
		out[i].Header().Name = qname
	}
	return out
}

// slot returns the next of slots, *used of which are taken, or a new T
// when all are.
func slot[T any](slots []T, used *int) *T {
	if *used < len(slots) {
		*used++
		return &slots[*used-1]
	}
	return new(T)
}

// inChain reports whether name already owns an RR of the answer: following
// it again would loop.
func inChain(answer []dns.RR, name string) bool {
	for _, rr := range answer {
		if strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}
