package dnsserve

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"

	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// FuzzServeDNS feeds arbitrary packets to the query path. Whatever arrives,
// the plugin answers or declines; it never panics.
func FuzzServeDNS(f *testing.F) {
	za := newTestHandler(f, map[string]string{"example.org.": testzone.ExampleOrg})
	// The zone is signed, so that a query with DO takes the path of
	// signatures and proofs.
	signAll(f, za)
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

// FuzzUpdate feeds arbitrary RFC 2136 UPDATE messages to the update path,
// with a key that may change anything. Whatever the message holds, the
// zone that comes out keeps the zone's rules and reads back from its file
// as it was written: an update cannot leave a zone that fails to load.
func FuzzUpdate(f *testing.F) {
	z0, _, err := store.Read(strings.NewReader(testzone.ExampleOrg), "example.org.zone", "example.org.", store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			f.Fatal(err)
		}
		return r
	}
	for _, build := range []func(m *dns.Msg){
		func(m *dns.Msg) { m.Insert([]dns.RR{rr("new.example.org. 300 IN A 192.0.2.9")}) },
		func(m *dns.Msg) { m.Insert([]dns.RR{rr(`t.example.org. 300 IN TXT "a\"b" "\195\169"`)}) },
		func(m *dns.Msg) { m.RemoveRRset([]dns.RR{rr("www.example.org. 0 IN A 0.0.0.0")}) },
		func(m *dns.Msg) { m.RemoveName([]dns.RR{rr("www.example.org. 0 IN A 0.0.0.0")}) },
		func(m *dns.Msg) { m.Remove([]dns.RR{rr("www.example.org. 0 IN A 192.0.2.80")}) },
		func(m *dns.Msg) {
			m.NameUsed([]dns.RR{rr("www.example.org. 0 IN A 0.0.0.0")})
			m.Insert([]dns.RR{rr("c.example.org. 300 IN CAA 0 issue \"ca.example\"")})
		},
	} {
		m := new(dns.Msg)
		m.SetUpdate("example.org.")
		build(m)
		wire, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire)
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil || prescan("example.org.", m.Ns, &auth.Token{Name: "fuzz"}) != nil {
			return
		}
		tx := z0.Txn()
		if err := applyUpdate(z0, tx, "example.org.", m); err != nil {
			return
		}
		z, err := tx.Commit()
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := store.Format(&once, z); err != nil {
			t.Fatal(err)
		}
		again, _, err := store.Read(bytes.NewReader(once.Bytes()), "example.org.zone", "example.org.", store.Options{})
		if err != nil {
			t.Fatalf("the updated zone does not read back: %v\n%s", err, once.String())
		}
		store.Format(&twice, again)
		if once.String() != twice.String() {
			t.Fatalf("the updated zone reads back as another:\n%s\n---\n%s", once.String(), twice.String())
		}
	})
}
