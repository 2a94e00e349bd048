package dnssec

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func nsec3s(section []dns.RR) []*dns.NSEC3 {
	var out []*dns.NSEC3
	for _, rr := range section {
		if n, ok := rr.(*dns.NSEC3); ok {
			out = append(out, n)
		}
	}
	return out
}

// proves reports whether one of the NSEC3 records matches (or covers)
// name.
func proves(rrs []*dns.NSEC3, name string, match bool) bool {
	for _, n := range rrs {
		if match && n.Match(name) || !match && n.Cover(name) {
			return true
		}
	}
	return false
}

// TestNSEC3AnswersProveWhatIsNotThere: with NSEC3, each kind of negative
// answer carries the records RFC 5155 §7.2 asks for, each signed.
func TestNSEC3AnswersProveWhatIsNotThere(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	s.Keys.Denial = NSEC3
	z := load(t, testZone+"insecure IN NS ns.elsewhere.\n")
	tx := z.Txn()
	if err := s.Sign(nil, tx, nil, now); err != nil {
		t.Fatal(err)
	}
	z, _ = tx.Commit()
	ldnsVerify(t, z)
	type proof struct {
		name  string
		match bool
	}
	for _, c := range []struct {
		qname  string
		qtype  uint16
		rcode  int
		proofs []proof
	}{
		{"nothere.example.org.", dns.TypeA, dns.RcodeNameError, []proof{{"example.org.", true}, {"nothere.example.org.", false}, {"*.example.org.", false}}},
		{"a.nothere.example.org.", dns.TypeA, dns.RcodeNameError, []proof{{"example.org.", true}, {"nothere.example.org.", false}, {"*.example.org.", false}}},
		{"www.example.org.", dns.TypeMX, dns.RcodeSuccess, []proof{{"www.example.org.", true}}},
		{"b.c.example.org.", dns.TypeA, dns.RcodeSuccess, []proof{{"b.c.example.org.", true}}}, // an empty non-terminal
		{"x.dev.example.org.", dns.TypeA, dns.RcodeSuccess, []proof{{"x.dev.example.org.", false}}},
		{"y.x.dev.example.org.", dns.TypeA, dns.RcodeSuccess, []proof{{"x.dev.example.org.", false}}},
		{"x.dev.example.org.", dns.TypeTXT, dns.RcodeSuccess, []proof{{"dev.example.org.", true}, {"x.dev.example.org.", false}, {"*.dev.example.org.", true}}},
		{"insecure.example.org.", dns.TypeDS, dns.RcodeSuccess, []proof{{"insecure.example.org.", true}}},
		{"www.insecure.example.org.", dns.TypeA, dns.RcodeSuccess, []proof{{"insecure.example.org.", true}}}, // a referral
		{zone.Hashed("www.example.org.", "example.org."), dns.TypeNSEC3, dns.RcodeNameError, nil},
	} {
		a := answered(t, z, c.qname, c.qtype, true)
		if a.Rcode() != c.rcode {
			t.Errorf("%s %s: %s", c.qname, dns.TypeToString[c.qtype], dns.RcodeToString[a.Rcode()])
			continue
		}
		verified(t, s, a.Answer)
		var ns []dns.RR // a referral's NS RRset is the child's, not signed
		for _, rr := range a.Ns {
			if rr.Header().Rrtype != dns.TypeNS {
				ns = append(ns, rr)
			}
		}
		verified(t, s, ns)
		got := nsec3s(a.Ns)
		for _, p := range c.proofs {
			if !proves(got, p.name, p.match) {
				t.Errorf("%s %s: no NSEC3 that %s %s:\n%v", c.qname, dns.TypeToString[c.qtype], map[bool]string{true: "matches", false: "covers"}[p.match], p.name, a.Ns)
			}
		}
		if len(got) > len(c.proofs) && c.proofs != nil {
			t.Errorf("%s %s: %d NSEC3 records for %d proofs", c.qname, dns.TypeToString[c.qtype], len(got), len(c.proofs))
		}
		if len(nsecs(a.Ns)) > 0 {
			t.Errorf("%s: NSEC in an NSEC3 zone", c.qname)
		}
		if plain := answered(t, z, c.qname, c.qtype, false); len(nsec3s(plain.Ns)) > 0 || strings.Contains(dns.TypeToString[c.qtype], "NSEC3") && len(plain.Answer) > 0 {
			t.Errorf("%s without DO: %v", c.qname, plain.Ns)
		}
	}
}

// TestTheDenialChangesBothWays: a zone signed with NSEC takes NSEC3 and
// back, each time whole and nothing of the other left.
func TestTheDenialChangesBothWays(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone))
	for _, d := range []Denial{NSEC3, NSEC, NSEC3} {
		s.Keys = &Keyring{Origin: s.Keys.Origin, Keys: s.Keys.Keys, Denial: d}
		tx := z.Txn()
		if err := s.Sign(z, tx, tx.Touched(), now); err != nil {
			t.Fatal(err)
		}
		z, _ = tx.Commit()
		check(t, s, z)
		ldnsVerify(t, z)
		nsec, nsec3 := 0, 0
		z.Walk(func(n *zone.Node) bool {
			nsec += len(n.Type(dns.TypeNSEC))
			nsec3 += len(n.Type(dns.TypeNSEC3))
			return true
		})
		if d == NSEC && (nsec3 > 0 || len(z.Apex().Type(dns.TypeNSEC3PARAM)) > 0) || d == NSEC3 && (nsec > 0 || len(z.Apex().Type(dns.TypeNSEC3PARAM)) != 1) {
			t.Fatalf("%s: %d NSEC, %d NSEC3 records", d, nsec, nsec3)
		}
	}
}
