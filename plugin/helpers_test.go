package zoneapi

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnsserve"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

// openTest opens the store in dir as the plugin does, with the settings of
// a Corefile without properties, but not listening: tests reach the API
// through st.http.Handler(). It is closed when the test ends.
func openTest(tb testing.TB, dir string) *instance {
	tb.Helper()
	cfg := defaultConfig()
	cfg.dir = dir
	st, err := open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	st.settings(cfg)
	tb.Cleanup(st.close)
	return st
}

// newTestAPI serves the API of a store holding ExampleOrg and a counter,
// in process.
func newTestAPI(t *testing.T) (*instance, *httptest.Server) {
	t.Helper()
	st := openTest(t, testzone.Store(t, testzone.ExampleOrg+"counter IN TXT \"0\"\n"))
	srv := httptest.NewServer(st.http.Handler())
	t.Cleanup(srv.Close)
	return st, srv
}

// restart closes st and opens its store again, as a new process would.
func restart(t *testing.T, st *instance) *instance {
	t.Helper()
	st.close()
	return openTest(t, st.dir)
}

// dnsOf is the plugin's DNS handler over st.
func dnsOf(st *instance) *Zoneapi {
	return &Zoneapi{&dnsserve.Handler{Pipeline: st.pipe, IXFR: st.ixfr}}
}

// serve runs one query through the plugin and returns the reply.
func serve(t testing.TB, za *Zoneapi, m *dns.Msg) *dns.Msg {
	t.Helper()
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	if _, err := za.ServeDNS(context.Background(), rec, m); err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	return rec.Msg
}
