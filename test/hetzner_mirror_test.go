package test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

// mirrorBlock is the hetzner block of a mirror of the Hetzner API at base.
func mirrorBlock(t *testing.T, base, extra string) string {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "hcloud-token")
	if err := os.WriteFile(tokenFile, []byte("full-secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("        hetzner {\n            endpoint %s\n            token_file %s\n            interval 1s\n%s        }\n", base, tokenFile, extra)
}

// restartHetznerOn starts bin/coredns again on h's store with its API on port.
func restartHetznerOn(t *testing.T, h *hetznerEnv, extra string, port int, server ...string) *hetznerEnv {
	t.Helper()
	corefile := fmt.Sprintf(apiCorefile, h.dir, port, tokens+extra)
	for _, line := range server {
		corefile = strings.Replace(corefile, "    bind 127.0.0.1\n", "    bind 127.0.0.1\n"+line, 1)
	}
	s := startCoreDNS(t, corefile, "example.org.")
	e := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", port), dir: h.dir, token: "full-secret-1"}
	e.doer = newValidatingDoer(t, e.base)
	waitHealthy(t, e.base)
	c, err := client.NewClientWithResponses(e.base, client.WithHTTPClient(e.doer), client.WithRequestEditorFn(bearer("full-secret-1")))
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return newHetznerEnv(e)
}

func bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// rrsetsOf returns the zone's RRsets as the Hetzner API shows them, but
// the SOA (each side's own), by id.
func (h *hetznerEnv) rrsetsOf(zoneName string) map[string]string {
	h.t.Helper()
	ctx := context.Background()
	z := must(h.hc.Zone.GetByName(ctx, zoneName))
	if z == nil {
		h.t.Fatalf("no zone %s", zoneName)
	}
	all, err := h.hc.Zone.AllRRSets(ctx, z)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range all {
		if r.Type == hcloud.ZoneRRSetTypeSOA {
			continue
		}
		var vals []string
		for _, rec := range r.Records {
			vals = append(vals, rec.Value+"|"+rec.Comment)
		}
		slices.Sort(vals)
		ttl := "zone"
		if r.TTL != nil {
			ttl = fmt.Sprint(*r.TTL)
		}
		out[r.ID] = ttl + " " + strings.Join(vals, ",")
	}
	return out
}

func (h *hetznerEnv) mirrorStatus() *client.MirrorStatus {
	h.t.Helper()
	r, err := h.c.GetMirrorStatusWithResponse(context.Background())
	if err != nil || r.JSON200 == nil {
		h.t.Fatalf("getMirrorStatus: %v %s", err, r.Body)
	}
	return r.JSON200
}

func mirrorZone(s *client.MirrorStatus, name string) *client.MirrorZone {
	for i := range s.Zones {
		if s.Zones[i].Zone == name {
			return &s.Zones[i]
		}
	}
	return nil
}

// TestHetznerFailoverAndFailback plays Hetzner with instance A (its
// /hetzner/v1) and mirrors it with B: changes at A reach B; with A down B
// serves and takes 50 changes over both APIs; with A back B pushes them,
// and the two zones are equal record for record, but for an RRset changed
// on both sides, which is a conflict left alone until resolved.
func TestHetznerFailoverAndFailback(t *testing.T) {
	ctx := context.Background()
	a := startHetzner(t, "")
	aPort := portNumber(t, a.base)
	res := must(a.hc.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "m1.example", TTL: hcloud.Ptr(300), Labels: map[string]string{"env": "prod"},
		RRSets: []hcloud.ZoneCreateOptsRRSet{
			{Name: "@", Type: hcloud.ZoneRRSetTypeNS, Records: []hcloud.ZoneRRSetRecord{{Value: "ns1.m1.example."}}},
			{Name: "ns1", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.53"}}},
			{Name: "www", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1", Comment: "web"}}},
			{Name: "both", Type: hcloud.ZoneRRSetTypeA, TTL: hcloud.Ptr(60), Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.100"}}},
		}}))
	upstream := a.hbase

	block := mirrorBlock(t, upstream, "")
	prom := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	b := startHetznerWith(t, "    prometheus "+prom+"\n", block)
	eventually(t, 20*time.Second, "B to serve the zone made at A", func() bool {
		got, _, _ := b.digTTL("www.m1.example", dns.TypeA)
		return slices.Equal(got, []string{"192.0.2.1"})
	})
	if z := must(b.hc.Zone.GetByName(ctx, "m1.example")); z.ID != res.Zone.ID || z.Labels["env"] != "prod" || z.TTL != 300 {
		t.Fatalf("B's copy of the zone: %+v, A's id %d", z, res.Zone.ID)
	}
	// A change at A reaches B within the interval, as one commit-worthy change.
	www := &hcloud.ZoneRRSet{Zone: res.Zone, Name: "www", Type: hcloud.ZoneRRSetTypeA}
	must(a.hc.Zone.AddRRSetRecords(ctx, www, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.2"}}}))
	eventually(t, 20*time.Second, "B to take A's change", func() bool {
		got, _, _ := b.digTTL("www.m1.example", dns.TypeA)
		return len(got) == 2
	})
	if !reflect.DeepEqual(a.rrsetsOf("m1.example"), b.rrsetsOf("m1.example")) {
		t.Fatalf("in step, the zones differ:\nA %v\nB %v", a.rrsetsOf("m1.example"), b.rrsetsOf("m1.example"))
	}

	// A goes down. B serves, and takes 50 changes through both of its APIs.
	a.srv.cmd.Process.Kill()
	a.srv.cmd.Wait()
	bz := must(b.hc.Zone.GetByName(ctx, "m1.example"))
	for i := range 25 {
		r, err := b.c.UpsertRecordWithResponse(ctx, "m1.example", &client.UpsertRecordParams{}, client.DNSRecordInput{Name: fmt.Sprintf("v1-%d", i), Type: "A", Value: fmt.Sprintf("192.0.2.%d", 10+i)})
		if err != nil || r.StatusCode()/100 != 2 {
			t.Fatalf("a /v1 change with the upstream down: %v %s", err, r.Body)
		}
		must(b.hc.Zone.AddRRSetRecords(ctx, &hcloud.ZoneRRSet{Zone: bz, Name: fmt.Sprintf("hz-%d", i), Type: hcloud.ZoneRRSetTypeTXT},
			hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: fmt.Sprintf(`"change %d"`, i), Comment: "made in the outage"}}}))
	}
	must(b.hc.Zone.SetRRSetRecords(ctx, &hcloud.ZoneRRSet{Zone: bz, Name: "both", Type: hcloud.ZoneRRSetTypeA}, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.101"}}}))
	if got, _, _ := b.digTTL("hz-24.m1.example", dns.TypeTXT); len(got) != 1 {
		t.Fatalf("B does not serve a change made in the outage: %v", got)
	}
	eventually(t, 20*time.Second, "B's status to show the outage", func() bool {
		s := b.mirrorStatus()
		z := mirrorZone(s, "m1.example")
		return s.Reachable != nil && !*s.Reachable && s.LastError != nil && z != nil && len(z.Ahead) == 51
	})
	// B restarts in the outage: it still knows what it holds that A lacks.
	b.srv.cmd.Process.Kill()
	b.srv.cmd.Wait()
	b = restartHetznerOn(t, b, block, freePort(t), "    prometheus "+prom+"\n")
	if z := mirrorZone(b.mirrorStatus(), "m1.example"); z == nil || len(z.Ahead) != 51 {
		t.Fatalf("after a restart in the outage, B has ahead: %+v", z)
	}

	// Meanwhile A changes "both" too: it comes back where B cannot reach it,
	// takes the change, and goes down again.
	a2 := restartHetznerOn(t, a, "", freePort(t))
	az := must(a2.hc.Zone.GetByName(ctx, "m1.example"))
	must(a2.hc.Zone.SetRRSetRecords(ctx, &hcloud.ZoneRRSet{Zone: az, Name: "both", Type: hcloud.ZoneRRSetTypeA}, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.102"}}}))
	a2.srv.cmd.Process.Kill()
	a2.srv.cmd.Wait()

	// A is back at its address: B pushes its 50 changes back.
	a3 := restartHetznerOn(t, a, "", aPort)
	eventually(t, 20*time.Second, "B to push its changes back", func() bool {
		z := mirrorZone(b.mirrorStatus(), "m1.example")
		return z != nil && len(z.Ahead) == 0 && len(z.Conflicts) == 1
	})
	ra, rb := a3.rrsetsOf("m1.example"), b.rrsetsOf("m1.example")
	if ra["both/A"] != "60 192.0.2.102|" || rb["both/A"] != "60 192.0.2.101|" {
		t.Fatalf("the RRset changed on both sides was overwritten: A %q, B %q", ra["both/A"], rb["both/A"])
	}
	delete(ra, "both/A")
	delete(rb, "both/A")
	if !reflect.DeepEqual(ra, rb) || len(ra) != 53 {
		t.Fatalf("after failback the zones differ (%d, %d RRsets):\nA %v\nB %v", len(ra), len(rb), ra, rb)
	}
	st := b.mirrorStatus()
	c := mirrorZone(st, "m1.example").Conflicts[0]
	if c.Rrset != "both/A" || c.Local == nil || c.Upstream == nil || c.Local.Records[0].Value != "192.0.2.101" || c.Upstream.Records[0].Value != "192.0.2.102" {
		t.Fatalf("the conflict as reported: %+v", c)
	}
	if n := metric(t, prom, "coredns_zoneapi_mirror_conflicts"); n != 1 {
		t.Errorf("coredns_zoneapi_mirror_conflicts = %v, want 1", n)
	}
	if !strings.Contains(b.srv.log.String(), "m1.example. both/A changed here and upstream") {
		t.Errorf("no log line names the conflict:\n%s", b.srv.log.String())
	}
	// Rounds go on; the conflict stays, on both sides.
	if r, err := b.c.SyncMirrorWithResponse(ctx, nil); err != nil || r.StatusCode() != 200 {
		t.Fatalf("syncMirror: %v %s", err, r.Body)
	}
	if got, _, _ := a3.digTTL("both.m1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.102"}) {
		t.Fatalf("A's side of the conflict changed: %v", got)
	}
	if got, _, _ := b.digTTL("both.m1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.101"}) {
		t.Fatalf("B's side of the conflict changed: %v", got)
	}

	// The operator keeps B's side.
	r, err := b.c.ResolveMirrorConflictWithResponse(ctx, "m1.example", client.MirrorResolution{Rrset: "both/A", Keep: client.Local})
	if err != nil || r.StatusCode() != 200 {
		t.Fatalf("resolveMirrorConflict: %v %d %s", err, r.StatusCode(), r.Body)
	}
	if got, _, _ := a3.digTTL("both.m1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.101"}) {
		t.Fatalf("A after keeping B's side: %v", got)
	}
	if ra, rb := a3.rrsetsOf("m1.example"), b.rrsetsOf("m1.example"); !reflect.DeepEqual(ra, rb) {
		t.Fatalf("after the resolution the zones differ:\nA %v\nB %v", ra, rb)
	}
	if z := mirrorZone(b.mirrorStatus(), "m1.example"); len(z.Conflicts) != 0 || len(z.Ahead) != 0 {
		t.Fatalf("after the resolution: %+v", z)
	}
	eventually(t, 10*time.Second, "the conflicts gauge to go back to 0", func() bool { return metric(t, prom, "coredns_zoneapi_mirror_conflicts") == 0 })
	if r, _ := b.c.ResolveMirrorConflictWithResponse(ctx, "m1.example", client.MirrorResolution{Rrset: "both/A", Keep: client.Local}); r.StatusCode() != 404 {
		t.Fatalf("resolving a conflict that is not there: %d %s", r.StatusCode(), r.Body)
	}
}

func portNumber(t *testing.T, base string) int {
	t.Helper()
	var port int
	if _, err := fmt.Sscanf(base, "http://127.0.0.1:%d/", &port); err != nil {
		t.Fatal(err)
	}
	return port
}
