package test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTheReferencePageOffline: headless Chromium, with no host resolvable
// but the server's, loads /docs from the binary without a token; the page
// shows every operation of openapi.yaml, loads nothing from elsewhere, and
// its "Try it out" sends getZone, with the token given to "Authorize", to
// the server that served the page.
func TestTheReferencePageOffline(t *testing.T) {
	needTool(t, "chromium")
	e := startAPI(t, "        token docs-secret-1\n", "store/example.org.zone")
	resp, err := http.Get(strings.TrimSuffix(e.base, "/v1") + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("/docs without a token: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	shot := filepath.Join(t.TempDir(), "docs.png")
	os.Setenv("SCREENSHOT", shot)
	defer os.Unsetenv("SCREENSHOT")
	out := nodeScript(t, "docs.mjs", strings.TrimSuffix(e.base, "/v1")+"/docs", "docs-secret-1", "example.org")
	var got struct {
		Title      string
		Operations []string
		Servers    []string
		TryIt      struct {
			URL           string
			Status        int
			Authorization string
			Body          string
		}
		Requests, Failed, Console, Outside []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	slices.Sort(got.Operations)
	if want := specOperations(t); !slices.Equal(got.Operations, want) {
		t.Errorf("the page shows the operations\n%v\nwant\n%v", got.Operations, want)
	}
	if got.Title != "zoneapi API reference" || !slices.Equal(got.Servers, []string{"/v1"}) {
		t.Errorf("title %q, servers %v", got.Title, got.Servers)
	}
	if tr := got.TryIt; tr.Status != 200 || tr.URL != e.base+"/zones/example.org" || tr.Authorization != "Bearer docs-secret-1" || !strings.Contains(tr.Body, `"name":"example.org"`) {
		t.Errorf("try it out: %+v", tr)
	}
	if len(got.Outside) > 0 || len(got.Failed) > 0 || len(got.Console) > 0 {
		t.Errorf("the page asked elsewhere %v, failed %v, logged errors %v", got.Outside, got.Failed, got.Console)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 50000 {
		t.Errorf("no screenshot of the page: %v", err)
	}
}
