package zoneapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func newTestState(t testing.TB) *state {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(exampleOrg), 0o644); err != nil {
		t.Fatal(err)
	}
	st := newState(dir, 0)
	if _, err := st.load(store.Options{}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUpdatePersistsBeforePublishing(t *testing.T) {
	st := newTestState(t)
	za := &Zoneapi{state: st}
	rr, _ := dns.NewRR("new.example.org. 300 IN A 192.0.2.200")
	if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
		t.Fatal(err)
	}
	resp, _ := serve(t, za, new(dns.Msg).SetQuestion("new.example.org.", dns.TypeA))
	if len(resp.Answer) != 1 {
		t.Fatalf("the change is not served: %v", resp)
	}
	if z := durable(t, st); z == nil || len(mustNode(z, "new.example.org.").Type(dns.TypeA)) != 1 {
		t.Fatal("the change is not durable: a restart would not see it")
	}
}

func TestRefusedUpdateChangesNothing(t *testing.T) {
	st := newTestState(t)
	before, _ := os.ReadFile(filepath.Join(st.dir, "example.org.zone"))
	snapshot := st.zones.Load()
	bad, _ := dns.NewRR("www.example.org. 300 IN CNAME elsewhere.example.org.")
	_, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(bad) })
	if !errors.Is(err, zone.ErrCNAMEConflict) {
		t.Fatalf("want a CNAME conflict, got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(st.dir, "example.org.zone"))
	if string(before) != string(after) || st.zones.Load() != snapshot {
		t.Fatal("a refused change touched the store or the served zones")
	}
	if _, _, err := st.change(why{op: "test"}, "example.com.", nil, false, func(_ *zone.Zone, _ *zone.Txn) error { return nil }); !errors.Is(err, ErrZoneNotFound) {
		t.Fatalf("unknown zone: %v", err)
	}
}

func TestFailedPersistIsNotPublished(t *testing.T) {
	st := newTestState(t)
	snapshot := st.zones.Load()
	st.dir = filepath.Join(st.dir, "missing") // writes now fail
	rr, _ := dns.NewRR("new.example.org. 300 IN A 192.0.2.200")
	if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err == nil {
		t.Fatal("want a persistence error")
	}
	if st.zones.Load() != snapshot {
		t.Fatal("a change that was not persisted is served")
	}
}

func TestConcurrentUpdatesAreSerialized(t *testing.T) {
	st := newTestState(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				rr, _ := dns.NewRR(dns.Fqdn(strings.Repeat("x", i+1)+".example.org.") + " 300 IN TXT " + string(rune('a'+j)))
				if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	z, _ := st.zones.Load().Get("example.org.")
	if z.Len() != 13+80 {
		t.Fatalf("want %d records, got %d: updates were lost", 13+80, z.Len())
	}
	if onDisk := durable(t, st); onDisk.Len() != z.Len() {
		t.Fatalf("a restart would see %d records, memory has %d", onDisk.Len(), z.Len())
	}
}

func TestCreateAndRemoveZone(t *testing.T) {
	st := newTestState(t)
	tx, _ := zone.New("example.net.")
	soa, _ := dns.NewRR("example.net. 3600 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5")
	tx.Add(soa)
	z, _ := tx.Commit()
	if err := st.create(why{op: "test"}, z); err != nil {
		t.Fatal(err)
	}
	if err := st.create(why{op: "test"}, z); !errors.Is(err, ErrZoneExists) {
		t.Fatalf("second create: %v", err)
	}
	if _, err := os.Stat(filepath.Join(st.dir, "example.net.zone")); err != nil {
		t.Fatal(err)
	}
	if err := st.remove(why{op: "test"}, "example.net."); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.dir, "example.net.zone")); !os.IsNotExist(err) {
		t.Fatal("zone file still there")
	}
	if _, ok := st.zones.Load().Get("example.net."); ok {
		t.Fatal("removed zone still served")
	}
}

// durable is the zone as a restart would load it: the file and the journal.
func durable(t *testing.T, st *state) *zone.Zone {
	t.Helper()
	z, _, err := store.ReadFile(filepath.Join(st.dir, "example.org.zone"), "example.org.", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := store.JournalPath(st.dir, "example.org.")
	entries, _, err := store.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	z, _, err = replay(z, entries)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func mustNode(z *zone.Zone, name string) *zone.Node {
	if n, ok := z.Node(name); ok {
		return n
	}
	return &zone.Node{}
}

func TestRecreatedZoneGetsNoIXFRFromItsPredecessor(t *testing.T) {
	st := newTestState(t)
	addA := func(name string) {
		rr, _ := dns.NewRR(name + " 300 IN A 192.0.2.9")
		if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
			t.Fatal(err)
		}
	}
	addA("one.example.org.")
	z, _ := st.zones.Load().Get("example.org.")
	if _, ok := st.since("example.org.", 2024010101, z.Serial()); !ok {
		t.Fatal("no IXFR history after a change")
	}
	if err := st.remove(why{op: "test"}, "example.org."); err != nil {
		t.Fatal(err)
	}
	if err := st.create(why{op: "test"}, z); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.since("example.org.", 2024010101, z.Serial()); ok {
		t.Fatal("a re-created zone offers the old zone's differences")
	}
}

func TestRefusedChangeIsNotInTheIXFRHistory(t *testing.T) {
	st := newTestState(t)
	z, _ := st.zones.Load().Get("example.org.")
	st.dir = filepath.Join(st.dir, "missing") // the journal cannot be opened
	rr, _ := dns.NewRR("x.example.org. 300 IN A 192.0.2.9")
	if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err == nil {
		t.Fatal("want a persistence error")
	}
	if _, ok := st.since("example.org.", z.Serial(), z.Serial()+1); ok {
		t.Fatal("a change that failed to persist is offered as an IXFR difference")
	}
	st.histMu.Lock()
	n := len(st.history["example.org."])
	st.histMu.Unlock()
	if n != 0 {
		t.Fatalf("history holds %d differences, want 0", n)
	}
}
