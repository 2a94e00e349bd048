package dnsserve

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/edns"
	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// recorder keeps what a handler writes: bytes, or a message packed as the
// server's writer packs it.
type recorder struct {
	test.ResponseWriter
	wire   []byte
	packed bool // written as bytes, by writeWire
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wire, r.packed = append([]byte(nil), b...), true
	return len(b), nil
}

func (r *recorder) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	r.wire = b
	return err
}

// notScrub hides the ScrubWriter's type, so that a reply takes the
// message path and the same ScrubWriter after it.
type notScrub struct{ *request.ScrubWriter }

// TestPackedAnswersAsTheMessagePath: every query is answered twice, once
// where writeWire may answer and once through the message path; the
// replies, unpacked, are the same. The packed path must have answered
// the plain positive answers, or the test would compare the message path
// with itself. The zone is unsigned, then signed with NSEC and with NSEC3:
// a query with DO is answered with the signatures.
func TestPackedAnswersAsTheMessagePath(t *testing.T) {
	for _, signed := range []string{"unsigned", "nsec", "nsec3"} {
		t.Run(signed, func(t *testing.T) { testPackedAnswersAsTheMessagePath(t, signed) })
	}
}

func testPackedAnswersAsTheMessagePath(t *testing.T, signed string) {
	z := testzone.ExampleOrg + `www IN AAAA 2001:db8::80
www IN TXT "one" "two"
www IN CAA 0 issue "ca.example"
host IN A 192.0.2.7
host IN A 192.0.2.8
ptr IN PTR www.example.org.
mx IN MX 10 mail.example.net.
mx IN MX 20 MAIL2.example.net.
mx IN SRV 0 5 443 web.example.net.
mxin IN MX 10 mail.example.net.
mxin IN MX 20 www.example.org.
`
	for i := range 4 { // distinct TXT records of 200 bytes: 830 bytes in all
		z += fmt.Sprintf("big IN TXT \"%d%s\"\n", i, strings.Repeat("x", 200))
		z += fmt.Sprintf("*.bigwild IN TXT \"%d%s\"\n", i, strings.Repeat("y", 200))
	}
	za := newTestHandler(t, map[string]string{"example.org.": z})
	switch signed {
	case "nsec":
		signAllWith(t, za, dnssec.NSEC)
	case "nsec3":
		signAllWith(t, za, dnssec.NSEC3)
	}
	names := []string{"www.example.org.", "WwW.ExAmPlE.oRg.", "host.example.org.", "example.org.", "ns1.example.org.",
		"alias.example.org.", "x.dev.example.org.", "nothere.example.org.", "ent.example.org.", "www.sub.example.org.",
		"sub.example.org.", "ptr.example.org.", "big.example.org.", "a.b.ent.example.org.", "x.bigwild.example.org.", "mx.example.org.", "mxin.example.org."}
	types := []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeCAA, dns.TypeSOA, dns.TypeNS, dns.TypeMX, dns.TypeCNAME,
		dns.TypeANY, dns.TypeDS, dns.TypePTR, dns.TypeSRV}
	type ednsCase struct {
		on   bool
		size uint16
		do   bool
		opt  bool // EDNS options: a cookie, and an NSID, which a plugin says it handles
		z    bool // Z flags set, which the reply clears
		nsid bool // an NSID option, which a plugin says it handles
	}
	edns.SetSupportedOption(dns.EDNS0NSID) // as the nsid plugin does
	ednses := []ednsCase{{}, {true, 512, false, false, false, false}, {true, 1232, false, false, false, false}, {true, 4096, true, false, false, false},
		{true, 1232, false, true, false, false}, {true, 1232, true, false, true, false}, {true, 1232, false, true, false, true}}
	packed := map[string]bool{}
	for _, name := range names {
		for _, qtype := range types {
			for _, e := range ednses {
				for _, tcp := range []bool{false, true} {
					q := new(dns.Msg).SetQuestion(name, qtype)
					q.Id, q.CheckingDisabled = 4242, true
					if e.on {
						q.SetEdns0(e.size, e.do)
						if e.z {
							q.IsEdns0().Hdr.Ttl |= 0x0101
						}
						if e.opt {
							q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
						}
						if e.nsid {
							q.IsEdns0().Option = append(q.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
						}
					}
					label := fmt.Sprintf("%s %s edns=%v tcp=%v", name, dns.TypeToString[qtype], e, tcp)
					a, b, fast := answerBoth(t, za, q, tcp)
					if a.String() != b.String() {
						t.Errorf("%s: packed\n%s\nmessage path\n%s", label, a.String(), b.String())
					}
					if sigs := countType(a.Answer, dns.TypeRRSIG); (sigs > 0) != (signed != "unsigned" && e.do && len(a.Answer) > 0) {
						t.Errorf("%s: %d RRSIGs in the answer\n%s", label, sigs, a.String())
					}
					packed[label] = fast
				}
			}
		}
	}
	for _, label := range []string{
		"www.example.org. A edns={false 0 false false false false} tcp=false", "WwW.ExAmPlE.oRg. AAAA edns={true 1232 false false false false} tcp=false",
		"host.example.org. A edns={true 4096 true false false false} tcp=true", "example.org. SOA edns={false 0 false false false false} tcp=false",
		"big.example.org. TXT edns={true 1232 false false false false} tcp=false", "big.example.org. TXT edns={false 0 false false false false} tcp=true",
		"www.example.org. TXT edns={true 1232 true false true false} tcp=false",
		"www.example.org. A edns={true 1232 false true false false} tcp=false",
		"WwW.ExAmPlE.oRg. AAAA edns={true 4096 true false false false} tcp=false",
		"big.example.org. TXT edns={true 4096 true false false false} tcp=false", "example.org. SOA edns={true 4096 true false false false} tcp=true",
		// Negative answers without proofs: NXDOMAIN and NODATA with the SOA alone.
		"nothere.example.org. A edns={false 0 false false false false} tcp=false", "a.b.ent.example.org. AAAA edns={true 1232 false false false false} tcp=true",
		"WwW.ExAmPlE.oRg. MX edns={true 1232 false false false false} tcp=false", "ent.example.org. A edns={false 0 false false false false} tcp=false",
		// A wildcard's RRset, its owner the question's name, and its NODATA.
		"x.dev.example.org. A edns={false 0 false false false false} tcp=false", "x.dev.example.org. A edns={true 1232 false true false false} tcp=true",
		"x.dev.example.org. TXT edns={true 1232 false false false false} tcp=false",
		"x.bigwild.example.org. TXT edns={true 1232 false false false false} tcp=false",
		// MX and SRV that point outside the zone: no additional section, ever.
		"mx.example.org. MX edns={false 0 false false false false} tcp=false", "mx.example.org. SRV edns={true 4096 true false false false} tcp=false",
	} {
		if !packed[label] {
			t.Errorf("%s: not answered by writeWire", label)
		}
	}
	if signed == "unsigned" { // with DO too: an unsigned zone has no proofs to give
		for _, label := range []string{"nothere.example.org. A edns={true 4096 true false false false} tcp=false", "www.example.org. MX edns={true 4096 true false false false} tcp=false",
			"x.dev.example.org. A edns={true 4096 true false false false} tcp=false"} {
			if !packed[label] {
				t.Errorf("%s: not answered by writeWire", label)
			}
		}
	} else {
		// With DO, a signed zone's NXDOMAIN and NODATA carry their NSEC or
		// NSEC3 proofs, copied as the zone holds them; a wildcard's answer
		// with its proof takes the message path.
		for _, label := range []string{"nothere.example.org. A edns={true 4096 true false false false} tcp=false", "www.example.org. MX edns={true 4096 true false false false} tcp=false",
			"a.b.ent.example.org. AAAA edns={true 4096 true false false false} tcp=true", "ent.example.org. A edns={true 4096 true false false false} tcp=false",
			"x.dev.example.org. A edns={true 4096 true false false false} tcp=false"} {
			want := !strings.HasPrefix(label, "x.dev.")
			if packed[label] != want {
				t.Errorf("%s: answered by writeWire %v, want %v", label, packed[label], want)
			}
		}
	}
	for _, label := range []string{
		"www.example.org. A edns={true 1232 false true false true} tcp=false", "alias.example.org. A edns={false 0 false false false false} tcp=false",
		"example.org. NS edns={false 0 false false false false} tcp=false", "big.example.org. TXT edns={false 0 false false false false} tcp=false",
		"www.sub.example.org. A edns={false 0 false false false false} tcp=false",
		"x.bigwild.example.org. TXT edns={false 0 false false false false} tcp=false", // 830 bytes: truncated
		"mxin.example.org. MX edns={false 0 false false false false} tcp=false",       // www's address in the additional section
		"example.org. MX edns={false 0 false false false false} tcp=false", "example.org. NS edns={true 1232 false false false false} tcp=false",
	} {
		if packed[label] {
			t.Errorf("%s: answered by writeWire, which is not for it", label)
		}
	}
}

