package dnssec

import (
	"bytes"
	"slices"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// answered asks the signed zone z, with or without DO.
func answered(t *testing.T, z *zone.Zone, qname string, qtype uint16, do bool) zone.Answer {
	t.Helper()
	k, err := zone.Key(qname)
	if err != nil {
		t.Fatal(err)
	}
	if do {
		return z.LookupDNSSEC(qname, k, qtype)
	}
	return z.Lookup(qname, k, qtype)
}

// verified checks that every RRset of the section but RRSIGs has a
// signature there that verifies, and returns the types of the section.
func verified(t *testing.T, s *Signer, section []dns.RR) []uint16 {
	t.Helper()
	keys := map[uint16]*dns.DNSKEY{}
	for _, k := range s.Keys.Keys {
		keys[k.Tag()] = k.DNSKEY
	}
	sets := map[[2]string][]dns.RR{}
	var types []uint16
	for _, rr := range section {
		h := rr.Header()
		types = append(types, h.Rrtype)
		if h.Rrtype != dns.TypeRRSIG {
			key := [2]string{dns.CanonicalName(h.Name), dns.TypeToString[h.Rrtype]}
			sets[key] = append(sets[key], rr)
		}
	}
	for key, rrs := range sets {
		ok := false
		for _, rr := range section {
			if sig, isSig := rr.(*dns.RRSIG); isSig && dns.CanonicalName(sig.Hdr.Name) == key[0] && dns.TypeToString[sig.TypeCovered] == key[1] {
				if err := sig.Verify(keys[sig.KeyTag], rrs); err != nil {
					t.Errorf("%s %s: %v", key[0], key[1], err)
				}
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s %s comes without a signature", key[0], key[1])
		}
	}
	return types
}

// covers reports whether nsec's span covers name: its owner sorts before
// name and its next name after, or it is the last and name sorts after it.
func covers(nsec *dns.NSEC, name string) bool {
	o, _ := zone.Key(nsec.Hdr.Name)
	n, _ := zone.Key(nsec.NextDomain)
	q, _ := zone.Key(name)
	if bytes.Compare(o, n) < 0 {
		return bytes.Compare(o, q) < 0 && bytes.Compare(q, n) < 0
	}
	return bytes.Compare(o, q) < 0 || bytes.Compare(q, n) < 0 // the last NSEC, back to the apex
}

func nsecs(section []dns.RR) []*dns.NSEC {
	var out []*dns.NSEC
	for _, rr := range section {
		if n, ok := rr.(*dns.NSEC); ok {
			out = append(out, n)
		}
	}
	return out
}

func TestAnswersWithDOCarrySignaturesAndProofs(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone+"nods IN NS ns.elsewhere.\n"))

	// Without DO, nothing of DNSSEC.
	for _, q := range []struct {
		name string
		typ  uint16
	}{{"www.example.org.", dns.TypeA}, {"nothere.example.org.", dns.TypeA}, {"www.example.org.", dns.TypeMX}, {"x.dev.example.org.", dns.TypeA}, {"a.sub.example.org.", dns.TypeA}} {
		a := answered(t, z, q.name, q.typ, false)
		for _, rr := range append(append(a.Answer, a.Ns...), a.Extra...) {
			if t := rr.Header().Rrtype; t == dns.TypeRRSIG || t == dns.TypeNSEC {
				panic("DNSSEC records without DO: " + rr.String())
			}
		}
	}

	// A positive answer, and a CNAME chain.
	a := answered(t, z, "www.example.org.", dns.TypeA, true)
	if types := verified(t, s, a.Answer); !slices.Equal(types, []uint16{dns.TypeA, dns.TypeRRSIG}) {
		t.Errorf("www A: %v", a.Answer)
	}
	a = answered(t, z, "blog.example.org.", dns.TypeA, true)
	if types := verified(t, s, a.Answer); len(types) != 4 {
		t.Errorf("blog A through its CNAME: %v", a.Answer)
	}

	// NXDOMAIN: the SOA, the NSEC covering the name and the one covering
	// the wildcard at the closest encloser.
	a = answered(t, z, "nothere.example.org.", dns.TypeA, true)
	verified(t, s, a.Ns)
	ns := nsecs(a.Ns)
	if a.Result != zone.NameError || len(ns) == 0 || !slices.ContainsFunc(ns, func(n *dns.NSEC) bool { return covers(n, "nothere.example.org.") }) ||
		!slices.ContainsFunc(ns, func(n *dns.NSEC) bool { return covers(n, "*.example.org.") }) {
		t.Errorf("NXDOMAIN proofs: %v", a.Ns)
	}

	// NODATA: the NSEC at the name, without the type.
	a = answered(t, z, "www.example.org.", dns.TypeMX, true)
	verified(t, s, a.Ns)
	if ns := nsecs(a.Ns); a.Result != zone.NoData || len(ns) != 1 || ns[0].Hdr.Name != "www.example.org." || slices.Contains(ns[0].TypeBitMap, dns.TypeMX) {
		t.Errorf("NODATA proof: %v", a.Ns)
	}
	// NODATA at an empty non-terminal: the NSEC that covers it.
	a = answered(t, z, "b.c.example.org.", dns.TypeA, true)
	if ns := nsecs(a.Ns); a.Result != zone.NoData || len(ns) != 1 || !covers(ns[0], "b.c.example.org.") {
		t.Errorf("empty non-terminal proof: %v", a.Ns)
	}

	// A wildcard: the expanded answer signed (the RRSIG's labels say so) and
	// the NSEC that shows there is no closer name.
	a = answered(t, z, "x.dev.example.org.", dns.TypeA, true)
	verifiedWild(t, s, a.Answer, "*.dev.example.org.")
	if ns := nsecs(a.Ns); len(ns) != 1 || !covers(ns[0], "x.dev.example.org.") {
		t.Errorf("wildcard proof: %v", a.Ns)
	}
	// Wildcard NODATA: the NSEC at the wildcard, without the type, and one
	// covering the name (here the same NSEC).
	a = answered(t, z, "x.dev.example.org.", dns.TypeMX, true)
	ns = nsecs(a.Ns)
	if a.Result != zone.NoData || !slices.ContainsFunc(ns, func(n *dns.NSEC) bool {
		return n.Hdr.Name == "*.dev.example.org." && !slices.Contains(n.TypeBitMap, dns.TypeMX)
	}) ||
		!slices.ContainsFunc(ns, func(n *dns.NSEC) bool { return covers(n, "x.dev.example.org.") }) {
		t.Errorf("wildcard NODATA proofs: %v", a.Ns)
	}

	// Delegations: the DS signed; without a DS, the NSEC that shows so.
	// The NS RRset of a cut is the child's, and not signed (RFC 4035 §2.2).
	a = answered(t, z, "a.sub.example.org.", dns.TypeA, true)
	var proof []dns.RR
	for _, rr := range a.Ns {
		if rr.Header().Rrtype != dns.TypeNS {
			proof = append(proof, rr)
		}
	}
	if types := verified(t, s, proof); a.Result != zone.Delegation || !slices.Equal(types, []uint16{dns.TypeDS, dns.TypeRRSIG}) {
		t.Errorf("secure delegation: %v", a.Ns)
	}
	a = answered(t, z, "a.nods.example.org.", dns.TypeA, true)
	if ns := nsecs(a.Ns); a.Result != zone.Delegation || len(ns) != 1 || ns[0].Hdr.Name != "nods.example.org." || slices.Contains(ns[0].TypeBitMap, dns.TypeDS) {
		t.Errorf("insecure delegation: %v", a.Ns)
	}
}

// verifiedWild checks an answer synthesized from the wildcard owner: each
// RRSIG, owned by the name asked, verifies as the wildcard's (RFC 4035
// §5.3.4: the Labels field is the wildcard's).
func verifiedWild(t *testing.T, s *Signer, answer []dns.RR, wildcard string) {
	t.Helper()
	var rrs []dns.RR
	var sigs []*dns.RRSIG
	for _, rr := range answer {
		if sig, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, sig)
		} else {
			rrs = append(rrs, rr)
		}
	}
	if len(sigs) == 0 || len(rrs) == 0 {
		t.Fatalf("wildcard answer: %v", answer)
	}
	for _, sig := range sigs {
		if int(sig.Labels) != dns.CountLabel(wildcard)-1 {
			t.Errorf("the RRSIG's labels are %d, not the wildcard's", sig.Labels)
		}
		// A validator rebuilds the wildcard owner and verifies (miekg/dns does).
		if err := sig.Verify(s.Keys.Keys[0].DNSKEY, rrs); err != nil {
			t.Errorf("the expanded answer's signature: %v", err)
		}
	}
}
