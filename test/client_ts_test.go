package test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// tsTool runs a tool of test/js's node_modules/.bin in test/js.
func tsTool(t *testing.T, tool string, args ...string) {
	t.Helper()
	nodeScript(t, "--version") // node and test/js/node_modules are there
	dir := filepath.Join(repoRoot(t), "test", "js")
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", tool), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

// TestATypeScriptClientAsGenerated: a TypeScript client generated from
// openapi.yaml with openapi-typescript's defaults type-checks the README's
// request bodies (no ttl, no dry_run, no id) and the answers' fields (id
// and ttl always there) under tsc --strict, and drives the binary through
// openapi-fetch: a zone made, a record added (201 with its Location), a
// patch, a filtered list and a bad value's problem.
func TestATypeScriptClientAsGenerated(t *testing.T) {
	tsTool(t, "openapi-typescript", "../../openapi.yaml", "-o", "gen/openapi.d.ts")
	tsTool(t, "tsc", "-p", ".", "--noEmit")
	tsTool(t, "tsc", "-p", ".")
	e := startAPI(t, "        token ts-secret-1\n", "store/example.org.zone")
	out := nodeScript(t, "gen/out/scenario.js", e.base, "ts-secret-1")
	var got struct {
		CreateZone struct {
			Status int
			Name   string
			Serial int64
		}
		UpsertRecord struct {
			Status   int
			ID       string
			TTL      int
			Location string
		}
		PatchZone struct {
			Status   int
			Added    []string
			Warnings []string
		}
		DanglingTargets struct {
			Status   int
			Warnings []string
		}
		GetZoneRecords struct {
			Status int
			Names  []string
		}
		BadValue struct {
			Status  int
			Code    string
			Pointer string
		}
		ListZones []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if c := got.CreateZone; c.Status != 201 || c.Name != "ts.test" || c.Serial == 0 {
		t.Errorf("createZone: %+v", c)
	}
	if u := got.UpsertRecord; u.Status != 201 || len(u.ID) != 16 || u.TTL != 3600 || u.Location != "/v1/zones/ts.test/records/"+u.ID {
		t.Errorf("upsertRecord: %+v", u)
	}
	if p := got.PatchZone; p.Status != 200 || !slices.Contains(p.Added, "@ MX 10 mail.ts.test. 3600") || !slices.Contains(p.Added, "mail A 192.0.2.25 3600") {
		t.Errorf("patchZone: %+v", p)
	}
	if p := got.PatchZone; len(p.Warnings) != 0 {
		t.Errorf("warnings for targets that have their address: %v", p.Warnings)
	}
	if d := got.DanglingTargets; d.Status != 200 || !slices.Equal(d.Warnings, []string{
		"the MX at @ names backup.ts.test., which has no A or AAAA record in the zone",
		"the CNAME at docs points to nowhere.ts.test., which has no records in the zone",
	}) {
		t.Errorf("targets without an address: %+v", d)
	}
	if g := got.GetZoneRecords; g.Status != 200 || !slices.Equal(g.Names, []string{"mail", "www"}) {
		t.Errorf("getZoneRecords: %+v", g)
	}
	if b := got.BadValue; b.Status != 422 || b.Code != "bad-value" || b.Pointer != "/value" {
		t.Errorf("a bad value: %+v", b)
	}
	if !slices.Contains(got.ListZones, "ts.test 7") || !slices.ContainsFunc(got.ListZones, func(s string) bool { return strings.HasPrefix(s, "example.org ") }) {
		t.Errorf("listZones: %v", got.ListZones)
	}
	if a := e.dig("www.ts.test.", dns.TypeA); !slices.Equal(a, []string{"192.0.2.10"}) {
		t.Errorf("DNS answers %v", a)
	}
}
