package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const tokenCorefile = `        git
        token admin-secret
        token ops {
            secret ops-secret
            zones example.org
            types TXT A
        }
`

// call makes a request to the API with the bearer secret and decodes
// the JSON answer into out, if any; it returns the status.
func (e *apiEnv) call(method, path, secret, body string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.doer.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

type issued struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Secret  string `json:"secret"`
	Expired bool   `json:"expired"`
	Code    string `json:"code"`
	Pointer string `json:"pointer"`
}

func (e *apiEnv) makeToken(secret, body string) (issued, int) {
	e.t.Helper()
	var t issued
	status := e.call("POST", "/tokens", secret, body, &t)
	return t, status
}

// TestTokensMadeThroughTheAPI: an admin token makes tokens with a scope and
// an expiry; each works within its scope and nowhere else, stops at its
// expiry and at once when revoked, survives a restart, and is named in the
// audit line and the Git trailer; its secret is nowhere in the store or
// the history. A scoped token cannot give more than it has.
func TestTokensMadeThroughTheAPI(t *testing.T) {
	e := startAPI(t, tokenCorefile, "api/example.org.zone")
	e.token = "admin-secret"
	ctx := context.Background()
	_ = ctx
	if s := e.call("POST", "/zones", "admin-secret", `{"name":"other.test","records":[{"name":"@","type":"NS","value":"ns1.other.test."},{"name":"ns1","type":"A","value":"192.0.2.1"}]}`, nil); s != 201 {
		t.Fatalf("createZone other.test: %d", s)
	}
	agent, s := e.makeToken("admin-secret", `{"name":"agent","description":"TXT in example.org","zones":["example.org"],"types":["TXT"],"names":["*.dev.example.org"],"expires_in":600}`)
	if s != 201 || !strings.HasPrefix(agent.Secret, "zat_") {
		t.Fatalf("createToken: %d %+v", s, agent)
	}
	rec := func(name, typ, value string) string {
		return fmt.Sprintf(`{"name":%q,"type":%q,"value":%q}`, name, typ, value)
	}
	if s := e.call("POST", "/zones/example.org/records", agent.Secret, rec("a.dev", "TXT", "made by an agent"), nil); s != 201 {
		t.Fatalf("the agent's TXT in its scope: %d", s)
	}
	// Every kind of scope, tried from outside: 403 and nothing changed.
	before := e.storeFile("example.org")
	for _, c := range []struct{ what, method, path, body string }{
		{"another type", "POST", "/zones/example.org/records", rec("a.dev", "A", "192.0.2.9")},
		{"another name", "POST", "/zones/example.org/records", rec("www", "TXT", "x")},
		{"another zone", "POST", "/zones/other.test/records", rec("a.dev", "TXT", "x")},
		{"reading another zone", "GET", "/zones/other.test/records", ""},
		{"making a token", "POST", "/tokens", `{"name":"child","zones":["other.test"]}`},
	} {
		if s := e.call(c.method, c.path, agent.Secret, c.body, nil); s != 403 {
			t.Errorf("%s: %d, want 403", c.what, s)
		}
	}
	ro, _ := e.makeToken("admin-secret", `{"name":"reader","read_only":true}`)
	if s := e.call("POST", "/zones/example.org/records", ro.Secret, rec("r", "TXT", "x"), nil); s != 403 {
		t.Errorf("a read-only token writing: %d", s)
	}
	if s := e.call("GET", "/zones/example.org/records", ro.Secret, "", nil); s != 200 {
		t.Errorf("a read-only token reading: %d", s)
	}
	if after := e.storeFile("example.org"); after != before {
		t.Fatal("a refused request changed the zone")
	}
	// A scoped token gives only what it has.
	for _, c := range []struct{ body, pointer string }{
		{`{"name":"wide"}`, "/zones"},
		{`{"name":"wide","zones":["other.test"]}`, "/zones/0"},
		{`{"name":"wide","zones":["example.org"],"types":["MX"]}`, "/types/0"},
	} {
		if p, s := e.makeToken("ops-secret", c.body); s != 403 || p.Code != "scope-beyond-caller" || p.Pointer != c.pointer {
			t.Errorf("ops making %s: %d %+v", c.body, s, p)
		}
	}
	sub, s := e.makeToken("ops-secret", `{"name":"ops-txt","zones":["example.org"],"types":["TXT"]}`)
	if s != 201 {
		t.Fatalf("ops making a narrower token: %d", s)
	}
	var list struct{ Tokens []issued }
	if e.call("GET", "/tokens", "ops-secret", "", &list); len(list.Tokens) != 1 || list.Tokens[0].ID != sub.ID || list.Tokens[0].Secret != "" {
		t.Fatalf("ops's list: %+v", list)
	}
	if p, s := e.makeToken("admin-secret", `{"name":"ops"}`); s != 409 || p.Code != "token-exists" {
		t.Errorf("a token named as the Corefile's: %d %+v", s, p)
	}
	// Expiry and revocation.
	short, _ := e.makeToken("admin-secret", `{"name":"short","expires_in":2}`)
	if s := e.call("GET", "/zones", short.Secret, "", nil); s != 200 {
		t.Fatalf("a fresh token: %d", s)
	}
	gone, _ := e.makeToken("admin-secret", `{"name":"gone"}`)
	if s := e.call("DELETE", "/tokens/"+gone.ID, "ops-secret", "", nil); s != 403 {
		t.Errorf("ops revoking a token it did not make: %d", s)
	}
	if s := e.call("DELETE", "/tokens/"+gone.ID, "admin-secret", "", nil); s != 204 {
		t.Fatalf("revokeToken: %d", s)
	}
	if s := e.call("GET", "/zones", gone.Secret, "", nil); s != 401 {
		t.Errorf("a revoked token: %d", s)
	}
	time.Sleep(2100 * time.Millisecond)
	if s := e.call("GET", "/zones", short.Secret, "", nil); s != 401 {
		t.Errorf("an expired token: %d", s)
	}
	e.call("GET", "/tokens", "admin-secret", "", &list)
	for _, tk := range list.Tokens {
		if tk.Name == "short" && !tk.Expired {
			t.Errorf("listTokens does not say that short expired: %+v", tk)
		}
	}

	// Attributed: the agent's change is its own in the history.
	e.waitCommitted()
	if log := git(t, e.dir, "log", "--format=%(trailers:key=Token,valueonly)"); !strings.Contains(log, "agent") {
		t.Errorf("the Git trailer does not name the agent:\n%s", log)
	}
	// The secrets are nowhere in the store or its history.
	for _, secret := range []string{agent.Secret, ro.Secret, sub.Secret, short.Secret, gone.Secret} {
		filepath.Walk(e.dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds a token's secret", p)
				}
			}
			return nil
		})
		if out, _ := exec.Command("git", "-C", e.dir, "log", "-p", "--all").CombinedOutput(); bytes.Contains(out, []byte(secret)) {
			t.Error("the Git history holds a token's secret")
		}
		if strings.Contains(e.srv.log.String(), secret) {
			t.Error("the log holds a token's secret")
		}
	}
	if st, err := os.Stat(filepath.Join(e.dir, ".tokens", "tokens.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the token file: %v %v", err, st)
	}
	// A restart keeps them.
	e.srv.cmd.Process.Kill()
	e.srv.cmd.Wait()
	e2 := restartAPI(t, e, tokenCorefile)
	if s := e2.call("POST", "/zones/example.org/records", agent.Secret, rec("b.dev", "TXT", "after a restart"), nil); s != 201 {
		t.Fatalf("the agent after a restart: %d", s)
	}
	if s := e2.call("GET", "/zones", gone.Secret, "", nil); s != 401 {
		t.Errorf("a revoked token after a restart: %d", s)
	}
}

