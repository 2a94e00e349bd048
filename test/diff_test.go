package test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// query is one case of the differential corpus.
type query struct {
	name  string
	qtype uint16
	tcp   bool
	edns  uint16 // advertised UDP size; 0 sends no OPT
	// follow names the reference server whose answer we match where NSD and
	// Knot answer differently; the reason is documented in docs/CONFORMANCE.md.
	follow string
	// flagsOnly compares the header only (rcode and flags), for truncated
	// replies, whose remaining content differs between servers by design.
	flagsOnly bool
	// exactCase compares owner names with their case.
	exactCase bool
}

const zoneCorefile = `.:{PORT} {
    bind 127.0.0.1
    zoneapi %s
}
`

var diffCorpus = []query{
	// apex
	{name: "example.test.", qtype: dns.TypeSOA, edns: 1232},
	{name: "example.test.", qtype: dns.TypeNS, edns: 1232},
	{name: "example.test.", qtype: dns.TypeMX, edns: 1232, follow: "knot"},
	{name: "example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "example.test.", qtype: dns.TypeDS, edns: 1232},
	// plain hits, NODATA, NXDOMAIN
	{name: "www.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "www.example.test.", qtype: dns.TypeA},
	{name: "www.example.test.", qtype: dns.TypeAAAA, tcp: true},
	{name: "www.example.test.", qtype: dns.TypeMX, edns: 1232},
	{name: "www.example.test.", qtype: dns.TypeCAA, edns: 1232},
	{name: "nothere.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "nothere.example.test.", qtype: dns.TypeA},
	{name: "deep.nothere.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "short.example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "_sip._tcp.example.test.", qtype: dns.TypeSRV, edns: 1232, follow: "knot"},
	{name: "mail.example.test.", qtype: dns.TypeA, edns: 1232},
	// case: matched without case, the question's case kept
	{name: "WWW.Example.TEST.", qtype: dns.TypeA, edns: 1232, exactCase: true},
	{name: "NotHere.EXAMPLE.test.", qtype: dns.TypeA, edns: 1232, exactCase: true},
	{name: "Foo.WILD.example.test.", qtype: dns.TypeA, edns: 1232, exactCase: true},
	// empty non-terminals are NODATA, names below them NXDOMAIN
	{name: "ent.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "c.ent.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "b.c.ent.example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "a.b.c.ent.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "x.c.ent.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "_tcp.example.test.", qtype: dns.TypeA, edns: 1232},
	// CNAME
	{name: "alias.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "alias.example.test.", qtype: dns.TypeCNAME, edns: 1232},
	{name: "alias.example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "chain1.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "outside.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "dangling.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "tonodata.example.test.", qtype: dns.TypeMX, edns: 1232},
	{name: "tomx.example.test.", qtype: dns.TypeMX, edns: 1232, follow: "knot"},
	{name: "towild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "loop1.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "self.example.test.", qtype: dns.TypeA, edns: 1232},
	// wildcards
	{name: "foo.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "foo.wild.example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "foo.wild.example.test.", qtype: dns.TypeMX, edns: 1232},
	{name: "a.b.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "*.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "exists.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "exists.wild.example.test.", qtype: dns.TypeTXT, edns: 1232},
	{name: "x.exists.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "x.sub.exists.wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "foo.cw.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "foo.cw.example.test.", qtype: dns.TypeCNAME, edns: 1232},
	{name: "foo.cwo.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "foo.mxw.example.test.", qtype: dns.TypeMX, edns: 1232, follow: "knot"},
	{name: "foo.emptyw.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "foo.ent-wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "deep.foo.ent-wild.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "*.ent-wild.example.test.", qtype: dns.TypeA, edns: 1232},
	// delegations
	{name: "sub.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "sub.example.test.", qtype: dns.TypeNS, edns: 1232},
	{name: "sub.example.test.", qtype: dns.TypeDS, edns: 1232},
	{name: "www.sub.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "www.sub.example.test.", qtype: dns.TypeDS, edns: 1232},
	{name: "ns.sub.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "deeper.sub.example.test.", qtype: dns.TypeA, tcp: true},
	{name: "ext.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "ext.example.test.", qtype: dns.TypeDS, edns: 1232},
	{name: "x.ext.example.test.", qtype: dns.TypeMX, edns: 1232},
	{name: "sibling.example.test.", qtype: dns.TypeA, edns: 1232},
	// DNAME
	{name: "dn.example.test.", qtype: dns.TypeDNAME, edns: 1232},
	{name: "dn.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "www.dn.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "a.b.dn.example.test.", qtype: dns.TypeCNAME, edns: 1232},
	{name: "x.dnin.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "dnin.example.test.", qtype: dns.TypeA, edns: 1232},
	// ANY
	{name: "www.example.test.", qtype: dns.TypeANY, tcp: true},
	{name: "www.example.test.", qtype: dns.TypeANY, edns: 1232},
	{name: "example.test.", qtype: dns.TypeANY, tcp: true, follow: "knot"},
	{name: "alias.example.test.", qtype: dns.TypeANY, tcp: true},
	{name: "foo.wild.example.test.", qtype: dns.TypeANY, tcp: true},
	{name: "ent.example.test.", qtype: dns.TypeANY, tcp: true},
	{name: "nothere.example.test.", qtype: dns.TypeANY, tcp: true},
	{name: "sub.example.test.", qtype: dns.TypeANY, tcp: true},
	// sizes: truncation over UDP, everything over TCP
	{name: "big.example.test.", qtype: dns.TypeTXT, flagsOnly: true},
	{name: "big.example.test.", qtype: dns.TypeTXT, edns: 1232, flagsOnly: true},
	{name: "big.example.test.", qtype: dns.TypeTXT, edns: 4096, flagsOnly: true},
	{name: "big.example.test.", qtype: dns.TypeTXT, tcp: true},
	{name: "many.example.test.", qtype: dns.TypeA, edns: 1232, flagsOnly: true},
	{name: "many.example.test.", qtype: dns.TypeA, tcp: true},
	{name: "mxmany.example.test.", qtype: dns.TypeMX, edns: 1232, flagsOnly: true},
	{name: "mxmany.example.test.", qtype: dns.TypeMX, flagsOnly: true},
	// every RR type miekg/dns parses is data to answer
	{name: "types.example.test.", qtype: dns.TypeHINFO, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeCAA, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeSSHFP, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeTLSA, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeNAPTR, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeLOC, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeURI, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeRP, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeSVCB, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeHTTPS, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeDNSKEY, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeCERT, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeOPENPGPKEY, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeSMIMEA, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeCDS, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeAFSDB, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeKX, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypePTR, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeSPF, edns: 1232},
	{name: "types.example.test.", qtype: 65280, edns: 1232},
	{name: "types.example.test.", qtype: dns.TypeA, edns: 1232},
	// a child zone hosted beside its parent
	{name: "child.example.test.", qtype: dns.TypeDS, edns: 1232},
	{name: "child.example.test.", qtype: dns.TypeNS, edns: 1232},
	{name: "child.example.test.", qtype: dns.TypeSOA, edns: 1232},
	{name: "www.child.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "nothere.child.example.test.", qtype: dns.TypeA, edns: 1232},
	{name: "ns1.child.example.test.", qtype: dns.TypeA, edns: 1232},
	// outside every zone
	{name: "example.net.", qtype: dns.TypeA, edns: 1232},
	{name: "test.", qtype: dns.TypeSOA, edns: 1232},
}

// TestDifferentialAgainstNSDAndKnot serves one zone file with zoneapi, NSD
// and Knot, and asks all three the same questions: rcode, flags and every
// section must be the same.
func TestDifferentialAgainstNSDAndKnot(t *testing.T) {
	files := []string{"diff/example.test.zone", "diff/child.example.test.zone"}
	ours := startCoreDNS(t, fmt.Sprintf(zoneCorefile, copyZones(t, files...)), "example.test.")
	nsd := startNSD(t, copyZones(t, files...), "example.test", "child.example.test")
	knot := startKnot(t, copyZones(t, files...), "example.test", "child.example.test")

	for _, q := range diffCorpus {
		t.Run(q.String(), func(t *testing.T) {
			got := render(t, exchange(t, ours.addr, q), q)
			n := render(t, exchange(t, nsd.addr, q), q)
			k := render(t, exchange(t, knot.addr, q), q)
			want := n
			switch {
			case n == k:
			case q.follow == "knot":
				want = k
			case q.follow == "nsd":
			default:
				t.Fatalf("NSD and Knot differ and the case does not say which to follow\n--- nsd:\n%s--- knot:\n%s--- zoneapi:\n%s", n, k, got)
			}
			if got != want {
				t.Errorf("zoneapi differs from %s\n--- want:\n%s--- got:\n%s", q.reference(), want, got)
			}
		})
	}
}

func (q query) String() string {
	proto := "udp"
	if q.tcp {
		proto = "tcp"
	}
	return fmt.Sprintf("%s_%s_%s_%d", q.name, dns.Type(q.qtype), proto, q.edns)
}

func (q query) reference() string {
	if q.follow == "" {
		return "NSD and Knot"
	}
	return q.follow
}

func exchange(t *testing.T, addr string, q query) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(q.name, q.qtype)
	m.RecursionDesired = false
	if q.edns > 0 {
		m.SetEdns0(q.edns, false)
	}
	c := &dns.Client{Timeout: 2 * time.Second, UDPSize: 65535}
	if q.tcp {
		c.Net = "tcp"
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s: %v", addr, err)
	}
	return r
}

// render is the part of a reply that must agree between servers: header
// flags, rcode, and each section as a sorted list of RRs.
func render(t *testing.T, m *dns.Msg, q query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rcode=%s aa=%v tc=%v ra=%v edns=%v\n", dns.RcodeToString[m.Rcode], m.Authoritative, m.Truncated, m.RecursionAvailable, m.IsEdns0() != nil)
	if len(m.Question) == 1 {
		fmt.Fprintf(&b, "question %s\n", m.Question[0].Name)
	}
	if q.flagsOnly {
		return b.String()
	}
	for _, sec := range []struct {
		name string
		rrs  []dns.RR
	}{{"answer", m.Answer}, {"authority", m.Ns}, {"additional", m.Extra}} {
		var lines []string
		for _, rr := range sec.rrs {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			s := rr.String()
			// Owner names in the answer keep the question's case; other
			// names take whatever case name compression gives them.
			if !q.exactCase || sec.name != "answer" {
				s = strings.ToLower(s)
			}
			lines = append(lines, s)
		}
		sort.Strings(lines)
		for _, l := range lines {
			fmt.Fprintf(&b, "%s: %s\n", sec.name, l)
		}
	}
	return b.String()
}
