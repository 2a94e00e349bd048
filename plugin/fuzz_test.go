package zoneapi

import (
	"context"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"

	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/zone"
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

// FuzzRecordRoundTrip feeds arbitrary records to the API's reading of a
// record. What it takes, written back as the API shows it (a client reading
// a record and sending it again), must be the same record with the same id.
func FuzzRecordRoundTrip(f *testing.F) {
	for _, r := range [][3]string{
		{"www", "A", "192.0.2.1"}, {"@", "MX", "10 mail"}, {"t", "TXT", `a "b" \c`}, {"t", "TXT", `"x" "y"`},
		{"é", "CNAME", `֌\\\.`}, {`a\.b`, "NS", "ns1"}, {"s", "SRV", "0 5 443 svc"}, {"c", "CAA", `0 issue "ca.example"`},
		{"x", "TYPE65280", `\# 2 abcd`}, {"h", "HTTPS", `1 . alpn="h2,h3"`}, {"n", "NAPTR", `100 10 "S" "SIP+D2U" "" _sip._udp`},
	} {
		f.Add(r[0], r[1], r[2])
	}
	f.Fuzz(func(t *testing.T, name, typ, value string) {
		rr, err := newRR("example.org.", name, typ, value, nil)
		if err != nil {
			return
		}
		if tx, _ := zone.New("example.org."); tx.Add(rr) != nil {
			return // refused by the zone's rules, as a change would be
		}
		shown := toRecord(rr, "example.org.")
		again, err := newRR("example.org.", shown.Name, shown.Type, shown.Value, shown.Ttl)
		if err != nil {
			t.Fatalf("%s %s %q is shown as %s %s %q, which is refused: %v", name, typ, value, shown.Name, shown.Type, shown.Value, err)
		}
		if !dns.IsDuplicate(rr, again) || recordID(again) != *shown.Id {
			t.Fatalf("%s %s %q is shown as %s %s %q, which reads as another record:\n%s\n%s", name, typ, value, shown.Name, shown.Type, shown.Value, rr, again)
		}
	})
}