// countType returns how many of rrs are of type typ.
func countType(rrs []dns.RR, typ uint16) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype == typ {
			n++
		}
	}
	return n
}

// answerBoth answers q where writeWire may answer and through the
// message path, and returns both replies and whether writeWire wrote
// the first.
func answerBoth(t *testing.T, h *Handler, q *dns.Msg, tcp bool) (fast, slow *dns.Msg, packed bool) {
	t.Helper()
	rf, rs := &recorder{ResponseWriter: test.ResponseWriter{TCP: tcp}}, &recorder{ResponseWriter: test.ResponseWriter{TCP: tcp}}
	q1, q2 := q.Copy(), q.Copy()
	h.ServeDNS(context.Background(), request.NewScrubWriter(q1, rf), q1)
	h.ServeDNS(context.Background(), notScrub{request.NewScrubWriter(q2, rs)}, q2)
	if rs.packed {
		t.Fatalf("%s: the message path wrote bytes", q.Question[0].String())
	}
	fast, slow = new(dns.Msg), new(dns.Msg)
	if err := fast.Unpack(rf.wire); err != nil {
		t.Fatalf("%s: %v", q.Question[0].String(), err)
	}
	if err := slow.Unpack(rs.wire); err != nil {
		t.Fatalf("%s: %v", q.Question[0].String(), err)
	}
	return fast, slow, rf.packed
}

