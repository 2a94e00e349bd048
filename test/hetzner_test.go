package test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoneapi/zoneapi/test/client"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
)

// hetznerEnv is bin/coredns with the Hetzner API, and hcloud-go's client
// pointed at it: the client unchanged, only WithEndpoint and WithToken.
type hetznerEnv struct {
	*apiEnv
	hbase string // http://127.0.0.1:PORT/hetzner/v1
	hc    *hcloud.Client
	hdoer *validatingDoer // checks every answer against hetzner.yaml
}

func startHetzner(t *testing.T, extra string) *hetznerEnv {
	t.Helper()
	return startHetznerWith(t, "", extra)
}

// startHetznerWith is startHetzner with lines for the server block too.
func startHetznerWith(t *testing.T, server, extra string) *hetznerEnv {
	t.Helper()
	e := startAPIWith(t, server, tokens+extra, "api/example.org.zone")
	e.token = "full-secret-1"
	return newHetznerEnv(e)
}

func newHetznerEnv(e *apiEnv) *hetznerEnv {
	h := &hetznerEnv{apiEnv: e, hbase: strings.TrimSuffix(e.base, "/v1") + "/hetzner/v1"}
	h.hdoer = newSpecDoer(e.t, spec.Hetzner, "hetzner.yaml", h.hbase)
	h.hc = h.client("full-secret-1")
	return h
}

// client is hcloud-go's client with token, its every answer checked
// against hetzner.yaml.
func (h *hetznerEnv) client(token string) *hcloud.Client {
	return hcloud.NewClient(hcloud.WithEndpoint(h.hbase), hcloud.WithToken(token), hcloud.WithHTTPClient(&http.Client{Transport: h.hdoer}),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ConstantBackoff(10 * time.Millisecond)}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: hcloud.ConstantBackoff(10 * time.Millisecond), MaxRetries: 5}))
}

// digTTL returns the answer's RDATA and TTL for name and type.
func (h *hetznerEnv) digTTL(name string, qtype uint16) ([]string, uint32, int) {
	h.t.Helper()
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, h.srv.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	var ttl uint32
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rdata(rr))
			ttl = rr.Header().Ttl
		}
	}
	slices.Sort(out)
	return out, ttl, r.Rcode
}

// must returns v of a call of hcloud-go that must succeed; an error
// panics, which fails the test at the line of the call (the server is
// stopped by the test's cleanup as after a t.Fatal).
func must[T any](v T, _ *hcloud.Response, err error) T {
	if err != nil {
		panic(fmt.Sprintf("hcloud: %v", err))
	}
	return v
}

func wantCode(t *testing.T, err error, code hcloud.ErrorCode) {
	t.Helper()
	if !hcloud.IsError(err, code) {
		t.Fatalf("got %v, want the error %s", err, code)
	}
}

