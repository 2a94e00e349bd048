package dnsserve

import (
	"context"
	"net"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

// BenchmarkServeDNS measures the whole query path of the handler, the reply
// message included; the packing and writing that the server does are not.
func BenchmarkServeDNS(b *testing.B) {
	za := newTestHandler(b, map[string]string{"example.org.": testzone.ExampleOrg})
	benchServe(b, za, false)
}

// BenchmarkServeDNSSigned is BenchmarkServeDNS of the zone signed, asked
// with DO: what signatures and proofs add to a query.
func BenchmarkServeDNSSigned(b *testing.B) {
	za := newTestHandler(b, map[string]string{"example.org.": testzone.ExampleOrg})
	signAll(b, za)
	benchServe(b, za, true)
}

func benchServe(b *testing.B, za *Handler, do bool) {
	for _, c := range []struct {
		name  string
		qname string
		qtype uint16
	}{
		{"hit", "www.example.org.", dns.TypeA}, {"nxdomain", "nothere.example.org.", dns.TypeA},
		{"nodata", "www.example.org.", dns.TypeTXT}, {"cname", "alias.example.org.", dns.TypeA},
		{"wildcard", "x.dev.example.org.", dns.TypeA}, {"wildcard-nodata", "x.dev.example.org.", dns.TypeTXT},
		{"referral", "www.sub.example.org.", dns.TypeA},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := new(dns.Msg).SetQuestion(c.qname, c.qtype)
			m.SetEdns0(1232, do)
			w := &discard{}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				za.ServeDNS(ctx, w, m)
			}
		})
	}
}

// discard is a UDP ResponseWriter that drops the reply. Its address is
// made once, as a server's is, so that only the plugin's allocations count.
type discard struct{ test.ResponseWriter }

var clientAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40212}

func (d *discard) RemoteAddr() net.Addr    { return clientAddr }
func (d *discard) WriteMsg(*dns.Msg) error { return nil }

// BenchmarkServeDNSUnsignedDO asks a zone of 100,000 names that is not
// signed with DO, as resolvers do: it answers as without DO, and a
// negative answer does not look for proofs it does not have.
func BenchmarkServeDNSUnsignedDO(b *testing.B) {
	za := newTestHandler(b, map[string]string{"example.org.": testzone.Large(100000)})
	benchServe(b, za, true)
}

// BenchmarkServeDNSPacked is the answers written as bytes, behind
// CoreDNS's ScrubWriter alone, as the server calls the plugin (packed.go):
// a hit from the RRset's wire form, the same signed and asked with DO (its
// RRSIG after it), a wildcard's, and NXDOMAIN and NODATA from the SOA's.
func BenchmarkServeDNSPacked(b *testing.B) {
	plain := newTestHandler(b, map[string]string{"example.org.": testzone.ExampleOrg})
	signed := newTestHandler(b, map[string]string{"example.org.": testzone.ExampleOrg})
	signAll(b, signed)
	for _, c := range []struct {
		name  string
		h     *Handler
		qname string
		qtype uint16
		do    bool
	}{
		{"hit", plain, "www.example.org.", dns.TypeA, false}, {"hit-signed-do", signed, "www.example.org.", dns.TypeA, true},
		{"nxdomain", plain, "nothere.example.org.", dns.TypeA, false}, {"nodata", plain, "www.example.org.", dns.TypeTXT, false},
		{"wildcard", plain, "x.dev.example.org.", dns.TypeA, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := new(dns.Msg).SetQuestion(c.qname, c.qtype)
			m.SetEdns0(1232, c.do)
			rec := &counter{}
			w := request.NewScrubWriter(m, rec)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeDNS(ctx, w, m)
			}
			if rec.bytes == 0 {
				b.Fatal("the reply was not written as bytes")
			}
		})
	}
}

// counter is a discard that counts the replies written as bytes.
type counter struct {
	discard
	bytes int
}

func (c *counter) Write(b []byte) (int, error) { c.bytes++; return len(b), nil }

// BenchmarkServeDNSSignedNegative is an NXDOMAIN with DO from a zone of
// 100,000 names signed with NSEC and with NSEC3, written as bytes
// (writeSignedNegative): what a signed zone's negative answer costs.
//
//	go test ./plugin/dnsserve -run '^$' -bench ServeDNSSignedNegative -benchmem
func BenchmarkServeDNSSignedNegative(b *testing.B) {
	for _, denial := range []dnssec.Denial{dnssec.NSEC, dnssec.NSEC3} {
		h := newTestHandler(b, map[string]string{"example.org.": testzone.Large(100000)})
		signAllWith(b, h, denial)
		b.Run(string(denial), func(b *testing.B) {
			m := new(dns.Msg).SetQuestion("missing5.example.org.", dns.TypeA)
			m.SetEdns0(1232, true)
			rec := &counter{}
			w := request.NewScrubWriter(m, rec)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				h.ServeDNS(ctx, w, m)
			}
			if rec.bytes == 0 {
				b.Fatal("the reply was not written as bytes")
			}
		})
	}
}
