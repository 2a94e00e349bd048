package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestRestartReplaysTheJournal(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	addA(t, p, "b.example.org.", "198.51.100.2")
	// No compaction ran: the file does not have the changes, the journal does.
	text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	if strings.Contains(string(text), "198.51.100.1") {
		t.Fatal("the test wants the change only in the journal")
	}
	sameAfterRestart(t, p, "a.example.org.", "b.example.org.")
}

func TestCompactionWritesTheFileAndEmptiesTheJournal(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	p.mu.Lock()
	err := p.compact("example.org.")
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	if !strings.Contains(string(text), "a\t300\tIN\tA\t198.51.100.1") {
		t.Fatalf("the file lacks the change:\n%s", text)
	}
	path, _ := store.JournalPath(p.dir, "example.org.")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the journal is still there")
	}
	if served(restart(t, p.dir), "a.example.org.") != 1 {
		t.Fatal("a restart after compaction lost the change")
	}
}

func TestCrashBetweenCompactionAndJournalRemovalIsHarmless(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	path, _ := store.JournalPath(p.dir, "example.org.")
	saved, _ := os.ReadFile(path)
	p.mu.Lock()
	p.compact("example.org.")
	p.mu.Unlock()
	// The crash: the file was written, the journal was not yet removed.
	os.WriteFile(path, saved, 0o644)
	again := restart(t, p.dir)
	z, _ := again.Zone("example.org.")
	if served(again, "a.example.org.") != 1 || z.Len() != testzone.Records+1 {
		t.Fatalf("replaying a compacted entry again changed the zone: %d records", z.Len())
	}
}

func TestCompactorRunsAfterTheZoneIsQuiet(t *testing.T) {
	p := newTestPipeline(t)
	stop, done := make(chan struct{}), make(chan struct{})
	go p.compactor(stop, done)
	addA(t, p, "a.example.org.", "198.51.100.1")
	deadline := time.Now().Add(5 * time.Second)
	for {
		text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
		if strings.Contains(string(text), "198.51.100.1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the compactor did not write the file")
		}
		time.Sleep(50 * time.Millisecond)
	}
	addA(t, p, "b.example.org.", "198.51.100.2")
	close(stop) // shutdown flushes the rest
	<-done
	text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	if !strings.Contains(string(text), "198.51.100.2") {
		t.Fatal("shutdown did not write the last change to the file")
	}
}

func TestReloadWithChangesNotYetInTheFile(t *testing.T) {
	p := newTestPipeline(t)
	file := filepath.Join(p.dir, "example.org.zone")
	addA(t, p, "a.example.org.", "198.51.100.1")
	// The file is as zoneapi left it: reloading keeps the change.
	if _, err := p.Reload(Meta{Op: "test"}, "example.org."); err != nil {
		t.Fatal(err)
	}
	if served(p, "a.example.org.") != 1 {
		t.Fatal("reload dropped a change that was only in the journal")
	}
	// Edited out of band while a change is pending: the file wins.
	addA(t, p, "b.example.org.", "198.51.100.2")
	text, _ := os.ReadFile(file)
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(file, append(text, "edited 300 IN A 198.51.100.3\n"...), 0o644)
	if _, err := p.Reload(Meta{Op: "test"}, "example.org."); err != nil {
		t.Fatal(err)
	}
	if served(p, "edited.example.org.") != 1 || served(p, "b.example.org.") != 0 {
		t.Fatal("after an out-of-band edit, the file must be what is served")
	}
}

// withCompactingHook runs fn while compactOnline writes a file.
func withCompactingHook(t *testing.T, fn func(origin string)) {
	testHookCompacting = fn
	t.Cleanup(func() { testHookCompacting = nil })
}

