package dnsserve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/ixfr"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

// newTestHandler serves the zones, given as origin to master-file text,
// from a new store.
func newTestHandler(tb testing.TB, zones map[string]string) *Handler {
	tb.Helper()
	dir := tb.TempDir()
	for origin, text := range zones {
		if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(origin, ".")+".zone"), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	p, _, err := pipeline.Open(dir, pipeline.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	if p.Zones().Len() != len(zones) {
		tb.Fatalf("%d of %d zones loaded", p.Zones().Len(), len(zones))
	}
	return &Handler{Pipeline: p, IXFR: ixfr.New()}
}

// serve runs one query through the handler and returns the reply.
func serve(t testing.TB, h *Handler, m *dns.Msg) (*dns.Msg, int) {
	t.Helper()
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rcode, err := h.ServeDNS(context.Background(), rec, m)
	if err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	return rec.Msg, rcode
}

func runCases(t *testing.T, h *Handler, cases []test.Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(dns.Type(tc.Qtype).String()+"/"+tc.Qname, func(t *testing.T) {
			resp, _ := serve(t, h, tc.Msg())
			if resp == nil {
				t.Fatal("no reply written")
			}
			if err := test.SortAndCheck(resp, tc); err != nil {
				t.Error(err)
			}
		})
	}
}
