package test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

// TestAZoneWrittenAsYAML: a zone whose file is octoDNS YAML is served, an
// API change to it is written back as YAML whose Git diff is the change, a
// bad YAML file reloaded is refused with its line and changes nothing, the
// zone exports in both formats, and converting it makes its file a master
// file, as one commit, answers unchanged, through a restart.
func TestAZoneWrittenAsYAML(t *testing.T) {
	e := startAPI(t, "        git\n", "yaml/example.org.yaml")
	ctx := context.Background()
	if got := e.dig("_sip._tcp.example.org.", dns.TypeSRV); !slices.Equal(got, []string{"10 60 5060 sip1.example.org.", "20 0 5060 sip2.example.org."}) {
		t.Errorf("SRV from YAML: %v", got)
	}
	if got := e.dig("example.org.", dns.TypeTXT); !slices.Contains(got, `"with a semicolon; in it"`) {
		t.Errorf("TXT from YAML: %v", got)
	}
	z, _ := e.c.GetZoneWithResponse(ctx, "example.org")
	if z.StatusCode() != 200 || z.JSON200.Format == nil || *z.JSON200.Format != client.ZoneFormatYaml {
		t.Fatalf("getZone: %s", z.Body)
	}
	// Every type as DNS answers it, and exported as YAML: the file as it was.
	for name, want := range map[string][]string{
		"example.org. MX":                 {"10 mail.example.org.", "20 mail2.example.org."},
		"example.org. CAA":                {`0 issue "letsencrypt.org"`, `128 iodef "mailto:security@example.org"`},
		"_443._tcp.www.example.org. TLSA": {"3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971"},
		"child.example.org. DS":           {"60485 13 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
		"geo.example.org. LOC":            {"52 22 23.000 N 04 53 32.000 E -2m 1m 10000m 10m"},
		"host.example.org. SSHFP":         {"4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"},
		"sipnaptr.example.org. NAPTR":     {`100 10 "S" "SIP+D2T" "" _sip._tcp.example.org.`},
		"svc.example.org. HTTPS":          {`1 www.example.org. alpn="h2,h3" port="443"`},
		"x.dev.example.org. CNAME":        {"www.example.org."},
		"old.example.org. DNAME":          {"new.example.org."},
		"ptr.example.org. PTR":            {"www.example.org."},
		"info.example.org. HINFO":         {`"PC" "Linux"`},
	} {
		owner, typ, _ := strings.Cut(name, " ")
		if got := e.dig(owner, dns.StringToType[typ]); !slices.Equal(got, want) {
			t.Errorf("%s over DNS: %v, want %v", name, got, want)
		}
	}
	if resp, err := http.Get(e.base + "/zones/example.org/zonefile?format=yaml"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if fixture, _ := os.ReadFile("testdata/yaml/example.org.yaml"); string(b) != string(fixture) {
			t.Errorf("exported as YAML, the zone is not its file:\n%s", b)
		}
	}

	// A change, written back as YAML: the diff is the change.
	if r, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Name: "api", Type: "MX", Value: "5 mail.example.org."}); r.StatusCode() != 201 {
		t.Fatalf("upsert: %s", r.Body)
	}
	e.waitCommitted()
	diff := git(t, e.dir, "show", "--format=", "HEAD", "--", "example.org.yaml")
	var changed []string
	for _, l := range strings.Split(diff, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			changed = append(changed, l)
		}
	}
	want := []string{
		"-  value: ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300",
		"+  value: ns1.example.org. hostmaster.example.org. " + strings.TrimSpace(strings.Fields(e.dig("example.org.", dns.TypeSOA)[0])[2]) + " 7200 3600 1209600 300",
		"+api:", "+  type: MX", "+  value:", "+    exchange: mail.example.org.", "+    preference: 5",
	}
	if !slices.Equal(changed, want) {
		t.Errorf("the commit's diff:\n%s\nwant\n%s", strings.Join(changed, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "example.org.zone")); !os.IsNotExist(err) {
		t.Errorf("a .zone file beside the .yaml: %v", err)
	}

	// Export in both formats.
	exp := func(format string) (string, string) {
		resp, err := http.Get(e.base + "/zones/example.org/zonefile?format=" + format)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), string(b)
	}
	if ct, body := exp("yaml"); ct != "application/yaml" || !strings.Contains(body, "api:\n  type: MX\n") {
		t.Errorf("export as YAML: %s\n%s", ct, body)
	}
	if ct, body := exp("zone"); ct != "text/dns" || !strings.Contains(body, "api\t3600\tIN\tMX\t5 mail.example.org.") {
		t.Errorf("export as a master file: %s\n%s", ct, body)
	}

	// A bad file reloaded: refused with its line; the zone as it was.
	e.waitCompacted("example.org")
	before, _ := os.ReadFile(filepath.Join(e.dir, "example.org.yaml"))
	bad := strings.Replace(string(before), "  value: 192.0.2.80\n", "  value: 192.0.2.800\n", 1)
	os.WriteFile(filepath.Join(e.dir, "example.org.yaml"), []byte(bad), 0o644)
	line := strings.Count(bad[:strings.Index(bad, "192.0.2.800")], "\n") + 1
	rl, _ := e.c.ReloadZoneWithResponse(ctx, "example.org", &client.ReloadZoneParams{})
	if rl.StatusCode() != 422 || rl.ApplicationproblemJSON422 == nil || rl.ApplicationproblemJSON422.Line == nil || *rl.ApplicationproblemJSON422.Line != line {
		t.Errorf("reloading a bad YAML: want 422 at line %d, got %d %s", line, rl.StatusCode(), rl.Body)
	}
	if got := e.dig("www.example.org.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.80"}) {
		t.Errorf("after a refused reload: %v", got)
	}
	os.WriteFile(filepath.Join(e.dir, "example.org.yaml"), before, 0o644)

	// Converted to a master file: one commit, the same answers, for good.
	cv, _ := e.c.ConvertZoneWithResponse(ctx, "example.org", &client.ConvertZoneParams{}, client.ConvertZoneJSONRequestBody{Format: client.ZoneFormatZone})
	if cv.StatusCode() != 200 || *cv.JSON200.Format != client.ZoneFormatZone {
		t.Fatalf("convertZone: %s", cv.Body)
	}
	e.waitCommitted()
	if _, err := os.Stat(filepath.Join(e.dir, "example.org.yaml")); !os.IsNotExist(err) {
		t.Errorf("the .yaml is still there: %v", err)
	}
	if stat := git(t, e.dir, "show", "--stat", "--format=%s", "HEAD"); !strings.Contains(stat, "convertZone example.org") || !strings.Contains(stat, "example.org.yaml") || !strings.Contains(stat, "example.org.zone") {
		t.Errorf("the conversion's commit:\n%s", stat)
	}
	e2 := restartAPI(t, e, "        git\n")
	if got := e2.dig("api.example.org.", dns.TypeMX); !slices.Equal(got, []string{"5 mail.example.org."}) {
		t.Errorf("after a restart: %v", got)
	}
	z2, _ := e2.c.GetZoneWithResponse(ctx, "example.org")
	if *z2.JSON200.Format != client.ZoneFormatZone || z2.JSON200.RecordsCount != z.JSON200.RecordsCount+1 {
		t.Errorf("after a restart: %s", z2.Body)
	}
}

