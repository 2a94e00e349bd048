package test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/test/client"
	"gopkg.in/yaml.v3"
)

func ptr[T any](v T) *T { return &v }

// TestEveryOperationOverHTTP drives every operation of openapi.yaml through
// the generated client against bin/coredns, checks each effect over DNS and
// in the store, and every response against openapi.yaml.
func TestEveryOperationOverHTTP(t *testing.T) {
	e := startAPI(t, "        git\n", "store/example.org.zone")
	ctx := context.Background()

	// createZone, with records and a default SOA.
	cz, err := e.c.CreateZoneWithResponse(ctx, &client.CreateZoneParams{}, client.ZoneInput{Name: "Example.NET.", Records: &[]client.DNSRecordInput{
		{Type: "A", Name: "www", Value: "192.0.2.10", Ttl: ptr(300)},
		{Type: "MX", Name: "@", Value: "10 mail"},
	}})
	if err != nil || cz.StatusCode() != http.StatusCreated {
		t.Fatalf("createZone: %v %s", err, cz.Body)
	}
	if cz.JSON201.Name != "example.net" || cz.JSON201.RecordsCount != 4 {
		t.Errorf("createZone: %+v", cz.JSON201)
	}
	if got := e.dig("www.example.net.", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.10" {
		t.Errorf("new zone not served: %v", got)
	}
	if !strings.Contains(e.storeFile("example.net"), "www\t300\tIN\tA\t192.0.2.10") {
		t.Errorf("new zone not in the store:\n%s", e.storeFile("example.net"))
	}

	// listZones and getZone.
	lz, _ := e.c.ListZonesWithResponse(ctx, &client.ListZonesParams{})
	if lz.StatusCode() != 200 || len(*lz.JSON200) != 2 {
		t.Errorf("listZones: %s", lz.Body)
	}
	gz, _ := e.c.GetZoneWithResponse(ctx, "example.org")
	if gz.StatusCode() != 200 || gz.JSON200.RecordsCount != len(*gz.JSON200.Records) {
		t.Errorf("getZone: %s", gz.Body)
	}
	etag := gz.HTTPResponse.Header.Get("ETag")

	// upsertRecord: add (201, Location), then the same again only sets the
	// TTL (200).
	up, _ := e.c.UpsertRecordWithResponse(ctx, "example.org.", &client.UpsertRecordParams{IfMatch: &etag}, client.DNSRecordInput{Type: "TXT", Name: "note", Value: "hello world; with a semicolon", Ttl: ptr(120)})
	if up.StatusCode() != 201 || up.HTTPResponse.Header.Get("Location") != "/v1/zones/example.org/records/"+up.JSON201.Id {
		t.Fatalf("upsertRecord adding: want 201 with Location, got %d %v %s", up.StatusCode(), up.HTTPResponse.Header, up.Body)
	}
	id := up.JSON201.Id
	if got, _ := e.c.GetRecordWithResponse(ctx, "example.org", id); got.StatusCode() != 200 || got.JSON200.Value != `"hello world; with a semicolon"` {
		t.Errorf("the Location of the record added: %s", got.Body)
	}
	up2, _ := e.c.UpsertRecordWithResponse(ctx, "EXAMPLE.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "TXT", Name: "note.example.org.", Value: "hello world; with a semicolon", Ttl: ptr(60)})
	if up2.StatusCode() != 200 || up2.JSON200.Id != id || up2.JSON200.Ttl != 60 {
		t.Errorf("upsert again: want the same id with TTL 60, got %s", up2.Body)
	}
	if got := e.dig("note.example.org.", dns.TypeTXT); len(got) != 1 || got[0] != `"hello world; with a semicolon"` {
		t.Errorf("TXT over DNS: %v", got)
	}
	// A stale If-Match is refused.
	stale, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{IfMatch: &etag}, client.DNSRecordInput{Type: "A", Name: "x", Value: "192.0.2.1"})
	if stale.StatusCode() != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: want 412, got %d", stale.StatusCode())
	}

	// getZoneRecords with filters, getRecord.
	gr, _ := e.c.GetZoneRecordsWithResponse(ctx, "example.org", &client.GetZoneRecordsParams{Name: ptr("note"), Type: ptr("TXT")})
	if gr.StatusCode() != 200 || len(*gr.JSON200) != 1 || (*gr.JSON200)[0].Id != id {
		t.Errorf("getZoneRecords filtered: %s", gr.Body)
	}
	g1, _ := e.c.GetRecordWithResponse(ctx, "example.org", id)
	if g1.StatusCode() != 200 || g1.JSON200.Name != "note" {
		t.Errorf("getRecord: %s", g1.Body)
	}

	// updateRecord gives the record a new value, and so a new id.
	ur, _ := e.c.UpdateRecordWithResponse(ctx, "example.org", id, &client.UpdateRecordParams{}, client.DNSRecordInput{Type: "TXT", Name: "note", Value: "updated"})
	if ur.StatusCode() != 200 || ur.JSON200.Id == id {
		t.Errorf("updateRecord: %s", ur.Body)
	}
	id = ur.JSON200.Id

	// RRsets.
	rs, _ := e.c.ReplaceRRsetWithResponse(ctx, "example.org", "www", "A", &client.ReplaceRRsetParams{}, client.RRsetInput{Ttl: ptr(90), Values: []string{"192.0.2.81", "192.0.2.80"}})
	if rs.StatusCode() != 200 || len(rs.JSON200.Values) != 2 || rs.JSON200.Ttl != 90 {
		t.Errorf("replaceRRset: %s", rs.Body)
	}
	got := e.dig("www.example.org.", dns.TypeA)
	sort.Strings(got)
	if strings.Join(got, ",") != "192.0.2.80,192.0.2.81" {
		t.Errorf("RRset over DNS: %v", got)
	}
	gs, _ := e.c.GetRRsetWithResponse(ctx, "example.org", "www", "A")
	if gs.StatusCode() != 200 || len(gs.JSON200.Values) != 2 {
		t.Errorf("getRRset: %s", gs.Body)
	}

	// patchZone: a dry run changes nothing; the real one applies all at once.
	before := e.storeFile("example.org")
	changes := []client.Change{
		{Op: client.Add, Name: "api", Type: "A", Value: ptr("192.0.2.55")},
		{Op: client.DeleteRrset, Name: "www", Type: "A"},
	}
	dry, _ := e.c.PatchZoneWithResponse(ctx, "example.org", &client.PatchZoneParams{}, client.ZonePatch{DryRun: ptr(true), Changes: changes})
	if dry.StatusCode() != 200 || dry.JSON200.Applied || len(dry.JSON200.Removed) != 3 || e.storeFile("example.org") != before {
		t.Errorf("dry run: %s", dry.Body)
	}
	pz, _ := e.c.PatchZoneWithResponse(ctx, "example.org", &client.PatchZoneParams{IdempotencyKey: ptr("k1")}, client.ZonePatch{Changes: changes})
	if pz.StatusCode() != 200 || !pz.JSON200.Applied {
		t.Fatalf("patchZone: %s", pz.Body)
	}
	if len(e.dig("www.example.org.", dns.TypeA)) != 0 || len(e.dig("api.example.org.", dns.TypeA)) != 1 {
		t.Errorf("patch not served")
	}
	// The same Idempotency-Key replays the first answer, applying nothing.
	again, _ := e.c.PatchZoneWithResponse(ctx, "example.org", &client.PatchZoneParams{IdempotencyKey: ptr("k1")}, client.ZonePatch{Changes: changes})
	if again.StatusCode() != 200 || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" || again.JSON200.Serial != pz.JSON200.Serial {
		t.Errorf("idempotent retry: %d %s", again.StatusCode(), again.Body)
	}

	// deleteRRset, deleteRecord (query), deleteRecordById (path).
	if r, _ := e.c.DeleteRRsetWithResponse(ctx, "example.org", "api", "A", &client.DeleteRRsetParams{}); r.StatusCode() != 204 {
		t.Errorf("deleteRRset: %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := e.c.DeleteRecordWithResponse(ctx, "example.org", &client.DeleteRecordParams{RecordId: id}); r.StatusCode() != 204 {
		t.Errorf("deleteRecord: %d %s", r.StatusCode(), r.Body)
	}
	mx, _ := e.c.GetZoneRecordsWithResponse(ctx, "example.net", &client.GetZoneRecordsParams{Type: ptr("MX")})
	if r, _ := e.c.DeleteRecordByIdWithResponse(ctx, "example.net", (*mx.JSON200)[0].Id, &client.DeleteRecordByIdParams{}); r.StatusCode() != 204 {
		t.Errorf("deleteRecordById: %d %s", r.StatusCode(), r.Body)
	}

	// exportZone gives the store's bytes, once the journal is compacted;
	// importZone replaces the zone.
	e.waitCompacted("example.org")
	ex, _ := e.c.ExportZoneWithResponse(ctx, "example.org", &client.ExportZoneParams{})
	if ex.StatusCode() != 200 || string(ex.Body) != e.storeFile("example.org") {
		t.Errorf("exportZone differs from the store file")
	}
	im, _ := e.c.ImportZoneWithBodyWithResponse(ctx, "example.org", &client.ImportZoneParams{}, "text/dns",
		strings.NewReader("@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\nimported IN A 192.0.2.77\n"))
	if im.StatusCode() != 200 || im.JSON200.RecordsCount != 4 || im.JSON200.Serial <= 1 {
		t.Errorf("importZone: %s", im.Body)
	}
	if got := e.dig("imported.example.org.", dns.TypeA); len(got) != 1 {
		t.Errorf("imported record not served")
	}
	// importZone of a zone that is not there: 201 with its Location, the
	// file's serial kept.
	in, _ := e.c.ImportZoneWithBodyWithResponse(ctx, "imported.test", &client.ImportZoneParams{}, "text/dns",
		strings.NewReader("@ 3600 IN SOA ns1 hostmaster 2020020202 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"))
	if in.StatusCode() != 201 || in.JSON201.Serial != 2020020202 || in.HTTPResponse.Header.Get("Location") != "/v1/zones/imported.test" {
		t.Errorf("importZone creating a zone: %d %v %s", in.StatusCode(), in.HTTPResponse.Header, in.Body)
	}
	if r, _ := e.c.DeleteZoneWithResponse(ctx, "imported.test", &client.DeleteZoneParams{}); r.StatusCode() != 204 {
		t.Errorf("deleteZone of the imported zone: %d", r.StatusCode())
	}

	// reloadZone after an out-of-band edit with a lower serial: bumped.
	e.waitCompacted("example.org")
	edited := editSerial(t, e.storeFile("example.org"), "1")
	edited = strings.Replace(edited, "imported\t", "edited\t", 1)
	writeFile(t, e.dir+"/example.org.zone", edited)
	rl, _ := e.c.ReloadZoneWithResponse(ctx, "example.org", &client.ReloadZoneParams{})
	if rl.StatusCode() != 202 || !rl.JSON202.SerialBumped || *rl.JSON202.FileSerial != 1 {
		t.Errorf("reloadZone: %s", rl.Body)
	}
	if len(e.dig("edited.example.org.", dns.TypeA)) != 1 {
		t.Errorf("reloaded zone not served")
	}
	ra, _ := e.c.ReloadAllZonesWithResponse(ctx, &client.ReloadAllZonesParams{})
	if ra.StatusCode() != 202 || len(ra.JSON202.Reloaded) != 2 {
		t.Errorf("reloadAllZones: %s", ra.Body)
	}

	// ACME httpreq, default body, then cleanup.
	pr, _ := e.c.AcmePresentWithResponse(ctx, &client.AcmePresentParams{}, client.AcmeRequest{Fqdn: ptr("_acme-challenge.example.org."), Value: ptr("abc123")})
	if pr.StatusCode() != 200 || len(e.dig("_acme-challenge.example.org.", dns.TypeTXT)) != 1 {
		t.Errorf("acmePresent: %d %s", pr.StatusCode(), pr.Body)
	}
	cl, _ := e.c.AcmeCleanupWithResponse(ctx, client.AcmeRequest{Fqdn: ptr("_acme-challenge.example.org."), Value: ptr("abc123")})
	if cl.StatusCode() != 200 || len(e.dig("_acme-challenge.example.org.", dns.TypeTXT)) != 0 {
		t.Errorf("acmeCleanup: %d %s", cl.StatusCode(), cl.Body)
	}

	// getPropagation: no secondaries are configured here.
	if r, _ := e.c.GetPropagationWithResponse(ctx, "example.org"); r.StatusCode() != 200 || len(r.JSON200.Secondaries) != 0 {
		t.Errorf("getPropagation: %s", r.Body)
	}

	// The history: one revision per change to example.org (11) and the
	// startup commit; the stale If-Match, the dry run, the idempotent retry
	// and the reload that changed nothing made none.
	e.waitCommitted()
	if r, _ := e.c.GetGitStatusWithResponse(ctx); r.StatusCode() != 200 || !r.JSON200.Enabled || r.JSON200.PendingCommits != 0 || r.JSON200.Remote != nil {
		t.Errorf("getGitStatus: %s", r.Body)
	}
	lr, _ := e.c.ListZoneRevisionsWithResponse(ctx, "example.org", &client.ListZoneRevisionsParams{Limit: ptr(100)})
	if lr.StatusCode() != 200 || len(lr.JSON200.Revisions) != 12 || lr.JSON200.Next != nil {
		t.Fatalf("listZoneRevisions: want 12 revisions, got %s", lr.Body)
	}
	revs := lr.JSON200.Revisions
	var ops []string
	for _, r := range revs {
		ops = append(ops, *r.Operation)
	}
	if want := "acmeCleanup acmePresent reloadZone importZone deleteRecord deleteRRset patchZone replaceRRset updateRecord upsertRecord upsertRecord startup"; strings.Join(ops, " ") != want {
		t.Errorf("revisions, newest first:\n got %s\nwant %s", strings.Join(ops, " "), want)
	}
	first := revs[len(revs)-2] // the first upsert: the TXT record with TTL 120
	rv, _ := e.c.GetZoneRevisionWithResponse(ctx, "example.org", first.Id)
	if rv.StatusCode() != 200 || len(rv.JSON200.Added) != 2 || rv.JSON200.Added[1].Value != `"hello world; with a semicolon"` || !strings.Contains(rv.JSON200.Patch, "+note\t120\tIN\tTXT") {
		t.Errorf("getZoneRevision: %s", rv.Body)
	}
	serial := *revs[0].Serial
	rz, _ := e.c.RevertZoneWithResponse(ctx, "example.org", first.Id, &client.RevertZoneParams{XChangeReason: ptr("back to the first upsert")})
	if rz.StatusCode() != 200 || rz.JSON200.Serial <= serial {
		t.Fatalf("revertZone: %s", rz.Body)
	}
	if got := e.dig("note.example.org.", dns.TypeTXT); len(got) != 1 || got[0] != `"hello world; with a semicolon"` {
		t.Errorf("reverted TXT over DNS: %v", got)
	}
	if got := e.dig("www.example.org.", dns.TypeA); len(got) != 1 || got[0] != "192.0.2.80" {
		t.Errorf("reverted www over DNS: %v", got)
	}
	e.waitCommitted()
	lr, _ = e.c.ListZoneRevisionsWithResponse(ctx, "example.org", &client.ListZoneRevisionsParams{Limit: ptr(1)})
	if r := lr.JSON200.Revisions[0]; *r.Operation != "revertZone" || *r.Reason != "back to the first upsert" || *r.Serial != rz.JSON200.Serial || lr.JSON200.Next == nil {
		t.Errorf("the revert's revision: %s", lr.Body)
	}
	// The same revert again: the zone is as it was, so nothing changes,
	// neither the serial nor the history.
	reverted, _ := e.c.RevertZoneWithResponse(ctx, "example.org", first.Id, &client.RevertZoneParams{})
	if reverted.StatusCode() != 200 || reverted.JSON200.Applied || reverted.JSON200.Serial != rz.JSON200.Serial || len(reverted.JSON200.Added)+len(reverted.JSON200.Removed) != 0 || len(reverted.JSON200.Warnings) != 1 {
		t.Errorf("the same revert again: %s", reverted.Body)
	}
	e.waitCommitted()
	if lr2, _ := e.c.ListZoneRevisionsWithResponse(ctx, "example.org", &client.ListZoneRevisionsParams{Limit: ptr(1)}); lr2.JSON200.Revisions[0].Id != lr.JSON200.Revisions[0].Id {
		t.Errorf("the same revert again made a commit: %s", lr2.Body)
	}
	if r, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{}); r.StatusCode() != http.StatusConflict || r.ApplicationproblemJSON409.Code != "no-remote" {
		t.Errorf("pullGit without a remote: %d %s", r.StatusCode(), r.Body)
	}

	// deleteZone, health, the document.
	if r, _ := e.c.DeleteZoneWithResponse(ctx, "example.net", &client.DeleteZoneParams{}); r.StatusCode() != 204 {
		t.Errorf("deleteZone: %d %s", r.StatusCode(), r.Body)
	}
	if r := e.dig("www.example.net.", dns.TypeA); r != nil {
		t.Errorf("deleted zone still served: %v", r)
	}
	if h, _ := e.c.GetHealthWithResponse(ctx); h.StatusCode() != 200 || h.JSON200.Zones != 1 {
		t.Errorf("getHealth: %s", h.Body)
	}
	d, err := e.c.GetOpenAPI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(d.Body)
	if d.StatusCode != 200 || string(body) != string(spec.OpenAPI) {
		t.Errorf("getOpenAPI does not serve openapi.yaml")
	}

	// DNSSEC: off, on (the zone signed when the answer comes), off again.
	if d, _ := e.c.GetZoneDnssecWithResponse(ctx, "example.org"); d.StatusCode() != 200 || d.JSON200.Enabled || len(d.JSON200.Keys) != 0 {
		t.Errorf("getZoneDnssec of an unsigned zone: %s", d.Body)
	}
	if d, _ := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true}); d.StatusCode() != 200 || !d.JSON200.Enabled || len(d.JSON200.Ds) != 1 {
		t.Errorf("setZoneDnssec on: %d %s", d.StatusCode(), d.Body)
	}
	if sigs := e.digDO("www.example.org", dns.TypeA); len(sigs) == 0 {
		t.Errorf("no RRSIG with DO once signed")
	}
	zsk := client.DnssecKeyInputRoleZsk
	if k, _ := e.c.AddZoneKeyWithResponse(ctx, "example.org", &client.AddZoneKeyParams{}, client.DnssecKeyInput{Role: &zsk}); k.StatusCode() != 201 || len(k.JSON201.Keys) != 2 {
		t.Errorf("addZoneKey: %d %s", k.StatusCode(), k.Body)
	} else if d, _ := e.c.DeleteZoneKeyWithResponse(ctx, "example.org", k.JSON201.Keys[1].Tag, &client.DeleteZoneKeyParams{}); d.StatusCode() != 200 || len(d.JSON200.Keys) != 1 {
		t.Errorf("deleteZoneKey: %d %s", d.StatusCode(), d.Body)
	} else if r, _ := e.c.RollZoneKeyWithResponse(ctx, "example.org", d.JSON200.Keys[0].Tag, &client.RollZoneKeyParams{}); r.StatusCode() != 200 || len(r.JSON200.Keys) != 2 {
		t.Errorf("rollZoneKey: %d %s", r.StatusCode(), r.Body)
	} else if s, _ := e.c.SubmitZoneKeyWithResponse(ctx, "example.org", r.JSON200.Keys[1].Tag, &client.SubmitZoneKeyParams{}); s.StatusCode() != 422 {
		t.Errorf("submitZoneKey of a key that is only published: %d %s", s.StatusCode(), s.Body)
	}
	// Without a Corefile token the API makes none (TestTokensMadeThroughTheAPI has the rest).
	if c, _ := e.c.CreateTokenWithResponse(ctx, client.TokenInput{Name: "agent"}); c.StatusCode() != 409 {
		t.Errorf("createToken without a Corefile token: %d %s", c.StatusCode(), c.Body)
	}
	if l, _ := e.c.ListTokensWithResponse(ctx); l.StatusCode() != 409 {
		t.Errorf("listTokens without a Corefile token: %d %s", l.StatusCode(), l.Body)
	}
	if r, _ := e.c.RevokeTokenWithResponse(ctx, "0123456789abcdef"); r.StatusCode() != 409 {
		t.Errorf("revokeToken without a Corefile token: %d %s", r.StatusCode(), r.Body)
	}
	if d, _ := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: false}); d.StatusCode() != 200 || d.JSON200.Enabled {
		t.Errorf("setZoneDnssec off: %d %s", d.StatusCode(), d.Body)
	}
	if sigs := e.digDO("www.example.org", dns.TypeA); len(sigs) != 0 {
		t.Errorf("RRSIGs after signing stopped: %v", sigs)
	}

	// convertZone: to YAML and back, the records as they were.
	for _, f := range []client.ZoneFormat{client.ZoneFormatYaml, client.ZoneFormatZone} {
		cv, _ := e.c.ConvertZoneWithResponse(ctx, "example.org", &client.ConvertZoneParams{}, client.ConvertZoneJSONRequestBody{Format: f})
		if cv.StatusCode() != 200 || *cv.JSON200.Format != f {
			t.Errorf("convertZone to %s: %d %s", f, cv.StatusCode(), cv.Body)
		}
		if _, err := os.Stat(filepath.Join(e.dir, "example.org."+string(f))); err != nil {
			t.Errorf("no file of format %s: %v", f, err)
		}
	}
	if got := e.dig("www.example.org.", dns.TypeA); len(got) != 1 {
		t.Errorf("www after two conversions: %v", got)
	}

	// Without a hetzner block the mirror is off: its state says so, and
	// its operations answer mirror-disabled.
	if m, _ := e.c.GetMirrorStatusWithResponse(ctx); m.StatusCode() != 200 || m.JSON200.Enabled || len(m.JSON200.Zones) != 0 {
		t.Errorf("getMirrorStatus without a mirror: %s", m.Body)
	}
	if r, _ := e.c.SyncMirrorWithResponse(ctx, nil); r.StatusCode() != 409 || !strings.Contains(string(r.Body), "mirror-disabled") {
		t.Errorf("syncMirror without a mirror: %d %s", r.StatusCode(), r.Body)
	}
	if r, _ := e.c.ResolveMirrorConflictWithResponse(ctx, "example.org", client.MirrorResolution{Rrset: "www/A", Keep: client.Local}); r.StatusCode() != 409 {
		t.Errorf("resolveMirrorConflict without a mirror: %d %s", r.StatusCode(), r.Body)
	}

	// Every operation of the document was exercised.
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
		} `yaml:"paths"`
	}
	yaml.Unmarshal(spec.OpenAPI, &doc)
	for _, ops := range doc.Paths {
		for _, op := range ops {
			if op.OperationID != "" && !e.doer.seen[op.OperationID] {
				t.Errorf("operation %s was not exercised", op.OperationID)
			}
		}
	}
}

// TestHeadIsGetWithoutTheBody: HEAD reads a zone's ETag and status
// without its records.
func TestHeadIsGetWithoutTheBody(t *testing.T) {
	e := startAPI(t, "", "store/example.org.zone")
	get, err := http.Get(e.base + "/zones/example.org")
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	for _, tc := range []struct {
		path   string
		status int
		etag   string
	}{
		{"/zones/example.org", 200, get.Header.Get("ETag")},
		{"/zones/nosuch.example", 404, ""},
		{"/reload", 405, ""},
	} {
		resp, err := http.Head(e.base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("ETag") != tc.etag || len(body) != 0 {
			t.Errorf("HEAD %s: %d, ETag %q, %d bytes; want %d, ETag %q", tc.path, resp.StatusCode, resp.Header.Get("ETag"), len(body), tc.status, tc.etag)
		}
	}
	if get.Header.Get("ETag") == "" {
		t.Error("GET has no ETag")
	}
}
