package test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/zoneapi/zoneapi/test/client"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/miekg/dns"
)

func TestHetznerRRsetsThroughHcloudGo(t *testing.T) {
	h := startHetzner(t, "")
	ctx := context.Background()
	zc := &h.hc.Zone
	z := must(zc.GetByName(ctx, "example.org"))
	if z == nil || z.TTL != 3600 {
		t.Fatalf("a zone of the store, made without this API: %+v", z)
	}

	res := must(zc.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "api", Type: hcloud.ZoneRRSetTypeA, TTL: hcloud.Ptr(300),
		Labels: map[string]string{"team": "web"}, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.10", Comment: "first"}, {Value: "192.0.2.11"}}}))
	if res.RRSet.ID != "api/A" || *res.RRSet.TTL != 300 || len(res.RRSet.Records) != 2 || res.RRSet.Records[0].Comment != "first" {
		t.Fatalf("created %+v", res.RRSet)
	}
	if got, ttl, _ := h.digTTL("api.example.org", dns.TypeA); !slices.Equal(got, []string{"192.0.2.10", "192.0.2.11"}) || ttl != 300 {
		t.Fatalf("served %v TTL %d", got, ttl)
	}
	_, _, err := zc.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "api", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.12"}}})
	wantCode(t, err, hcloud.ErrorCodeUniquenessError)

	byName := must(zc.GetRRSetByNameAndType(ctx, z, "api", hcloud.ZoneRRSetTypeA))
	byID := must(zc.GetRRSetByID(ctx, z, "api/A"))
	if byName == nil || byID == nil || byName.Labels["team"] != "web" || byID.Records[0].Comment != "first" {
		t.Fatalf("get: %+v %+v", byName, byID)
	}
	if r := must(zc.GetRRSetByNameAndType(ctx, z, "nope", hcloud.ZoneRRSetTypeA)); r != nil {
		t.Fatalf("an RRset not there: %+v", r)
	}

	// An RRset deleted through another API takes its labels and comments
	// with it: made again, it starts without them.
	must(zc.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "gone", Type: hcloud.ZoneRRSetTypeA, Labels: map[string]string{"old": "yes"},
		Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.30", Comment: "old"}}}))
	if d, err := h.c.DeleteRRsetWithResponse(ctx, "example.org", "gone", "A", &client.DeleteRRsetParams{}); err != nil || d.StatusCode() != 204 {
		t.Fatalf("deleteRRset through /v1: %v", err)
	}
	if u, err := h.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Name: "gone", Type: "A", Value: "192.0.2.30"}); err != nil || u.StatusCode()/100 != 2 {
		t.Fatalf("upsertRecord through /v1: %v", err)
	}
	if r := must(zc.GetRRSetByNameAndType(ctx, z, "gone", hcloud.ZoneRRSetTypeA)); r == nil || len(r.Labels) != 0 || r.Records[0].Comment != "" {
		t.Fatalf("an RRset made again through /v1 has the old one's labels or comments: %+v", r)
	}

	// Lists: filters, label selector, sort, pages.
	all, err := zc.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{PerPage: 2}})
	if err != nil || len(all) < 6 {
		t.Fatalf("all RRsets in pages of 2: %d, %v", len(all), err)
	}
	if got := must(zc.ListRRSets(ctx, z, hcloud.ZoneRRSetListOpts{Type: []hcloud.ZoneRRSetType{hcloud.ZoneRRSetTypeSOA, hcloud.ZoneRRSetTypeNS}})); len(got) != 2 {
		t.Fatalf("SOA and NS: %v", got)
	}
	if got := must(zc.ListRRSets(ctx, z, hcloud.ZoneRRSetListOpts{Name: "api"})); len(got) != 1 || got[0].ID != "api/A" {
		t.Fatalf("by name: %v", got)
	}
	if got := must(zc.ListRRSets(ctx, z, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "team=web"}})); len(got) != 1 {
		t.Fatalf("by label: %v", got)
	}
	sorted, err := zc.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{Sort: []string{"type:desc", "name"}})
	if err != nil || len(sorted) != len(all) || !slices.IsSortedFunc(sorted, func(a, b *hcloud.ZoneRRSet) int {
		if a.Type != b.Type {
			return strings.Compare(string(b.Type), string(a.Type))
		}
		return strings.Compare(a.Name, b.Name)
	}) || sorted[0].Type == sorted[len(sorted)-1].Type {
		t.Fatalf("by type descending, then name: %v", err)
	}

	rrset := &hcloud.ZoneRRSet{Zone: z, Name: "api", Type: hcloud.ZoneRRSetTypeA}
	if r := must(zc.UpdateRRSet(ctx, rrset, hcloud.ZoneRRSetUpdateOpts{Labels: map[string]string{"team": "ops"}})); r.Labels["team"] != "ops" {
		t.Fatalf("labels after update: %v", r.Labels)
	}

	// add_records and remove_records are safe to retry: twice is once.
	for range 2 {
		must(zc.AddRRSetRecords(ctx, rrset, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.12", Comment: "third"}}}))
	}
	if got, _, _ := h.digTTL("api.example.org", dns.TypeA); len(got) != 3 {
		t.Fatalf("add_records twice: %v", got)
	}
	for range 2 {
		must(zc.RemoveRRSetRecords(ctx, rrset, hcloud.ZoneRRSetRemoveRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.10"}}}))
	}
	if got, _, _ := h.digTTL("api.example.org", dns.TypeA); !slices.Equal(got, []string{"192.0.2.11", "192.0.2.12"}) {
		t.Fatalf("remove_records twice: %v", got)
	}
	must(zc.SetRRSetRecords(ctx, rrset, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.20"}, {Value: "192.0.2.21", Comment: "b"}}}))
	if got, _, _ := h.digTTL("api.example.org", dns.TypeA); !slices.Equal(got, []string{"192.0.2.20", "192.0.2.21"}) {
		t.Fatalf("set_records: %v", got)
	}
	must(zc.UpdateRRSetRecords(ctx, rrset, hcloud.ZoneRRSetUpdateRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.20", Comment: "a"}}}))
	r := must(zc.GetRRSetByID(ctx, z, "api/A"))
	if r.Records[0].Comment != "a" || r.Records[1].Comment != "b" {
		t.Fatalf("comments: %+v", r.Records)
	}
	_, _, err = zc.UpdateRRSetRecords(ctx, rrset, hcloud.ZoneRRSetUpdateRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.99", Comment: "x"}}})
	wantCode(t, err, hcloud.ErrorCodeInvalidInput)

	must(zc.ChangeRRSetTTL(ctx, rrset, hcloud.ZoneRRSetChangeTTLOpts{TTL: hcloud.Ptr(120)}))
	if _, ttl, _ := h.digTTL("api.example.org", dns.TypeA); ttl != 120 {
		t.Fatalf("TTL after change_ttl 120: %d", ttl)
	}
	must(zc.ChangeRRSetTTL(ctx, rrset, hcloud.ZoneRRSetChangeTTLOpts{TTL: nil}))
	if r := must(zc.GetRRSetByID(ctx, z, "api/A")); r.TTL != nil {
		t.Fatalf("an RRset given a null TTL shows %d, not null", *r.TTL)
	}
	if _, ttl, _ := h.digTTL("api.example.org", dns.TypeA); ttl != 3600 {
		t.Fatalf("an RRset without a TTL of its own is served with %d, not the zone's", ttl)
	}

	// Protection holds through this API, /v1 and RFC 2136 alike.
	must(zc.ChangeRRSetProtection(ctx, rrset, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(true)}))
	_, _, err = zc.AddRRSetRecords(ctx, rrset, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.30"}}})
	wantCode(t, err, hcloud.ErrorCodeProtected)
	_, _, err = zc.DeleteRRSet(ctx, rrset)
	wantCode(t, err, hcloud.ErrorCodeProtected)
	if r := h.raw("POST", h.base+"/zones/example.org/records", `{"name":"api","type":"A","value":"192.0.2.31"}`); r.status != http.StatusConflict || !strings.Contains(r.body, "protected") {
		t.Fatalf("/v1 changed a protected RRset: %d %s", r.status, r.body)
	}
	if got, _, _ := h.digTTL("api.example.org", dns.TypeA); len(got) != 2 {
		t.Fatalf("a protected RRset changed: %v", got)
	}
	must(zc.ChangeRRSetProtection(ctx, rrset, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(false)}))

	// TXT values arrive quoted, and long ones split: compared as records.
	txt := &hcloud.ZoneRRSet{Zone: z, Name: "_acme-challenge", Type: hcloud.ZoneRRSetTypeTXT}
	long := strings.Repeat("x", 300)
	split := `"` + long[:255] + `" "` + long[255:] + `"`
	must(zc.AddRRSetRecords(ctx, txt, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: `"token-1"`}, {Value: split}}, TTL: hcloud.Ptr(60)}))
	if got, ttl, _ := h.digTTL("_acme-challenge.example.org", dns.TypeTXT); len(got) != 2 || ttl != 60 {
		t.Fatalf("TXT served %v TTL %d", got, ttl)
	}
	must(zc.RemoveRRSetRecords(ctx, txt, hcloud.ZoneRRSetRemoveRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: split}}}))
	if got, _, _ := h.digTTL("_acme-challenge.example.org", dns.TypeTXT); !slices.Equal(got, []string{`"token-1"`}) {
		t.Fatalf("TXT after removing the split value: %v", got)
	}

	del := must(zc.DeleteRRSet(ctx, rrset))
	if err := h.hc.Action.WaitFor(ctx, del.Action); err != nil {
		t.Fatal(err)
	}
	if got, _, rcode := h.digTTL("api.example.org", dns.TypeA); len(got) != 0 || rcode != dns.RcodeNameError {
		t.Fatalf("a deleted RRset: %v %s", got, dns.RcodeToString[rcode])
	}
	// An RRset made again starts without the old one's labels.
	again := must(zc.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "api", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.40"}}}))
	if len(again.RRSet.Labels) != 0 || again.RRSet.Records[0].Comment != "" {
		t.Fatalf("made again: %+v", again.RRSet)
	}

	// The id of a zone, its labels and its records' comments survive a restart.
	must(zc.Update(ctx, z, hcloud.ZoneUpdateOpts{Labels: map[string]string{"k": "v"}}))
	h.srv.cmd.Process.Kill()
	h.srv.cmd.Wait()
	e2 := restartAPI(t, h.apiEnv, tokens)
	h2 := newHetznerEnv(e2)
	z2 := must(h2.hc.Zone.GetByID(ctx, z.ID))
	if z2 == nil || z2.Labels["k"] != "v" {
		t.Fatalf("after a restart: %+v", z2)
	}
	if r := must(h2.hc.Zone.GetRRSetByID(ctx, z2, "_acme-challenge/TXT")); r == nil || *r.TTL != 60 {
		t.Fatalf("after a restart: %+v", r)
	}
}
