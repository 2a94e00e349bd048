package test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoneapi/zoneapi/plugin/store"
)

// TestKill9LosesNoAcknowledgedChange runs parallel writers against
// bin/coredns, kills it with SIGKILL at a random moment, restarts it on the
// same store, and checks that every change that was acknowledged is there
// and that every zone file parses, in our loader and in nsd-checkzone. The
// store has a Git history: at the end it passes git fsck, and its HEAD
// holds every acknowledged change too.
func TestKill9LosesNoAcknowledgedChange(t *testing.T) {
	checkzone := needTool(t, "nsd-checkzone")
	dir := copyZones(t, "api/example.org.zone")
	acked := map[string]bool{}
	var mu sync.Mutex
	rnd := rand.New(rand.NewSource(time.Now().UnixNano()))
	const cycles = 6
	for cycle := range cycles {
		port := freePort(t)
		s := startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port, "        git\n"), "example.org.")
		base := fmt.Sprintf("http://127.0.0.1:%d/v1", port)
		waitHealthy(t, base)

		// Every change acknowledged before, in earlier lives, is still served.
		names := recordNames(t, base)
		mu.Lock()
		for name := range acked {
			if !names[name] {
				t.Fatalf("cycle %d: acknowledged record %s is lost", cycle, name)
			}
		}
		mu.Unlock()

		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("c%d-w%d-%d", cycle, w, i)
					body := fmt.Sprintf(`{"type":"A","name":%q,"value":"192.0.2.%d","ttl":60}`, name, i%250+1)
					resp, err := client.Post(base+"/zones/example.org/records", "application/json", strings.NewReader(body))
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					if resp.StatusCode/100 == 2 { // 201 added, 200 there already
						mu.Lock()
						acked[name] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+rnd.Intn(700)) * time.Millisecond)
		s.cmd.Process.Kill() // SIGKILL: no shutdown, no compaction
		s.cmd.Wait()
		close(stop)
		wg.Wait()

		for _, f := range zoneFiles(t, dir) {
			if _, _, err := store.ReadFile(f, "example.org.", store.Options{}); err != nil {
				t.Fatalf("cycle %d: %v", cycle, err)
			}
			if out, err := exec.Command(checkzone, "example.org", f).CombinedOutput(); err != nil {
				t.Fatalf("cycle %d: nsd-checkzone: %v\n%s", cycle, err, out)
			}
		}
	}
	// A last start: everything is there.
	port := freePort(t)
	startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port, "        git\n"), "example.org.")
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", port)
	waitHealthy(t, base)
	names := recordNames(t, base)
	for name := range acked {
		if !names[name] {
			t.Fatalf("acknowledged record %s is lost", name)
		}
	}
	git(t, dir, "fsck", "--strict")
	head := git(t, dir, "show", "HEAD:example.org.zone")
	for name := range acked {
		if !strings.Contains(head, "\n"+name+"\t") {
			t.Fatalf("acknowledged record %s is not in the Git history's HEAD", name)
		}
	}
	if len(acked) < 100 {
		t.Fatalf("only %d changes were acknowledged over %d cycles; the test did not load the server", len(acked), cycles)
	}
	t.Logf("%d acknowledged changes over %d kills, none lost", len(acked), cycles)
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("API at %s did not come up", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// recordNames returns the owner names of example.org's records.
func recordNames(t *testing.T, base string) map[string]bool {
	t.Helper()
	resp, err := http.Get(base + "/zones/example.org/records")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var records []struct{ Name string }
	if err := json.NewDecoder(resp.Body).Decode(&records); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range records {
		names[r.Name] = true
	}
	return names
}

func zoneFiles(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "*.zone"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no zone files in %s: %v", dir, err)
	}
	return files
}
