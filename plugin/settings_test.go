package zoneapi

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// A Corefile reload gives the store new settings while requests are being
// served (for the race detector: they are swapped, never written in place),
// and the requests after it follow them.
func TestACorefileReloadSwapsTheSettingsUnderLoad(t *testing.T) {
	st, srv := newTestAPI(t)
	patch := func(changes int) int {
		body := `{"changes":[` + strings.Repeat(`{"op":"add","name":"p","type":"TXT","value":"x"},`, changes-1) + `{"op":"add","name":"p","type":"TXT","value":"x"}]}`
		req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/v1/zones/example.org", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cfg := defaultConfig()
	cfg.dir = st.dir
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 50 {
			cfg.maxChanges, cfg.maxRecords, cfg.maxBody = 2+i%2, 100000, 1<<20
			st.settings(cfg)
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if code := patch(2); code != http.StatusOK {
					t.Errorf("a patch of 2 changes: %d", code)
				}
			}
		})
	}
	wg.Wait()
	cfg.maxChanges = 2
	st.settings(cfg)
	if code := patch(3); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a patch of 3 changes under max_changes 2: %d, want 413", code)
	}
	cfg.maxChanges = 0
	st.settings(cfg)
	if code := patch(3); code != http.StatusOK {
		t.Fatalf("a patch of 3 changes without max_changes: %d, want 200", code)
	}
}