// TestTokensNeedACorefileToken: an API without tokens is open on loopback;
// a token made there would protect nothing, so none is made.
func TestTokensNeedACorefileToken(t *testing.T) {
	e := startAPI(t, "", "api/example.org.zone")
	var p issued
	if s := e.call("POST", "/tokens", "", `{"name":"agent"}`, &p); s != 409 || p.Code != "no-admin-token" {
		t.Fatalf("createToken without a Corefile token: %d %+v", s, p)
	}
	if _, err := os.Stat(filepath.Join(e.dir, ".tokens")); err == nil {
		t.Fatal("a token store was made")
	}
}

// TestTheRateLimitRefusesABurst: past rate_limit, a token's requests get
// 429 with the RateLimit headers and change nothing; another token has its
// own bucket.
func TestTheRateLimitRefusesABurst(t *testing.T) {
	e := startAPI(t, "        rate_limit 5\n        token admin-secret\n        token other-secret\n", "api/example.org.zone")
	var codes []int
	for i := range 8 {
		req, _ := http.NewRequest("POST", e.base+"/zones/example.org/records", strings.NewReader(fmt.Sprintf(`{"name":"burst%d","type":"A","value":"192.0.2.%d"}`, i, i+1)))
		req.Header.Set("Authorization", "Bearer admin-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.doer.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.Header.Get("RateLimit-Limit") != "5" || resp.Header.Get("RateLimit-Reset") == "" || resp.Header.Get("RateLimit-Remaining") == "" {
			t.Fatalf("request %d: headers %v", i, resp.Header)
		}
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Fatalf("a 429 without Retry-After: %v", resp.Header)
		}
	}
	if fmt.Sprint(codes) != "[201 201 201 201 201 429 429 429]" {
		t.Fatalf("a burst of 8 past a limit of 5: %v", codes)
	}
	for i := range 8 {
		if got := e.dig(fmt.Sprintf("burst%d.example.org", i), 1); (len(got) == 1) != (i < 5) {
			t.Errorf("burst%d: %v", i, got)
		}
	}
	if s := e.call("GET", "/zones", "other-secret", "", nil); s != 200 {
		t.Fatalf("another token's first request: %d", s)
	}
}