// TestPackedSignedFollowsEveryChange: in a signed zone, after each change
// (a record added, a TTL changed, a record deleted, a name added and one
// deleted, the whole zone signed again), the packed answers with DO carry
// the signatures the change made, as the message path does.
func TestPackedSignedFollowsEveryChange(t *testing.T) {
	for _, denial := range []dnssec.Denial{dnssec.NSEC, dnssec.NSEC3} {
		t.Run(string(denial), func(t *testing.T) { packedFollowsEveryChange(t, denial) })
	}
}

func packedFollowsEveryChange(t *testing.T, denial dnssec.Denial) {
	h := newTestHandler(t, map[string]string{"example.org.": testzone.ExampleOrg + "host IN A 192.0.2.7\n"})
	signAllWith(t, h, denial)
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	edit := func(f func(tx *zone.Txn) error) pipeline.Change {
		return pipeline.Change{Zone: "example.org.", Meta: pipeline.Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return f(tx) }}
	}
	steps := []pipeline.Change{
		edit(func(tx *zone.Txn) error { tx.Add(rr("www.example.org. 3600 IN A 192.0.2.99")); return nil }),
		edit(func(tx *zone.Txn) error { tx.Upsert(rr("host.example.org. 60 IN A 192.0.2.7")); return nil }),
		edit(func(tx *zone.Txn) error { tx.Delete(rr("www.example.org. 3600 IN A 192.0.2.99")); return nil }),
		edit(func(tx *zone.Txn) error { tx.Add(rr("new.example.org. 300 IN TXT \"new\"")); return nil }),
		edit(func(tx *zone.Txn) error { tx.DeleteName("host.example.org."); return nil }),
		{Zone: "example.org.", Meta: pipeline.Meta{Op: "resign"}, Resign: true, ResignAll: true, Edit: func(*zone.Zone, *zone.Txn) error { return nil }},
	}
	check := func(step int) {
		for _, name := range []string{"www.example.org.", "host.example.org.", "new.example.org.", "example.org.", "nothere.example.org."} {
			for _, qtype := range []uint16{dns.TypeA, dns.TypeTXT, dns.TypeSOA, dns.TypeDNSKEY} {
				for _, do := range []bool{true, false} {
					q := new(dns.Msg).SetQuestion(name, qtype)
					q.SetEdns0(1232, do)
					fast, slow, packed := answerBoth(t, h, q, false)
					label := fmt.Sprintf("step %d: %s %s do=%v", step, name, dns.TypeToString[qtype], do)
					if fast.String() != slow.String() {
						t.Errorf("%s: packed\n%s\nmessage path\n%s", label, fast, slow)
					}
					// Answers and negative answers (the SOA, whose serial every
					// change raises, and with DO the NSEC records that the
					// change moved) are written packed.
					if !packed {
						t.Errorf("%s: not answered packed", label)
					}
					if do && len(slow.Answer) > 0 && countType(slow.Answer, dns.TypeRRSIG) == 0 {
						t.Errorf("%s: no signature\n%s", label, slow)
					}
				}
			}
		}
	}
	check(0)
	for i, c := range steps {
		if _, err := h.Pipeline.Apply(c); err != nil {
			t.Fatal(err)
		}
		check(i + 1)
	}
}
