package dnsserve

import (
	"fmt"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

var negSOA = test.SOA("example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300")

func TestLookupAnswersAuthoritatively(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	runCases(t, za, []test.Case{
		{Qname: "www.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("www.example.org. 3600 IN A 192.0.2.80")}},
		{Qname: "example.org.", Qtype: dns.TypeMX,
			Answer: []dns.RR{test.MX("example.org. 3600 IN MX 10 mail.example.org.")},
			Extra:  []dns.RR{test.A("mail.example.org. 3600 IN A 192.0.2.25")}},
		{Qname: "example.org.", Qtype: dns.TypeNS,
			Answer: []dns.RR{test.NS("example.org. 3600 IN NS ns1.example.org.")},
			Extra:  []dns.RR{test.A("ns1.example.org. 3600 IN A 192.0.2.1")}},
		{Qname: "nothere.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: []dns.RR{negSOA}},
		{Qname: "www.example.org.", Qtype: dns.TypeAAAA, Ns: []dns.RR{negSOA}},
	})
}

func TestNegativeAnswerUsesTheSmallerOfSOATTLAndMinimum(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion("nothere.example.org.", dns.TypeA))
	if got := resp.Ns[0].Header().Ttl; got != 300 {
		t.Fatalf("negative SOA TTL: want 300 (MINIMUM), got %d", got)
	}
	// The stored SOA keeps its own TTL.
	resp, _ = serve(t, za, new(dns.Msg).SetQuestion("example.org.", dns.TypeSOA))
	if got := resp.Answer[0].Header().Ttl; got != 3600 {
		t.Fatalf("SOA TTL: want 3600, got %d", got)
	}
}

func TestEmptyNonTerminalIsNoData(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	runCases(t, za, []test.Case{
		{Qname: "ent.example.org.", Qtype: dns.TypeA, Ns: []dns.RR{negSOA}},
		{Qname: "b.ent.example.org.", Qtype: dns.TypeTXT, Ns: []dns.RR{negSOA}},
		{Qname: "x.ent.example.org.", Qtype: dns.TypeTXT, Rcode: dns.RcodeNameError, Ns: []dns.RR{negSOA}},
	})
}

func TestCNAMEIsFollowedInsideTheZoneOnly(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	runCases(t, za, []test.Case{
		{Qname: "alias.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{
			test.CNAME("alias.example.org. 3600 IN CNAME www.example.org."),
			test.A("www.example.org. 3600 IN A 192.0.2.80")}},
		{Qname: "alias.example.org.", Qtype: dns.TypeCNAME, Answer: []dns.RR{
			test.CNAME("alias.example.org. 3600 IN CNAME www.example.org.")}},
		{Qname: "alias.example.org.", Qtype: dns.TypeMX, Answer: []dns.RR{
			test.CNAME("alias.example.org. 3600 IN CNAME www.example.org.")}, Ns: []dns.RR{negSOA}},
		{Qname: "out.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{
			test.CNAME("out.example.org. 3600 IN CNAME www.example.net.")}},
	})
}

func TestWildcardSynthesisAtTheClosestEncloserOnly(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	runCases(t, za, []test.Case{
		{Qname: "x.dev.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("x.dev.example.org. 3600 IN A 192.0.2.99")}},
		{Qname: "y.x.dev.example.org.", Qtype: dns.TypeA, Answer: []dns.RR{test.A("y.x.dev.example.org. 3600 IN A 192.0.2.99")}},
		{Qname: "x.dev.example.org.", Qtype: dns.TypeTXT, Ns: []dns.RR{negSOA}},
		{Qname: "dev.example.org.", Qtype: dns.TypeA, Ns: []dns.RR{negSOA}},
		// www exists, so the apex has no wildcard to synthesize from.
		{Qname: "x.www.example.org.", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: []dns.RR{negSOA}},
	})
}

func TestReferralIsNotAuthoritativeAndCarriesGlue(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	for _, q := range []string{"sub.example.org.", "www.sub.example.org.", "ns.sub.example.org."} {
		resp, _ := serve(t, za, new(dns.Msg).SetQuestion(q, dns.TypeA))
		if resp.Authoritative || resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 0 {
			t.Fatalf("%s: want a non-authoritative referral, got\n%v", q, resp)
		}
		if len(resp.Ns) != 1 || resp.Ns[0].Header().Rrtype != dns.TypeNS || len(resp.Extra) != 1 {
			t.Fatalf("%s: want NS in authority and glue in additional, got\n%v", q, resp)
		}
	}
	// DS belongs to the parent side of the cut.
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion("sub.example.org.", dns.TypeDS))
	if !resp.Authoritative || len(resp.Answer) != 1 || resp.Answer[0].Header().Rrtype != dns.TypeDS {
		t.Fatalf("DS at the cut: want an authoritative answer, got\n%v", resp)
	}
}

