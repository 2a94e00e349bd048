package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// pdnsCall sends a request to e's PowerDNS-compatible API with key, and
// returns its status and its body decoded into out.
func pdnsCall(t *testing.T, e *apiEnv, method, path, key, body string, out any) int {
	t.Helper()
	status, b := rawCall(strings.TrimSuffix(e.base, "/v1"), method, path, key, body)
	if status == 0 {
		t.Fatal(string(b))
	}
	if out != nil {
		json.Unmarshal(b, out)
	}
	return status
}

// TestThePowerDNSAPIsShapes: /api's discovery, the server, zones with
// their RRsets (filtered), a PATCH of REPLACE, EXTEND, PRUNE and DELETE as
// one change, a bad PATCH refused whole with 422 and PowerDNS's error
// body, 401 without the key, 404 for what it does not serve.
func TestThePowerDNSAPIsShapes(t *testing.T) {
	e := startAPI(t, "        token pdns-key-1\n        token narrow {\n            secret pdns-narrow-2\n            names _acme-challenge.*\n            types TXT\n        }\n", "store/example.org.zone")
	var versions []struct {
		URL     string
		Version int
	}
	if s := pdnsCall(t, e, "GET", "/api", "pdns-key-1", "", &versions); s != 200 || len(versions) != 1 || versions[0].URL != "/api/v1" {
		t.Errorf("GET /api: %d %v", s, versions)
	}
	var srv map[string]any
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost", "pdns-key-1", "", &srv); s != 200 || srv["id"] != "localhost" || srv["daemon_type"] != "authoritative" {
		t.Errorf("the server: %d %v", s, srv)
	}
	var zones []map[string]any
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/zones", "pdns-key-1", "", &zones); s != 200 || len(zones) != 1 || zones[0]["name"] != "example.org." || zones[0]["kind"] != "Native" {
		t.Errorf("zones: %d %v", s, zones)
	}
	patch := `{"rrsets":[
		{"name":"api.example.org.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.10","disabled":false},{"content":"192.0.2.11","disabled":false}]},
		{"name":"_acme-challenge.example.org.","type":"TXT","ttl":60,"changetype":"REPLACE","records":[{"content":"\"token-1\"","disabled":false}]},
		{"name":"www.example.org.","type":"A","ttl":3600,"changetype":"EXTEND","records":[{"content":"192.0.2.81","disabled":false}]}
	]}`
	if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-key-1", patch, nil); s != 204 {
		t.Fatalf("PATCH: %d", s)
	}
	if got := e.dig("api.example.org.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.10", "192.0.2.11"}) {
		t.Errorf("REPLACE: %v", got)
	}
	if got := e.dig("www.example.org.", dns.TypeA); len(got) != 2 {
		t.Errorf("EXTEND: %v", got)
	}
	var z struct {
		Serial int64
		RRsets []struct {
			Name, Type string
			TTL        int
			Records    []struct{ Content string }
		}
	}
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/zones/example.org.?rrset_name=_acme-challenge.example.org.&rrset_type=TXT", "pdns-key-1", "", &z); s != 200 || len(z.RRsets) != 1 || z.RRsets[0].Records[0].Content != `"token-1"` || z.RRsets[0].TTL != 60 {
		t.Errorf("a zone's RRset by name and type: %d %+v", s, z)
	}
	serial := z.Serial

	// One bad RRset: nothing of the PATCH is applied.
	bad := `{"rrsets":[{"name":"ok.example.org.","type":"A","ttl":60,"changetype":"REPLACE","records":[{"content":"192.0.2.5"}]},
		{"name":"bad.example.org.","type":"A","ttl":60,"changetype":"REPLACE","records":[{"content":"300.1.2.3"}]}]}`
	var perr struct{ Error string }
	if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-key-1", bad, &perr); s != 422 || !strings.Contains(perr.Error, "300.1.2.3") {
		t.Errorf("a bad PATCH: %d %q", s, perr.Error)
	}
	if got := e.dig("ok.example.org.", dns.TypeA); len(got) != 0 {
		t.Errorf("a refused PATCH applied a part: %v", got)
	}
	for _, body := range []string{
		`{"rrsets":[{"name":"x","type":"A","changetype":"REPLACE","records":[{"content":"192.0.2.1"}]}]}`,
		`{"rrsets":[{"name":"x.example.com.","type":"A","changetype":"REPLACE","records":[{"content":"192.0.2.1"}]}]}`,
		`{"rrsets":[{"name":"x.example.org.","type":"A","changetype":"MERGE","records":[{"content":"192.0.2.1"}]}]}`,
	} {
		if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-key-1", body, &perr); s != 422 || perr.Error == "" {
			t.Errorf("%s: %d %q", body, s, perr.Error)
		}
	}

	// A key's scope: outside it, 403 and nothing changed.
	outside := `{"rrsets":[{"name":"_acme-challenge.example.org.","type":"TXT","ttl":60,"changetype":"REPLACE","records":[{"content":"\"ok\""}]},
		{"name":"www.example.org.","type":"A","ttl":60,"changetype":"REPLACE","records":[{"content":"192.0.2.66"}]}]}`
	if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-narrow-2", outside, &perr); s != 403 {
		t.Errorf("a PATCH outside the key's scope: %d %q", s, perr.Error)
	}
	if got := e.dig("www.example.org.", dns.TypeA); slices.Contains(got, "192.0.2.66") {
		t.Errorf("a PATCH outside the key's scope changed www: %v", got)
	}

	// PRUNE and DELETE.
	if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-key-1", `{"rrsets":[
		{"name":"www.example.org.","type":"A","changetype":"PRUNE","records":[{"content":"192.0.2.81"}]},
		{"name":"_acme-challenge.example.org.","type":"TXT","changetype":"DELETE"}]}`, nil); s != 204 {
		t.Errorf("PRUNE and DELETE: %d", s)
	}
	if got := e.dig("www.example.org.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.80"}) {
		t.Errorf("PRUNE: %v", got)
	}
	if got := e.dig("_acme-challenge.example.org.", dns.TypeTXT); len(got) != 0 {
		t.Errorf("DELETE: %v", got)
	}
	var after struct {
		Serial int64
		RRsets []any
	}
	pdnsCall(t, e, "GET", "/api/v1/servers/localhost/zones/example.org.?rrsets=false", "pdns-key-1", "", &after)
	if after.Serial != serial+1 || after.RRsets != nil {
		t.Errorf("one change a PATCH: serial %d after %d, rrsets %v", after.Serial, serial, after.RRsets)
	}

	// search-data: by name and by content, with wildcards, in any case.
	var found []map[string]any
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/search-data?q=API.*&max=10", "pdns-key-1", "", &found); s != 200 || len(found) != 2 || found[0]["type"] != "A" || found[0]["zone"] != "example.org." {
		t.Errorf("search by name: %d %v", s, found)
	}
	found = nil
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/search-data?q=192.0.2.1?&object_type=record", "pdns-key-1", "", &found); s != 200 || len(found) != 2 {
		t.Errorf("search by content: %d %v", s, found)
	}
	found = nil
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/search-data?q=example.org.&object_type=zone", "pdns-key-1", "", &found); s != 200 || len(found) != 1 || found[0]["object_type"] != "zone" {
		t.Errorf("search for a zone: %d %v", s, found)
	}
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/search-data", "pdns-key-1", "", &perr); s != 422 {
		t.Errorf("search without q: %d %q", s, perr.Error)
	}

	// A zone made as octoDNS makes one, and deleted as Terraform deletes one.
	create := `{"name":"made.example.","kind":"Native","soa_edit_api":"INCEPTION-INCREMENT","nameservers":["ns1.made.example."],
		"rrsets":[{"name":"ns1.made.example.","type":"A","ttl":300,"records":[{"content":"192.0.2.53","disabled":false}]}]}`
	var made map[string]any
	if s := pdnsCall(t, e, "POST", "/api/v1/servers/localhost/zones", "pdns-key-1", create, &made); s != 201 || made["name"] != "made.example." {
		t.Errorf("create a zone: %d %v", s, made)
	}
	if got := e.dig("ns1.made.example.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.53"}) {
		t.Errorf("the zone made: %v", got)
	}
	if got := e.dig("made.example.", dns.TypeNS); !slices.Equal(got, []string{"ns1.made.example."}) {
		t.Errorf("the zone made's NS: %v", got)
	}
	if s := pdnsCall(t, e, "POST", "/api/v1/servers/localhost/zones", "pdns-key-1", create, &perr); s != 409 || !strings.Contains(perr.Error, "already exists") {
		t.Errorf("create it again: %d %q", s, perr.Error)
	}
	if s := pdnsCall(t, e, "DELETE", "/api/v1/servers/localhost/zones/made.example.", "pdns-key-1", "", nil); s != 204 {
		t.Errorf("delete the zone: %d", s)
	}
	if s := pdnsCall(t, e, "DELETE", "/api/v1/servers/localhost/zones/made.example.", "pdns-key-1", "", &perr); s != 404 {
		t.Errorf("delete it again: %d %q", s, perr.Error)
	}

	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/zones", "", "", &perr); s != 401 || perr.Error == "" {
		t.Errorf("without the key: %d %q", s, perr.Error)
	}
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/zones/nosuch.example.", "pdns-key-1", "", &perr); s != 404 || !strings.Contains(perr.Error, "nosuch.example.") {
		t.Errorf("a zone that is not there: %d %q", s, perr.Error)
	}
	if s := pdnsCall(t, e, "GET", "/api/v1/servers/localhost/cryptokeys", "pdns-key-1", "", &perr); s != 404 || perr.Error != "Not Found" {
		t.Errorf("what is not served: %d %q", s, perr.Error)
	}
}

// TestPowerDNSZoneSettingsAndAlias: PUT of a zone's settings answers 204
// for the settings this server keeps and ignores RRsets and other fields,
// as PowerDNS does; what it cannot honour is a clear 422. An ALIAS RRset
// (external-dns's apex hostname) is refused whole with a message saying
// what to send instead; a PATCH of a whole zone object, as external-dns
// sends it, has its other fields ignored.
func TestPowerDNSZoneSettingsAndAlias(t *testing.T) {
	e := startAPI(t, "        token pdns-key-1\n", "store/example.org.zone")
	zonePath := "/api/v1/servers/localhost/zones/example.org."
	var before map[string]any
	pdnsCall(t, e, "GET", zonePath, "pdns-key-1", "", &before)
	if s := pdnsCall(t, e, "PUT", zonePath, "pdns-key-1", `{"kind":"Native","soa_edit_api":"DEFAULT","api_rectify":true,"rrsets":[{"name":"x.example.org.","type":"A","changetype":"REPLACE","ttl":1,"records":[{"content":"192.0.2.9"}]}]}`, nil); s != 204 {
		t.Errorf("PUT of the kept settings: %d, want 204", s)
	}
	for _, body := range []string{`{"kind":"Slave","masters":["192.0.2.1"]}`, `{"soa_edit_api":"EPOCH"}`, `{"dnssec":true}`, `{"account":"team"}`} {
		var out map[string]string
		if s := pdnsCall(t, e, "PUT", zonePath, "pdns-key-1", body, &out); s != 422 || out["error"] == "" {
			t.Errorf("PUT %s: %d %v, want 422 with an error", body, s, out)
		}
	}
	// octoDNS makes a missing zone so, after reading the server's version.
	var made map[string]any
	if s := pdnsCall(t, e, "POST", "/api/v1/servers/localhost/zones", "pdns-key-1", `{"name":"octo.example.","kind":"Master","rrsets":[],"soa_edit_api":"INCREASE","serial":7}`, &made); s != 201 || made["name"] != "octo.example." {
		t.Errorf("octoDNS's zone create: %d %v", s, made)
	}
	if got := e.dig("octo.example.", dns.TypeSOA); len(got) != 1 {
		t.Errorf("the zone octoDNS made has no SOA: %v", got)
	}
	if s := pdnsCall(t, e, "PUT", "/api/v1/servers/localhost/zones/nosuch.test.", "pdns-key-1", `{"kind":"Native"}`, nil); s != 404 {
		t.Errorf("PUT of a missing zone: %d, want 404", s)
	}
	var out map[string]string
	alias := `{"id":"example.org.","name":"example.org.","kind":"Native","rrsets":[
		{"name":"edge.example.org.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.20","disabled":false}]},
		{"name":"example.org.","type":"ALIAS","ttl":300,"changetype":"REPLACE","records":[{"content":"lb.example.net.","disabled":false}]}]}`
	if s := pdnsCall(t, e, "PATCH", zonePath, "pdns-key-1", alias, &out); s != 422 || !strings.Contains(out["error"], "ALIAS is not served here") {
		t.Errorf("an ALIAS: %d %v, want 422 saying why", s, out)
	}
	if got := e.dig("edge.example.org.", dns.TypeA); len(got) != 0 {
		t.Errorf("the A beside the refused ALIAS was applied: %v", got)
	}
	var after map[string]any
	pdnsCall(t, e, "GET", zonePath, "pdns-key-1", "", &after)
	if after["serial"] != before["serial"] {
		t.Errorf("the serial moved from %v to %v with nothing changed", before["serial"], after["serial"])
	}
	whole := strings.Replace(alias, `"type":"ALIAS"`, `"type":"TXT"`, 1)
	whole = strings.Replace(whole, `"lb.example.net."`, `"\"v=1\""`, 1)
	if s := pdnsCall(t, e, "PATCH", zonePath, "pdns-key-1", whole, nil); s != 204 || !slices.Equal(e.dig("edge.example.org.", dns.TypeA), []string{"192.0.2.20"}) {
		t.Errorf("a whole zone object as PATCH: %d, edge %v", s, e.dig("edge.example.org.", dns.TypeA))
	}
}

// TestAPowerDNSPatchIsOneChangeEverywhere: a PATCH of two RRsets through
// /api is one change: the serial rises, a Knot secondary serves
// both RRsets at once (NOTIFY, not its refresh timer), and the zone's
// history has one new commit naming the operation and the key's token.
func TestAPowerDNSPatchIsOneChangeEverywhere(t *testing.T) {
	knotPort, apiPort := freePort(t), freePort(t)
	dir := copyZones(t, "api/example.org.zone")
	corefile := fmt.Sprintf(".:{PORT} {\n    bind 127.0.0.1\n    transfer {\n        to 127.0.0.1:%d\n    }\n    zoneapi %s {\n        listen 127.0.0.1:%d\n        token pdns-key-9\n        git\n    }\n}\n", knotPort, dir, apiPort)
	primary := startCoreDNS(t, corefile, "example.org.")
	knot := startKnotSecondary(t, knotPort, primary.addr)
	e := &apiEnv{t: t, srv: primary, base: fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort), dir: dir}
	waitHealthy(t, e.base)
	serial := soaSerial(t, primary.addr)
	eventually(t, 5*time.Second, "the first commit", func() bool { return git(t, dir, "log", "--format=%H") != "" })
	commits := strings.Count(git(t, dir, "log", "--format=%H", "--", "example.org.zone"), "\n")
	patch := `{"rrsets":[
		{"name":"pa.example.org.","type":"A","ttl":300,"changetype":"REPLACE","records":[{"content":"192.0.2.31","disabled":false}]},
		{"name":"pb.example.org.","type":"TXT","ttl":300,"changetype":"REPLACE","records":[{"content":"\"b\"","disabled":false}]}]}`
	if s := pdnsCall(t, e, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "pdns-key-9", patch, nil); s != 204 {
		t.Fatalf("PATCH: %d", s)
	}
	if got := soaSerial(t, primary.addr); got <= serial {
		t.Errorf("the serial went from %d to %d, want it raised", serial, got)
	}
	waitFor(t, 2*time.Second, "Knot serves both RRsets", func() bool {
		a := new(dns.Msg).SetQuestion("pa.example.org.", dns.TypeA)
		b := new(dns.Msg).SetQuestion("pb.example.org.", dns.TypeTXT)
		ra, _, err1 := (&dns.Client{Timeout: time.Second}).Exchange(a, knot.addr)
		rb, _, err2 := (&dns.Client{Timeout: time.Second}).Exchange(b, knot.addr)
		return err1 == nil && err2 == nil && len(ra.Answer) == 1 && len(rb.Answer) == 1
	})
	var last string
	eventually(t, 5*time.Second, "the PATCH's commit", func() bool {
		last = git(t, dir, "log", "-1", "--format=%B", "--", "example.org.zone")
		return strings.Contains(last, "Operation: powerdns:patchZone")
	})
	if n := strings.Count(git(t, dir, "log", "--format=%H", "--", "example.org.zone"), "\n"); n != commits+1 {
		t.Errorf("%d commits for the PATCH, want 1", n-commits)
	}
	if !strings.Contains(last, "Token: token1") {
		t.Errorf("the commit does not name the token:\n%s", last)
	}
}
