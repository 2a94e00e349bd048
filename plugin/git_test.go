package zoneapi

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func zoneAt(t *testing.T, origin string, serial int) *zone.Zone {
	t.Helper()
	z, _, err := store.Read(strings.NewReader(fmt.Sprintf("@ 60 IN SOA ns1 h %d 1 1 1 1\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n", serial)), "test", origin, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// A committer that is behind by more than coalesceAbove changes folds each
// zone's into one commit listing them; below that, one commit per change.
func TestCommitterOneCommitPerChangeAndFoldsABacklog(t *testing.T) {
	repo, err := history.Open(t.TempDir(), "main", history.Author{Name: "t", Email: "t@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(repo, "")
	for i := range 3 {
		c.enqueue(commitItem{origin: "a.test.", z: zoneAt(t, "a.test.", i+1), why: why{op: "upsertRecord", token: "t"}, from: uint32(i), to: uint32(i + 1)})
	}
	go c.run()
	c.flush()
	revs, _, _ := repo.Log("a.test.zone", "", 100, 1000)
	if len(revs) != 3 {
		t.Fatalf("3 changes made %d commits", len(revs))
	}
	c.mu.Lock() // hold the committer while a backlog builds
	for i := range coalesceAbove + 10 {
		for _, o := range []string{"a.test.", "b.test."} {
			c.queue = append(c.queue, commitItem{origin: o, z: zoneAt(t, o, i+10), why: why{op: "upsertRecord", token: "t", reason: "r"}, from: uint32(i + 9), to: uint32(i + 10)})
		}
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.flush()
	c.close()
	for _, name := range []string{"a.test.zone", "b.test.zone"} {
		revs, _, _ := repo.Log(name, "", 100, 1000)
		if want := map[string]int{"a.test.zone": 4, "b.test.zone": 1}[name]; len(revs) != want {
			t.Fatalf("%s: %d commits, want %d", name, len(revs), want)
		}
		r := revs[0]
		if !strings.HasPrefix(r.Subject, fmt.Sprintf("%d changes to %s", coalesceAbove+10, strings.TrimSuffix(name, ".zone"))) ||
			strings.Count(r.Body, "upsertRecord serial") != coalesceAbove+10 || r.Trailer["Serial"] != fmt.Sprint(coalesceAbove+19) || r.Trailer["Reason"] != "r" {
			t.Errorf("folded commit of %s:\n%s\n%s", name, r.Subject, r.Body)
		}
	}
}

// Writers, the committer, history readers and the status run at once (for
// the race detector), and every change ends up as its own commit.
func TestHistoryUnderConcurrentWriters(t *testing.T) {
	st := newTestState(t)
	if err := st.openHistory(&gitConfig{branch: "main", authorName: "t", authorEmail: "t@example.org"}, nil); err != nil {
		t.Fatal(err)
	}
	defer st.git.close()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				rr, _ := dns.NewRR(fmt.Sprintf("w%d-%d.example.org. 60 IN A 192.0.2.1", w, i))
				if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			st.gitStatus()
			st.git.repo.Log("example.org.zone", "", 5, 100)
		}
	}()
	wg.Wait()
	st.git.flush()
	revs, _, err := st.git.repo.Log("example.org.zone", "", 200, 1000)
	if err != nil || len(revs) != 101 { // and the startup commit
		t.Fatalf("%d revisions, want 101: %v", len(revs), err)
	}
	z, _ := st.zones.Load().Get("example.org.")
	if revs[0].Trailer["Serial"] != fmt.Sprint(z.Serial()) {
		t.Errorf("the last commit is at serial %s, the zone at %d", revs[0].Trailer["Serial"], z.Serial())
	}
}
