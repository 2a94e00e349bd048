package zoneapi

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds arbitrary packets to the query path. Whatever arrives,
// the plugin answers or declines; it never panics.
func FuzzServeDNS(f *testing.F) {
	za := newTestPlugin(f, map[string]string{"example.org.": exampleOrg})
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"www.example.org.", dns.TypeA}, {"x.dev.example.org.", dns.TypeTXT}, {"a.sub.example.org.", dns.TypeA},
		{"alias.example.org.", dns.TypeANY}, {`a\000\.b.example.org.`, dns.TypeDS}, {"example.com.", dns.TypeA},
	} {
		m := new(dns.Msg).SetQuestion(q.name, q.qtype)
		m.SetEdns0(65535, true)
		b, _ := m.Pack()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			return // the server drops what does not parse
		}
		if len(m.Question) != 1 {
			return // the server answers FORMERR before any plugin
		}
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		rcode, _ := za.ServeDNS(context.Background(), rec, m)
		// The ServeDNS contract: a reply is written exactly when the rcode
		// says the plugin wrote one.
		if wrote := rec.Msg != nil; wrote != plugin.ClientWrite(rcode) {
			t.Fatalf("rcode %s but reply written: %v", dns.RcodeToString[rcode], wrote)
		}
	})
}
