package zoneapi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

const exampleOrg = `$TTL 3600
@         IN SOA  ns1 hostmaster 2024010101 7200 3600 1209600 300
          IN NS   ns1
          IN MX   10 mail
ns1       IN A    192.0.2.1
mail      IN A    192.0.2.25
www       IN A    192.0.2.80
alias     IN CNAME www
out       IN CNAME www.example.net.
*.dev     IN A    192.0.2.99
a.b.ent   IN TXT  "deep"
sub       IN NS   ns.sub
sub       IN DS   12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
ns.sub    IN A    192.0.2.53
`

// largeZone returns exampleOrg with n A records more, h0 to h(n-1).
func largeZone(n int) string {
	var zf strings.Builder
	zf.WriteString(exampleOrg)
	for i := range n {
		fmt.Fprintf(&zf, "h%d IN A 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
	}
	return zf.String()
}

// largeZoneState returns the loaded state of a store holding largeZone(n)
// as example.org.
func largeZoneState(tb testing.TB, n int) *state { return storeWith(tb, largeZone(n)) }

// storeWith returns the loaded state of a new store holding text as the
// zone example.org.
func storeWith(tb testing.TB, text string) *state {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	return restart(tb, dir)
}

// newTestPlugin serves the zones, given as origin to master-file text.
func newTestPlugin(t testing.TB, zones map[string]string) *Zoneapi {
	t.Helper()
	var all []*zone.Zone
	for origin, text := range zones {
		z, _, err := store.Read(strings.NewReader(text), origin+".zone", origin, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, z)
	}
	st := newState("", 0)
	st.zones.Store(zone.NewSet(all...))
	st.ready.Store(true)
	return &Zoneapi{state: st}
}

// serve runs one query through the plugin and returns the reply.
func serve(t testing.TB, za *Zoneapi, m *dns.Msg) (*dns.Msg, int) {
	t.Helper()
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rcode, err := za.ServeDNS(context.Background(), rec, m)
	if err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	return rec.Msg, rcode
}

func runCases(t *testing.T, za *Zoneapi, cases []test.Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(dns.Type(tc.Qtype).String()+"/"+tc.Qname, func(t *testing.T) {
			resp, _ := serve(t, za, tc.Msg())
			if resp == nil {
				t.Fatal("no reply written")
			}
			if err := test.SortAndCheck(resp, tc); err != nil {
				t.Error(err)
			}
		})
	}
}