func TestHetznerZonesThroughHcloudGo(t *testing.T) {
	h := startHetzner(t, "")
	ctx := context.Background()
	zc := &h.hc.Zone

	res := must(zc.Create(ctx, hcloud.ZoneCreateOpts{Name: "hz.example", TTL: hcloud.Ptr(600), Labels: map[string]string{"env": "test"},
		RRSets: []hcloud.ZoneCreateOptsRRSet{{Name: "www", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1", Comment: "web"}}}}}))
	if res.Zone.ID == 0 || res.Zone.Name != "hz.example" || res.Zone.TTL != 600 || res.Zone.Mode != hcloud.ZoneModePrimary || res.Action.Status != hcloud.ActionStatusSuccess {
		t.Fatalf("created %+v, action %+v", res.Zone, res.Action)
	}
	if err := h.hc.Action.WaitFor(ctx, res.Action); err != nil {
		t.Fatal(err)
	}
	if got, ttl, _ := h.digTTL("www.hz.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.1"}) || ttl != 600 {
		t.Fatalf("served %v TTL %d after create", got, ttl)
	}
	id := res.Zone.ID

	// Get by id, by name, and by either; a zone not there is nil, nil.
	for _, get := range []func() (*hcloud.Zone, *hcloud.Response, error){
		func() (*hcloud.Zone, *hcloud.Response, error) { return zc.GetByID(ctx, id) },
		func() (*hcloud.Zone, *hcloud.Response, error) { return zc.GetByName(ctx, "hz.example") },
		func() (*hcloud.Zone, *hcloud.Response, error) { return zc.Get(ctx, fmt.Sprint(id)) },
	} {
		if z := must(get()); z == nil || z.ID != id || z.Labels["env"] != "test" || z.RecordCount != 3 {
			t.Fatalf("got %+v", z)
		}
	}
	if z, _, err := zc.GetByName(ctx, "nope.example"); z != nil || err != nil {
		t.Fatalf("a zone not there: %v, %v", z, err)
	}

	// Paging across pages, label selectors, sort, filters.
	for i := range 12 {
		must(zc.Create(ctx, hcloud.ZoneCreateOpts{Name: fmt.Sprintf("p%02d.example", i), Labels: map[string]string{"page": "yes", "n": fmt.Sprint(i % 3)}}))
	}
	all, err := zc.AllWithOpts(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{PerPage: 5}, Sort: []string{"name:desc"}})
	if err != nil || len(all) != 14 || all[0].Name != "p11.example" || all[13].Name != "example.org" {
		t.Fatalf("all zones in pages of 5, by name descending: %d, %v", len(all), err)
	}
	zs, resp, err := zc.List(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{Page: 2, PerPage: 5}})
	if err != nil || len(zs) != 5 || resp.Meta.Pagination.LastPage != 3 || resp.Meta.Pagination.NextPage != 3 || resp.Meta.Pagination.TotalEntries != 14 {
		t.Fatalf("page 2: %d zones, %+v, %v", len(zs), resp.Meta.Pagination, err)
	}
	if resp.Meta.Ratelimit.Limit != 3600 || resp.Meta.Ratelimit.Remaining <= 0 {
		t.Fatalf("rate limit headers %+v", resp.Meta.Ratelimit)
	}
	for sel, want := range map[string]int{"page": 12, "page=yes,n==1": 4, "n in (0,2)": 8, "n notin (0,2)": 6, "!page": 2, "env!=test": 13} {
		got, err := zc.AllWithOpts(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{LabelSelector: sel}})
		if err != nil || len(got) != want {
			t.Errorf("label_selector %q: %d zones (%v), want %d", sel, len(got), err, want)
		}
	}
	if got := must(zc.List(ctx, hcloud.ZoneListOpts{Name: "p03.example"})); len(got) != 1 || got[0].Name != "p03.example" {
		t.Fatalf("by name: %v", got)
	}

	// Update (labels), export, import, change_ttl.
	z := must(zc.Update(ctx, &hcloud.Zone{ID: id}, hcloud.ZoneUpdateOpts{Labels: map[string]string{"env": "prod"}}))
	if z.Labels["env"] != "prod" {
		t.Fatalf("labels after update: %v", z.Labels)
	}
	exp := must(zc.ExportZonefile(ctx, z))
	if !strings.Contains(exp.Zonefile, "www\t600\tIN\tA\t192.0.2.1") || strings.Contains(exp.Zonefile, ";@note") {
		t.Fatalf("export:\n%s", exp.Zonefile)
	}
	// A zone signed here exports without the signer's records, which
	// Hetzner's import refuses.
	if d, err := h.c.SetZoneDnssecWithResponse(ctx, "hz.example", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true}); err != nil || d.StatusCode() != 200 {
		t.Fatalf("setZoneDnssec: %v", err)
	}
	signed := must(zc.ExportZonefile(ctx, z))
	for _, typ := range []string{"RRSIG", "NSEC", "DNSKEY"} {
		if strings.Contains(signed.Zonefile, "\t"+typ+"\t") || !strings.Contains(signed.Zonefile, "www\t600\tIN\tA\t192.0.2.1") {
			t.Fatalf("the export of a signed zone:\n%s", signed.Zonefile)
		}
	}
	if d, err := h.c.SetZoneDnssecWithResponse(ctx, "hz.example", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: false}); err != nil || d.StatusCode() != 200 {
		t.Fatalf("setZoneDnssec off: %v", err)
	}
	file := "$ORIGIN hz.example.\n@ 600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 600 IN NS ns1\nns1 600 IN A 192.0.2.53\nwww 600 IN A 192.0.2.9\nmail 600 IN MX 10 www\n"
	act := must(zc.ImportZonefile(ctx, z, hcloud.ZoneImportZonefileOpts{Zonefile: file}))
	if err := h.hc.Action.WaitFor(ctx, act); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := h.digTTL("www.hz.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.9"}) {
		t.Fatalf("served %v after import", got)
	}
	if z := must(zc.GetByID(ctx, id)); z.Labels["env"] != "prod" {
		t.Fatalf("an import lost the zone's labels: %v", z.Labels)
	}
	must(zc.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "inherit", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.7"}}}))
	must(zc.ChangeTTL(ctx, z, hcloud.ZoneChangeTTLOpts{TTL: 900}))
	if _, ttl, _ := h.digTTL("inherit.hz.example", dns.TypeA); ttl != 900 {
		t.Fatalf("an RRset made without a TTL has %d after the zone's change_ttl 900", ttl)
	}
	if _, ttl, _ := h.digTTL("www.hz.example", dns.TypeA); ttl != 600 {
		t.Fatalf("an RRset with its own TTL followed the zone's: %d", ttl)
	}

	// Protection: through this API and through /v1.
	must(zc.ChangeProtection(ctx, z, hcloud.ZoneChangeProtectionOpts{Delete: hcloud.Ptr(true)}))
	if z := must(zc.GetByID(ctx, id)); !z.Protection.Delete {
		t.Fatal("protection not shown")
	}
	_, _, err = zc.Delete(ctx, z)
	wantCode(t, err, hcloud.ErrorCodeProtected)
	if r := h.raw("DELETE", strings.TrimSuffix(h.hbase, "/hetzner/v1")+"/v1/zones/hz.example", ""); r.status != http.StatusConflict {
		t.Fatalf("/v1 deleted a protected zone: %d %s", r.status, r.body)
	}
	must(zc.ChangeProtection(ctx, z, hcloud.ZoneChangeProtectionOpts{Delete: hcloud.Ptr(false)}))
	_, _, err = zc.ChangePrimaryNameservers(ctx, z, hcloud.ZoneChangePrimaryNameserversOpts{PrimaryNameservers: []hcloud.ZoneChangePrimaryNameserversOptsPrimaryNameserver{{Address: "192.0.2.1"}}})
	wantCode(t, err, "incorrect_zone_mode")

	// Actions: by id, in the list form WaitFor polls, per zone.
	got := must(h.hc.Action.GetByID(ctx, act.ID))
	if got == nil || got.Command != "import_zonefile" || got.Status != hcloud.ActionStatusSuccess || got.Resources[0].ID != id {
		t.Fatalf("action %+v", got)
	}
	list, err := h.hc.Action.AllWithOpts(ctx, hcloud.ActionListOpts{ID: []int64{act.ID, res.Action.ID}})
	if err != nil || len(list) != 2 {
		t.Fatalf("actions by id: %v, %v", list, err)
	}
	zacts, err := zc.Action.AllFor(ctx, z, hcloud.ActionListOpts{})
	if err != nil || len(zacts) < 6 {
		t.Fatalf("the zone's actions: %d, %v", len(zacts), err)
	}
	if a := must(zc.Action.GetByID(ctx, act.ID)); a == nil || a.ID != act.ID {
		t.Fatalf("zone action by id: %+v", a)
	}
	if all := must(zc.Action.List(ctx, hcloud.ActionListOpts{ListOpts: hcloud.ListOpts{PerPage: 3}, Sort: []string{"id:desc"}})); len(all) != 3 || all[0].ID < all[1].ID {
		t.Fatalf("the actions of every zone, newest first: %+v", all)
	}
	if r := h.raw("GET", fmt.Sprintf("%s/zones/%d/actions/%d", h.hbase, id, act.ID), ""); r.status != 200 || !strings.Contains(r.body, `"import_zonefile"`) {
		t.Fatalf("an action by zone and id: %d %s", r.status, r.body)
	}
	if r := h.raw("GET", fmt.Sprintf("%s/zones/example.org/actions/%d", h.hbase, act.ID), ""); r.status != 404 {
		t.Fatalf("an action of another zone: %d %s", r.status, r.body)
	}

	// Delete.
	del := must(zc.Delete(ctx, z))
	if err := h.hc.Action.WaitFor(ctx, del.Action); err != nil {
		t.Fatal(err)
	}
	if _, _, rcode := h.digTTL("www.hz.example", dns.TypeA); rcode != dns.RcodeRefused {
		t.Fatalf("a deleted zone answered %s", dns.RcodeToString[rcode])
	}
}

type rawResponse struct {
	status int
	body   string
}

// raw sends a request with the full token.
func (h *hetznerEnv) raw(method, url, body string) rawResponse {
	h.t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer full-secret-1")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, string(b)}
}
