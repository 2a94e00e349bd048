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
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

// recorder keeps what a handler writes: bytes, or a message packed as the
// server's writer packs it.
type recorder struct {
	test.ResponseWriter
	wire   []byte
	packed bool // written as bytes, by writePacked
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
// where writePacked may answer and once through the message path; the
// replies, unpacked, are the same. The packed path must have answered
// the plain positive answers, or the test would compare the message path
// with itself.
func TestPackedAnswersAsTheMessagePath(t *testing.T) {
	z := testzone.ExampleOrg + `www IN AAAA 2001:db8::80
www IN TXT "one" "two"
www IN CAA 0 issue "ca.example"
host IN A 192.0.2.7
host IN A 192.0.2.8
ptr IN PTR www.example.org.
`
	for i := range 4 { // distinct TXT records of 200 bytes: 830 bytes in all
		z += fmt.Sprintf("big IN TXT \"%d%s\"\n", i, strings.Repeat("x", 200))
	}
	za := newTestHandler(t, map[string]string{"example.org.": z})
	names := []string{"www.example.org.", "WwW.ExAmPlE.oRg.", "host.example.org.", "example.org.", "ns1.example.org.",
		"alias.example.org.", "x.dev.example.org.", "nothere.example.org.", "ent.example.org.", "www.sub.example.org.",
		"sub.example.org.", "ptr.example.org.", "big.example.org.", "a.b.ent.example.org."}
	types := []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeCAA, dns.TypeSOA, dns.TypeNS, dns.TypeMX, dns.TypeCNAME,
		dns.TypeANY, dns.TypeDS, dns.TypePTR}
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
					fast, slow := &recorder{ResponseWriter: test.ResponseWriter{TCP: tcp}}, &recorder{ResponseWriter: test.ResponseWriter{TCP: tcp}}
					r1, r2 := q.Copy(), q.Copy()
					za.ServeDNS(context.Background(), request.NewScrubWriter(r1, fast), r1)
					za.ServeDNS(context.Background(), notScrub{request.NewScrubWriter(r2, slow)}, r2)
					if slow.packed {
						t.Fatalf("%s: the message path wrote bytes", label)
					}
					var a, b dns.Msg
					if err := a.Unpack(fast.wire); err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					if err := b.Unpack(slow.wire); err != nil {
						t.Fatalf("%s: %v", label, err)
					}
					if a.String() != b.String() {
						t.Errorf("%s: packed\n%s\nmessage path\n%s", label, a.String(), b.String())
					}
					packed[label] = fast.packed
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
	} {
		if !packed[label] {
			t.Errorf("%s: not answered by writePacked", label)
		}
	}
	for _, label := range []string{
		"www.example.org. A edns={true 1232 false true false true} tcp=false", "alias.example.org. A edns={false 0 false false false false} tcp=false",
		"example.org. NS edns={false 0 false false false false} tcp=false", "big.example.org. TXT edns={false 0 false false false false} tcp=false",
		"x.dev.example.org. A edns={false 0 false false false false} tcp=false", "www.sub.example.org. A edns={false 0 false false false false} tcp=false",
	} {
		if packed[label] {
			t.Errorf("%s: answered by writePacked, which is not for it", label)
		}
	}
}