// TestAZoneInTwoFormatsIsRefused: a .zone and a .yaml of one zone are
// both refused at startup, naming each other; the other zones load.
func TestAZoneInTwoFormatsIsRefused(t *testing.T) {
	dir := copyZones(t, "yaml/example.org.yaml", "store/example.org.zone")
	os.WriteFile(filepath.Join(dir, "other.test.yaml"), []byte("ns1:\n  type: A\n  value: 192.0.2.1\n"), 0o644)
	e := startAPIOn(t, dir, "other.test.", "", "")
	if got := e.dig("www.example.org.", dns.TypeA); len(got) != 0 {
		t.Errorf("a zone of two files is served: %v", got)
	}
	if log := e.srv.log.String(); !strings.Contains(log, "example.org.zone is the zone's file too") || !strings.Contains(log, "example.org.yaml is the zone's file too") {
		t.Errorf("the log does not name both files:\n%s", log)
	}
	if got := e.dig("other.test.", dns.TypeSOA); len(got) != 1 {
		t.Errorf("a YAML zone without an SOA: %v", got)
	}
}

// TestYAMLZonesThroughGitOps: an operator pushes a new zone as YAML, then a
// bad YAML (refused with its file and line, nothing changed), then turns
// example.org from a master file into YAML in one commit: each is served
// as pulled, and the store holds one file a zone.
func TestYAMLZonesThroughGitOps(t *testing.T) {
	url, work := operatorRepo(t)
	block := fmt.Sprintf("        git {\n            remote %s\n            pull 200ms\n        }\n", url)
	e := startAPIWith(t, "", block)
	ctx := context.Background()

	operatorCommit(t, work, "yaml.test.yaml", "---\n'':\n  type: NS\n  value: ns1.yaml.test.\nns1:\n  type: A\n  value: 192.0.2.1\nwww:\n  type: CNAME\n  value: ns1.yaml.test.\n", "a zone as YAML")
	eventually(t, 3*time.Second, "the YAML zone is not served", func() bool { return len(e.dig("www.yaml.test.", dns.TypeCNAME)) == 1 })

	operatorCommit(t, work, "yaml.test.yaml", "---\nns1:\n  type: A\n  value: 192.0.2.1\nwww:\n  type: A\n  values:\n  - 192.0.2.7\n  - 300.0.0.1\n", "a typo")
	eventually(t, 3*time.Second, "the invalid YAML pull is not reported", func() bool {
		r, _ := e.c.GetGitStatusWithResponse(ctx)
		return r.JSON200.Remote != nil && r.JSON200.Remote.ErrorCode != nil && *r.JSON200.Remote.ErrorCode == "invalid-zone-file"
	})
	pr, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{})
	if pr.StatusCode() != 409 || *pr.ApplicationproblemJSON409.File != "yaml.test.yaml" || *pr.ApplicationproblemJSON409.Line != 9 {
		t.Errorf("pullGit of a bad YAML: %d %s", pr.StatusCode(), pr.Body)
	}
	if len(e.dig("www.yaml.test.", dns.TypeCNAME)) != 1 {
		t.Errorf("a refused pull changed what is served")
	}

	// example.org: its .zone removed and a .yaml added in one commit.
	git(t, work, "rm", "-q", "example.org.zone")
	os.WriteFile(filepath.Join(work, "example.org.yaml"), []byte("---\n'':\n- type: NS\n  value: ns1.example.org.\n- type: SOA\n  value: ns1.example.org. hostmaster.example.org. 2024010105 7200 3600 1209600 300\nns1:\n  type: A\n  value: 192.0.2.1\nwww:\n  type: A\n  value: 192.0.2.81\n"), 0o644)
	git(t, work, "add", "example.org.yaml")
	operatorCommit(t, work, "yaml.test.yaml", "---\n'':\n  type: NS\n  value: ns1.yaml.test.\nns1:\n  type: A\n  value: 192.0.2.1\n", "example.org as YAML")
	eventually(t, 3*time.Second, "the converted zone is not served", func() bool {
		got := e.dig("www.example.org.", dns.TypeA)
		return len(got) == 1 && got[0] == "192.0.2.81"
	})
	if _, err := os.Stat(filepath.Join(e.dir, "example.org.zone")); !os.IsNotExist(err) {
		t.Errorf("the .zone is still in the store: %v", err)
	}
	if z, _ := e.c.GetZoneWithResponse(ctx, "example.org"); z.StatusCode() != 200 || *z.JSON200.Format != client.ZoneFormatYaml {
		t.Errorf("example.org after the pull: %s", z.Body)
	}
}
