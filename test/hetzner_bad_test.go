package test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

// hetznerError is Hetzner's error envelope.
type hetznerError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details *struct {
			Fields []struct {
				Name     string   `json:"name"`
				Messages []string `json:"messages"`
			} `json:"fields"`
		} `json:"details"`
	} `json:"error"`
}

func TestHetznerBadInputGetsHetznersErrorAndChangesNothing(t *testing.T) {
	h := startHetzner(t, "")
	ctx := context.Background()
	z := must(h.hc.Zone.GetByName(ctx, "example.org"))
	before := h.storeFile("example.org")
	serial := h.dig("example.org", 6)
	zones := h.hbase + "/zones"
	rrsets := zones + "/example.org/rrsets"
	cases := []struct {
		method, url, body string
		status            int
		code, field       string
	}{
		{"POST", zones, `{"name": "x.example",`, 400, "json_error", ""},
		{"POST", zones, `{"name": 5}`, 400, "invalid_input", "name"},
		{"POST", zones, `{"name": "example.org"}`, 409, "uniqueness_error", "name"},
		{"POST", zones, `{"name": "y.example", "mode": "secondary"}`, 400, "invalid_input", "mode"},
		{"POST", zones, `{"name": "y.example", "labels": {"bad key!": "v"}}`, 400, "invalid_input", "labels"},
		{"POST", zones, `{"name": "y.example", "rrsets": [{"name": "www", "type": "A", "records": [{"value": "999.1.1.1"}]}]}`, 400, "invalid_input", "rrsets[0].records[0].value"},
		{"POST", zones, `{"name": "y.example", "zonefile": "@ IN SOA ns1 hm 1 2 3 4 5\nwww IN BOGUS x\n"}`, 400, "invalid_input", "zonefile"},
		{"POST", rrsets, `{"name": "www", "type": "XYZ", "records": [{"value": "1"}]}`, 400, "invalid_input", "type"},
		{"POST", rrsets, `{"name": "www", "type": "NAPTR", "records": [{"value": "1"}]}`, 400, "invalid_input", "type"},
		{"POST", rrsets, `{"name": "fresh", "type": "A", "records": [{"value": "not-an-ip"}]}`, 400, "invalid_input", "records[0].value"},
		{"POST", rrsets, `{"name": "www", "type": "A", "ttl": "long", "records": [{"value": "192.0.2.1"}]}`, 400, "invalid_input", "ttl"},
		{"POST", rrsets, `{"name": "www.example.org.", "type": "A", "records": [{"value": "192.0.2.1"}]}`, 400, "invalid_input", "name"},
		{"POST", rrsets, `{"name": "cname", "type": "CNAME", "records": [{"value": "a."}, {"value": "b."}]}`, 400, "invalid_input", ""},
		{"POST", rrsets + "/www/A/actions/add_records", `{"records": []}`, 400, "invalid_input", "records"},
		{"POST", rrsets + "/www/A/actions/fly", `{}`, 404, "not_found", ""},
		{"POST", rrsets + "/nope/A/actions/remove_records", `{"records": [{"value": "192.0.2.1"}]}`, 404, "not_found", ""},
		{"DELETE", rrsets + "/@/SOA", ``, 400, "invalid_input", "type"},
		{"GET", rrsets + "?per_page=1000", ``, 400, "invalid_input", "per_page"},
		{"GET", rrsets + "?page=0", ``, 400, "invalid_input", "page"},
		{"GET", rrsets + "?sort=colour", ``, 400, "invalid_input", "sort"},
		{"GET", zones + "?label_selector=a%20in%20b", ``, 400, "invalid_input", "label_selector"},
		{"GET", zones + "/nope.example", ``, 404, "not_found", ""},
		{"GET", h.hbase + "/actions", ``, 400, "invalid_input", "id"},
		{"GET", h.hbase + "/actions/12345", ``, 404, "not_found", ""},
		{"PATCH", zones, `{}`, 405, "method_not_allowed", ""},
	}
	for _, c := range cases {
		r := h.raw(c.method, c.url, c.body)
		var e hetznerError
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.status != c.status || e.Error.Code != c.code || e.Error.Message == "" {
			t.Errorf("%s %s %s: %d %s, want %d %s", c.method, c.url, c.body, r.status, r.body, c.status, c.code)
			continue
		}
		if c.field != "" && (e.Error.Details == nil || len(e.Error.Details.Fields) != 1 || e.Error.Details.Fields[0].Name != c.field) {
			t.Errorf("%s %s %s: details %s, want the field %s", c.method, c.url, c.body, r.body, c.field)
		}
	}
	if got := h.storeFile("example.org"); got != before {
		t.Fatalf("bad input changed the zone file:\n%s", got)
	}
	if got := h.dig("example.org", 6); strings.Join(got, "") != strings.Join(serial, "") {
		t.Fatalf("bad input changed the SOA: %v, was %v", got, serial)
	}
	if all, err := h.hc.Zone.All(ctx); err != nil || len(all) != 1 {
		t.Fatalf("bad input made zones: %d, %v", len(all), err)
	}

	// Tokens: none, unknown, read-only, scoped.
	_, err := h.client("wrong").Zone.All(ctx)
	if !hcloud.IsError(err, hcloud.ErrorCodeUnauthorized) {
		t.Fatalf("unknown token: %v", err)
	}
	reader := h.client("reader-secret-2")
	if _, err := reader.Zone.All(ctx); err != nil {
		t.Fatalf("a read-only token cannot list: %v", err)
	}
	_, _, err = reader.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "w", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1"}}})
	if !hcloud.IsError(err, "token_readonly") {
		t.Fatalf("a read-only token wrote: %v", err)
	}
	acme := h.client("acme-secret-3")
	_, _, err = acme.Zone.AddRRSetRecords(ctx, &hcloud.ZoneRRSet{Zone: z, Name: "www", Type: hcloud.ZoneRRSetTypeA}, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1"}}})
	wantCode(t, err, hcloud.ErrorCodeForbidden)
	if _, _, err := acme.Zone.AddRRSetRecords(ctx, &hcloud.ZoneRRSet{Zone: z, Name: "_acme-challenge", Type: hcloud.ZoneRRSetTypeTXT},
		hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: `"ok"`}}}); err != nil {
		t.Fatalf("a token for _acme-challenge TXT: %v", err)
	}
	resp, err := http.Get(zones)
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %v %v", resp, err)
	}
}

func TestHetznerRateLimitAnswers429WithHetznersHeaders(t *testing.T) {
	h := startHetzner(t, "        hetzner_rate_limit 5\n")
	ctx := context.Background()
	c := hcloud.NewClient(hcloud.WithEndpoint(h.hbase), hcloud.WithToken("full-secret-1"), hcloud.WithRetryOpts(hcloud.RetryOpts{MaxRetries: 0}))
	var last *hcloud.Response
	for i := range 5 {
		_, resp, err := c.Zone.List(ctx, hcloud.ZoneListOpts{})
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		last = resp
	}
	if last.Meta.Ratelimit.Limit != 5 || last.Meta.Ratelimit.Remaining != 0 || last.Meta.Ratelimit.Reset.IsZero() {
		t.Fatalf("after 5 of 5: %+v", last.Meta.Ratelimit)
	}
	_, resp, err := c.Zone.List(ctx, hcloud.ZoneListOpts{})
	if !hcloud.IsError(err, hcloud.ErrorCodeRateLimitExceeded) || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the 6th request: %v", err)
	}
	// Another token has a bucket of its own.
	if _, err := h.client("reader-secret-2").Zone.All(ctx); err != nil {
		t.Fatalf("another token: %v", err)
	}
}