func TestCompactionLetsChangesGoOnAndKeepsThem(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	before, _ := p.Zone("example.org.")
	// A change made while the file is written: it must not wait for the
	// file, and must not be lost when the journal is trimmed.
	withCompactingHook(t, func(string) {
		done := make(chan struct{})
		go func() { addA(t, p, "b.example.org.", "198.51.100.2"); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("a change waited for the compaction")
		}
	})
	p.compactOnline("example.org.")

	text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	if !strings.Contains(string(text), "198.51.100.1") || strings.Contains(string(text), "198.51.100.2") {
		t.Fatalf("the file should be the zone as the compaction began:\n%s", text)
	}
	path, _ := store.JournalPath(p.dir, "example.org.")
	entries, _, err := store.ReadJournal(path)
	if err != nil || len(entries) != 1 || entries[0].From != before.Serial() {
		t.Fatalf("the journal should hold the one change after the file: %v %v", entries, err)
	}
	sameAfterRestart(t, p, "a.example.org.", "b.example.org.")
	// The next compaction, with nothing changing meanwhile, empties it.
	testHookCompacting = nil
	p.compactOnline("example.org.")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the journal is still there")
	}
	if served(restart(t, p.dir), "b.example.org.") != 1 {
		t.Fatal("the second compaction lost the change")
	}
}

func TestCompactionOfAZoneDeletedMeanwhileWritesNoFile(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	withCompactingHook(t, func(origin string) {
		if _, err := p.Delete(Meta{Op: "test"}, origin, nil); err != nil {
			t.Error(err)
		}
	})
	p.compactOnline("example.org.")
	if _, err := os.Stat(filepath.Join(p.dir, "example.org.zone")); !os.IsNotExist(err) {
		t.Fatal("the compaction brought a deleted zone's file back")
	}
	tmps, _ := filepath.Glob(filepath.Join(p.dir, ".*"))
	for _, p := range tmps {
		if !strings.HasSuffix(p, ".journal") {
			t.Fatalf("left behind: %s", p)
		}
	}
}

func TestCompactionWhoseTrimFailsLosesNothing(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "a.example.org.", "198.51.100.1")
	path, _ := store.JournalPath(p.dir, "example.org.")
	withCompactingHook(t, func(string) {
		addA(t, p, "b.example.org.", "198.51.100.2")
		// The trim's new file cannot be made: a directory is in its way
		// (as a full disk or a failing one would stop it).
		if err := os.Mkdir(path+".trim", 0o755); err != nil {
			t.Error(err)
		}
	})
	p.compactOnline("example.org.")
	text, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	entries, _, err := store.ReadJournal(path)
	if !strings.Contains(string(text), "198.51.100.1") || err != nil || len(entries) != 2 {
		t.Fatalf("want the new file and the whole journal (2 entries): %d entries, %v", len(entries), err)
	}
	// The journal still takes changes, and a restart skips the entry the
	// file holds and applies the others.
	addA(t, p, "c.example.org.", "198.51.100.3")
	sameAfterRestart(t, p, "a.example.org.", "b.example.org.", "c.example.org.")
}

func TestARestartKeepsTheCaseANameWasGivenIn(t *testing.T) {
	p := newTestPipeline(t)
	rr, _ := dns.NewRR("WWW.example.org. 3600 IN A 192.0.2.80") // www is in exampleOrg, in lower case
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error {
		return tx.ReplaceRRset(rr.Header().Name, dns.TypeA, []dns.RR{rr})
	}); err != nil {
		t.Fatal(err)
	}
	z, _ := restart(t, p.dir).Zone("example.org.")
	n, _ := z.Node("www.example.org.")
	if a := n.Type(dns.TypeA); len(a) != 1 || a[0].Header().Name != "WWW.example.org." {
		t.Fatalf("after a restart: %v", a)
	}
}

func TestNotesAreJournaledAndReplayed(t *testing.T) {
	p := newTestPipeline(t)
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.SetNote("api.x", `{"id":1}`) }); err != nil {
		t.Fatal(err)
	}
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error {
		tx.DeleteNote("api.x")
		return tx.SetNote("api.y", "2")
	}); err != nil {
		t.Fatal(err)
	}
	z := durable(t, p)
	if _, ok := z.Note("api.x"); ok {
		t.Fatal("a deleted note came back from the journal")
	}
	if v, _ := z.Note("api.y"); v != "2" {
		t.Fatalf("note from the journal %q, want 2", v)
	}
	again := restart(t, p.dir)
	if z, _ := again.Zone("example.org."); len(z.NoteKeys()) != 1 {
		t.Fatalf("after a restart the notes are %v", z.NoteKeys())
	}
}
