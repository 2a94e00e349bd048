package zone

import (
	"strings"

	"github.com/miekg/dns"
)

// Answers to queries with the DO bit (RFC 3225, RFC 4035 §3.1): each
// RRset in the answer and authority sections comes with its RRSIGs, and
// the NSEC records prove what is not there: a name (NXDOMAIN), a type
// (NODATA), a closer match than a wildcard's, a DS at a delegation; or
// the NSEC3 records that do (nsec3.go). The zone holds its signatures and
// NSEC or NSEC3 records (package dnssec makes them),
// so nothing is signed here; a zone without them answers as without DO.

// LookupDNSSEC is Lookup for a query with the DO bit. A zone that is not
// signed (its SOA has no RRSIG) answers as Lookup does: there is nothing
// to add, and looking for NSEC records that are not there would walk it.
func (z *Zone) LookupDNSSEC(qname string, qk []byte, qtype uint16) Answer {
	a := Answer{do: len(z.negSig) > 0}
	z.lookup(&a, qname, qk, qtype, 0)
	return a
}

// LookupWire is LookupDNSSEC (do) or Lookup, in one function for a caller
// that asks both ways. With wire, for a caller that writes the reply's
// bytes itself, an answer that is one RRset with a wire form (the name's
// own, with its signatures for DO, or a wildcard's without proofs) comes
// as Answer.Wire, its RRs neither joined nor copied.
func (z *Zone) LookupWire(qname string, qk []byte, qtype uint16, do, wire bool) Answer {
	a := Answer{do: do && len(z.negSig) > 0, wireOK: wire}
	z.lookup(&a, qname, qk, qtype, 0)
	return a
}

// sign appends to section the RRSIGs at n that cover typ, owned by qname
// when the RRset was synthesized from a wildcard (their Labels field tells
// a validator so, RFC 4035 §5.3.4).
func (a *Answer) sign(section *[]dns.RR, n *Node, typ uint16, qname string, wild bool) {
	if !a.do {
		return
	}
	sigs := covering(n.Type(dns.TypeRRSIG), typ)
	if len(sigs) == 0 {
		return
	}
	if wild || (qname != "" && qname != n.Name) {
		sigs = a.owned(sigs, qname, n.Name, true)
	}
	*section = a.appendRRs(*section, sigs)
}

// proveDelegation adds to a referral the DS RRset of the cut with its
// signatures, or the NSEC or NSEC3 that proves there is none (RFC 4035
// §3.1.4, RFC 5155 §7.2.7).
func (z *Zone) proveDelegation(a *Answer, n *Node) {
	if !a.do {
		return
	}
	if ds := n.Type(dns.TypeDS); ds != nil {
		a.Ns = a.appendRRs(a.Ns, ds)
		a.sign(&a.Ns, n, dns.TypeDS, "", false)
		return
	}
	if z.hashes.Len() > 0 {
		z.proveHash(a, n.Name, true)
		return
	}
	if nsec := n.Type(dns.TypeNSEC); nsec != nil {
		a.Ns = a.appendRRs(a.Ns, nsec)
		a.sign(&a.Ns, n, dns.TypeNSEC, "", false)
	}
}

// proveNoData adds the NSEC that shows the name n, at key k, has no RRset
// of the type asked: its own, or, for an empty non-terminal, the one that
// covers it (RFC 4035 §3.1.3.1); for a wildcard's NODATA the caller adds
// the NSEC that covers the name asked as well.
func (z *Zone) proveNoData(a *Answer, k []byte, n *Node) {
	if z.hashes.Len() > 0 {
		z.proveHash(a, NameOf(k), true) // RFC 5155 §7.2.3, §7.2.4
		return
	}
	if nsec := n.Type(dns.TypeNSEC); nsec != nil {
		a.Ns = a.appendRRs(a.Ns, withTTL(nsec, z.negTTL()))
		a.Ns = a.appendRRs(a.Ns, withTTL(covering(n.Type(dns.TypeRRSIG), dns.TypeNSEC), z.negTTL()))
		a.proved(n)
		return
	}
	z.proveCovered(a, k)
}

// proveCovered adds the NSEC whose span covers the name with key k, with
// its signatures, unless the answer has it already.
func (z *Zone) proveCovered(a *Answer, k []byte) {
	var found *Node
	z.tree.Descend(string(k), func(_ string, n *Node) bool {
		if n.Type(dns.TypeNSEC) != nil {
			found = n
			return false
		}
		return true
	})
	if found == nil {
		return
	}
	nsec := found.Type(dns.TypeNSEC)
	for _, rr := range a.Ns {
		if rr.Header().Rrtype == dns.TypeNSEC && strings.EqualFold(rr.Header().Name, nsec[0].Header().Name) {
			return
		}
	}
	a.Ns = a.appendRRs(a.Ns, withTTL(nsec, z.negTTL()))
	a.Ns = a.appendRRs(a.Ns, withTTL(covering(found.Type(dns.TypeRRSIG), dns.TypeNSEC), z.negTTL()))
	a.proved(found)
}

// covering returns the RRSIGs of sigs that cover typ. An RRSIG RRset is in
// canonical order, which sorts by the covered type first (it begins the
// RDATA, RFC 4034 §3.1), so those are one run of it: a slice of the zone's
// array, capped, not a copy.
func covering(sigs []dns.RR, typ uint16) []dns.RR {
	covers := func(rr dns.RR) bool { s, ok := rr.(*dns.RRSIG); return ok && s.TypeCovered == typ }
	i := 0
	for i < len(sigs) && !covers(sigs[i]) {
		i++
	}
	j := i
	for j < len(sigs) && covers(sigs[j]) {
		j++
	}
	if i == j {
		return nil
	}
	return sigs[i:j:j]
}

// withTTL returns rrs with a TTL of at most ttl: the records of a
// negative answer last no longer than its SOA's (RFC 2308 §5, RFC 9077).
// That is rrs itself when none is above it, as the zone's NSEC records
// and their signatures are made; else a copy, with those lowered copied.
func withTTL(rrs []dns.RR, ttl uint32) []dns.RR {
	for i, rr := range rrs {
		if rr.Header().Ttl <= ttl {
			continue
		}
		out := append([]dns.RR(nil), rrs...)
		for j := i; j < len(out); j++ {
			if out[j].Header().Ttl > ttl {
				out[j] = dns.Copy(out[j])
				out[j].Header().Ttl = ttl
			}
		}
		return out
	}
	return rrs
}
