package dnsserve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/ixfr"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
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

// signAll signs every zone of h with a CSK of its own, as setZoneDnssec
// does: the signer set, then one change that signs each zone whole.
func signAll(tb testing.TB, h *Handler) { signAllWith(tb, h, dnssec.NSEC) }

// signAllWith is signAll with the given denial of existence.
func signAllWith(tb testing.TB, h *Handler, denial dnssec.Denial) {
	tb.Helper()
	signers := map[string]pipeline.Signer{}
	for _, z := range h.Pipeline.Zones().Zones() {
		k, err := dnssec.Generate(z.Origin(), dns.ECDSAP256SHA256, dnssec.CSK, time.Now())
		if err != nil {
			tb.Fatal(err)
		}
		signers[z.Origin()] = &dnssec.Signer{Keys: &dnssec.Keyring{Origin: z.Origin(), Keys: []*dnssec.Key{k}, Denial: denial}, Policy: dnssec.DefaultPolicy}
	}
	h.Pipeline.SetSigners(func(origin string) pipeline.Signer { return signers[origin] })
	for origin := range signers {
		if _, err := h.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: pipeline.Meta{Op: "test"}, Edit: func(*zone.Zone, *zone.Txn) error { return nil }}); err != nil {
			tb.Fatal(err)
		}
	}
}