func TestQuestionCaseIsKept(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion("WwW.ExAmPlE.oRg.", dns.TypeA))
	if resp.Question[0].Name != "WwW.ExAmPlE.oRg." || resp.Answer[0].Header().Name != "WwW.ExAmPlE.oRg." {
		t.Fatalf("want the question's case in the question and the answer, got\n%v", resp)
	}
	// The stored record is untouched.
	resp, _ = serve(t, za, new(dns.Msg).SetQuestion("www.example.org.", dns.TypeA))
	if resp.Answer[0].Header().Name != "www.example.org." {
		t.Fatalf("stored owner changed: %v", resp.Answer[0])
	}
}

func TestNameOutsideEveryZone(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg})
	m := new(dns.Msg).SetQuestion("example.com.", dns.TypeA)
	if _, rcode := serve(t, za, m); rcode != dns.RcodeRefused {
		t.Fatalf("without fallthrough: want REFUSED, got %s", dns.RcodeToString[rcode])
	}
	za.Fall.SetZonesFromArgs(nil)
	za.Next = test.NextHandler(dns.RcodeBadCookie, nil)
	if _, rcode := serve(t, za, m); rcode != dns.RcodeBadCookie {
		t.Fatalf("with fallthrough: want the next plugin's rcode, got %s", dns.RcodeToString[rcode])
	}
	za.Fall.SetZonesFromArgs([]string{"example.net."})
	if _, rcode := serve(t, za, m); rcode != dns.RcodeRefused {
		t.Fatalf("fallthrough for another zone: want REFUSED, got %s", dns.RcodeToString[rcode])
	}
}

// bigTXT returns testzone.ExampleOrg with n TXT RRs of about 60 bytes each at big.
func bigTXT(n int) string {
	text := testzone.ExampleOrg
	for i := 0; i < n; i++ {
		text += fmt.Sprintf("big IN TXT \"%03d-0123456789012345678901234567890123456789\"\n", i)
	}
	return text
}

func TestUDPReplyThatDoesNotFitIsTruncated(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": bigTXT(15)})
	m := new(dns.Msg).SetQuestion("big.example.org.", dns.TypeTXT)
	resp, _ := serve(t, za, m) // test.ResponseWriter is UDP
	if !resp.Truncated || len(resp.Answer) != 0 {
		t.Fatalf("no EDNS: want TC and an empty answer, got TC=%v with %d RRs", resp.Truncated, len(resp.Answer))
	}
	m.SetEdns0(4096, false)
	resp, _ = serve(t, za, m)
	if resp.Truncated || len(resp.Answer) != 15 {
		t.Fatalf("EDNS 4096: want all 15 RRs, got TC=%v with %d RRs", resp.Truncated, len(resp.Answer))
	}
	za = newTestHandler(t, map[string]string{"example.org.": bigTXT(25)})
	resp, _ = serve(t, za, m)
	if !resp.Truncated {
		t.Fatalf("EDNS 4096: an answer over 1232 bytes must be truncated over UDP, got %d RRs", len(resp.Answer))
	}
}

func TestAdditionalThatDoesNotFitIsDroppedWithoutTC(t *testing.T) {
	text := testzone.ExampleOrg
	for i := 0; i < 20; i++ {
		text += fmt.Sprintf("mx IN MX %d mx%d\nmx%d IN AAAA 2001:db8::%d\n", i, i, i, i)
	}
	za := newTestHandler(t, map[string]string{"example.org.": text})
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion("mx.example.org.", dns.TypeMX))
	if resp.Truncated || len(resp.Answer) != 20 || len(resp.Extra) != 0 {
		t.Fatalf("want 20 MX, no additional and no TC (RFC 2181 §9), got TC=%v answer=%d extra=%d", resp.Truncated, len(resp.Answer), len(resp.Extra))
	}
}

func TestEscapedNamesAreDistinctNames(t *testing.T) {
	za := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg + `a\000b IN TXT "nul"
a\.b IN TXT "dot"
b IN TXT "plain"
`})
	for q, want := range map[string]string{
		`a\000b.example.org.`: `"nul"`,
		`A\.B.example.org.`:   `"dot"`,
		`b.example.org.`:      `"plain"`,
	} {
		resp, _ := serve(t, za, new(dns.Msg).SetQuestion(q, dns.TypeTXT))
		if len(resp.Answer) != 1 || !strings.HasSuffix(resp.Answer[0].String(), want) {
			t.Errorf("%s: want %s, got %v", q, want, resp.Answer)
		}
	}
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion(`x.a\.b.example.org.`, dns.TypeTXT))
	if resp.Rcode != dns.RcodeNameError {
		t.Errorf(`x.a\.b: want NXDOMAIN, got %s`, dns.RcodeToString[resp.Rcode])
	}
}
