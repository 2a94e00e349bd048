package test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

const tokens = `        token full-secret-1
        token reader {
            secret reader-secret-2
            read_only
        }
        token acme {
            secret acme-secret-3
            zones example.org
            names _acme-challenge.*
            types TXT
        }
`

func TestTokensAuthenticateAndScope(t *testing.T) {
	e := startAPI(t, tokens, "api/example.org.zone")
	ctx := context.Background()
	write := func(tok string, r client.DNSRecordInput) int {
		e.token = tok
		resp, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, r)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode()
	}
	txt := client.DNSRecordInput{Type: "TXT", Name: "_acme-challenge", Value: "v1", Ttl: ptr(60)}
	a := client.DNSRecordInput{Type: "A", Name: "x", Value: "192.0.2.1"}

	if got := write("", a); got != http.StatusUnauthorized {
		t.Errorf("no token: want 401, got %d", got)
	}
	if got := write("wrong", a); got != http.StatusUnauthorized {
		t.Errorf("unknown token: want 401, got %d", got)
	}
	if got := write("reader-secret-2", a); got != http.StatusForbidden {
		t.Errorf("read-only token writing: want 403, got %d", got)
	}
	e.token = "reader-secret-2"
	if r, _ := e.c.GetZoneWithResponse(ctx, "example.org"); r.StatusCode() != 200 {
		t.Errorf("read-only token reading: want 200, got %d", r.StatusCode())
	}
	if got := write("acme-secret-3", a); got != http.StatusForbidden {
		t.Errorf("acme token writing an A: want 403, got %d", got)
	}
	if got := write("acme-secret-3", client.DNSRecordInput{Type: "TXT", Name: "www", Value: "x"}); got != http.StatusForbidden {
		t.Errorf("acme token writing TXT at www: want 403, got %d", got)
	}
	if got := write("acme-secret-3", txt); got != http.StatusCreated {
		t.Errorf("acme token writing its TXT: want 201, got %d", got)
	}
	e.token = "acme-secret-3"
	if r, _ := e.c.DeleteZoneWithResponse(ctx, "example.org", &client.DeleteZoneParams{}); r.StatusCode() != http.StatusForbidden {
		t.Errorf("acme token deleting the zone: want 403, got %d", r.StatusCode())
	}
	if got := write("full-secret-1", a); got != http.StatusCreated {
		t.Errorf("full token: want 201, got %d", got)
	}
	// lego's httpreq sends the token as the Basic password.
	req, _ := http.NewRequest("POST", e.base+"/acme/httpreq/present", strings.NewReader(`{"fqdn":"_acme-challenge.example.org.","value":"v2"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("lego", "acme-secret-3")
	if resp, err := e.doer.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("httpreq with Basic: %v %v", err, resp.StatusCode)
	}
	if got := e.dig("_acme-challenge.example.org.", dns.TypeTXT); len(got) != 2 {
		t.Errorf("want both challenge values served, got %v", got)
	}
	// Liveness needs no token.
	e.token = ""
	if r, _ := e.c.GetHealthWithResponse(ctx); r.StatusCode() != 200 {
		t.Errorf("health without a token: %d", r.StatusCode())
	}
	for _, secret := range []string{"full-secret-1", "reader-secret-2", "acme-secret-3"} {
		if strings.Contains(e.srv.log.String(), secret) {
			t.Errorf("a secret is in the log")
		}
	}
}

func TestNonLoopbackListenWithoutTokenDoesNotStart(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "Corefile")
	corefile := fmt.Sprintf(".:%d {\n    bind 127.0.0.1\n    zoneapi %s {\n        listen 0.0.0.0:%d\n    }\n}\n", freePort(t), dir, freePort(t))
	os.WriteFile(conf, []byte(corefile), 0o644)
	out, err := runBriefly(t, conf)
	if err == nil || !strings.Contains(out, "not a loopback address") {
		t.Fatalf("want a refusal naming the loopback rule, got %v:\n%s", err, out)
	}
}

// TestCorefileReloadKeepsTheAPIAndTheZones changes the Corefile under the
// reload plugin and sends SIGUSR1; the API stays on its address with every
// change made before, and takes the new Corefile's tokens; the Git history
// goes on.
func TestCorefileReloadKeepsTheAPIAndTheZones(t *testing.T) {
	e := startAPI(t, "        git\n", "api/example.org.zone")
	ctx := context.Background()
	if r, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: "before", Value: "192.0.2.33"}); r.StatusCode()/100 != 2 {
		t.Fatalf("upsert: %s", r.Body)
	}
	conf := filepath.Join(filepath.Dir(e.srv.cmd.Args[2]), "Corefile")
	text, _ := os.ReadFile(e.srv.cmd.Args[2])
	newText := strings.Replace(string(text), "    }\n}", "        token after-reload\n    }\n}", 1)
	os.WriteFile(conf, []byte(newText), 0o644)
	e.srv.cmd.Process.Signal(syscall.SIGUSR1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(e.base + "/zones")
		if err == nil && resp.StatusCode == http.StatusUnauthorized {
			resp.Body.Close()
			break // the new tokens apply
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reload did not take the new Corefile:\n%s", e.srv.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.token = "after-reload"
	r, _ := e.c.GetZoneRecordsWithResponse(ctx, "example.org", &client.GetZoneRecordsParams{Name: ptr("before")})
	if r.StatusCode() != 200 || len(*r.JSON200) != 1 {
		t.Fatalf("after the reload the change is gone: %d %s", r.StatusCode(), r.Body)
	}
	if got := e.dig("before.example.org.", dns.TypeA); len(got) != 1 {
		t.Fatalf("after the reload DNS lost the change")
	}
	if r, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: "after", Value: "192.0.2.34"}); r.StatusCode()/100 != 2 {
		t.Fatalf("upsert after the reload: %s", r.Body)
	}
	e.waitCommitted()
	log := git(t, e.dir, "log", "--format=%s|%(trailers:key=Token,valueonly,separator=)", "--", "example.org.zone")
	if lines := strings.Split(strings.TrimSpace(log), "\n"); len(lines) != 3 || !strings.HasSuffix(lines[0], "|token1") || !strings.HasSuffix(lines[1], "|anonymous") {
		t.Errorf("history across the reload:\n%s", log)
	}
}
