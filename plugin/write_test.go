package zoneapi

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func newTestState(t testing.TB) *state { return storeWith(t, exampleOrg) }

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
		wg.Go(func() {
			for j := range 10 {
				rr, _ := dns.NewRR(dns.Fqdn(strings.Repeat("x", i+1)+".example.org.") + " 300 IN TXT " + string(rune('a'+j)))
				if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					t.Error(err)
				}
			}
		})
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
	if n := historyLen(st, "example.org."); n != 0 {
		t.Fatalf("history holds %d differences, want 0", n)
	}
}

// A batch applies each change to the zone the changes before it left, a
// change that fails fails alone, and the batch's changes are made durable
// by one sync and published by one swap.
func TestBatchBuildsEachChangeOnTheOneBefore(t *testing.T) {
	st := newTestState(t)
	z0, _ := st.zones.Load().Get("example.org.")
	start := etag(z0)
	add := func(s string) func(*zone.Zone, *zone.Txn) error {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }
	}
	req := func(ifMatch *string, fn func(*zone.Zone, *zone.Txn) error) *changeReq {
		return &changeReq{why: why{op: "test"}, origin: "example.org.", ifMatch: ifMatch, fn: fn, done: make(chan struct{})}
	}
	batch := []*changeReq{
		req(&start, add("one.example.org. 300 IN A 192.0.2.1")),
		req(nil, add("www.example.org. 300 IN CNAME elsewhere.example.org.")), // refused: www has an A
		req(&start, add("two.example.org. 300 IN A 192.0.2.2")),               // refused: the zone moved on
		req(nil, add("three.example.org. 300 IN A 192.0.2.3")),
		{why: why{op: "test"}, origin: "example.com.", fn: add("x.example.com. 300 IN A 192.0.2.4"), done: make(chan struct{})},
	}
	swapsBefore := testutil.ToFloat64(swaps)
	st.mu.Lock()
	st.apply(batch)
	st.mu.Unlock()

	if batch[0].err != nil || batch[3].err != nil {
		t.Fatalf("valid changes failed: %v, %v", batch[0].err, batch[3].err)
	}
	if !errors.Is(batch[1].err, zone.ErrCNAMEConflict) || !errors.Is(batch[2].err, errPrecondition) || !errors.Is(batch[4].err, ErrZoneNotFound) {
		t.Fatalf("want a CNAME conflict, a failed precondition and no zone; got %v, %v, %v", batch[1].err, batch[2].err, batch[4].err)
	}
	if batch[3].old != batch[0].nz {
		t.Fatal("the fourth change was not made to the zone the first one left")
	}
	if !serialGreater(batch[0].nz.Serial(), z0.Serial()) || batch[3].nz.Serial() != batch[0].nz.Serial()+1 {
		t.Fatalf("serials %d -> %d -> %d: want a rise, then one step", z0.Serial(), batch[0].nz.Serial(), batch[3].nz.Serial())
	}
	if got := testutil.ToFloat64(swaps) - swapsBefore; got != 1 {
		t.Fatalf("%v snapshot swaps for one batch, want 1", got)
	}
	served, _ := st.zones.Load().Get("example.org.")
	if served != batch[3].nz {
		t.Fatal("the zone served is not the batch's last")
	}
	if j := st.journals["example.org."]; j.Len() != 2 {
		t.Fatalf("the journal holds %d synced entries, want 2", j.Len())
	}
	if d := durable(t, st); d.Serial() != served.Serial() || d.Len() != served.Len() {
		t.Fatalf("a restart would load serial %d with %d records; served: %d with %d", d.Serial(), d.Len(), served.Serial(), served.Len())
	}
	for _, r := range batch[1:3] {
		if r.nz != nil {
			t.Fatal("a refused change returned a zone")
		}
	}
}

// A change whose function panics fails alone: the writer goes on, and the
// change after it in the batch is applied.
func TestPanickingChangeFailsAlone(t *testing.T) {
	st := newTestState(t)
	rr, _ := dns.NewRR("after.example.org. 300 IN A 192.0.2.7")
	batch := []*changeReq{
		{why: why{op: "test"}, origin: "example.org.", done: make(chan struct{}),
			fn: func(*zone.Zone, *zone.Txn) error { panic("a bug") }},
		{why: why{op: "test"}, origin: "example.org.", done: make(chan struct{}),
			fn: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }},
	}
	st.mu.Lock()
	st.apply(batch)
	st.mu.Unlock()
	if batch[0].err == nil || !strings.Contains(batch[0].err.Error(), "a bug") || batch[0].nz != nil {
		t.Fatalf("the panicking change: %v", batch[0].err)
	}
	if batch[1].err != nil {
		t.Fatalf("the change after it: %v", batch[1].err)
	}
	if z, _ := st.zones.Load().Get("example.org."); len(mustNode(z, "after.example.org.").Type(dns.TypeA)) != 1 {
		t.Fatal("the change after the panic is not served")
	}
}

// A sync that fails fails the batch's changes to that zone, and none of them
// is served; another zone's changes in the same batch go through. The
// journal here is /dev/null, which takes writes and refuses fdatasync.
func TestFailedSyncFailsTheZonesChangesInTheBatch(t *testing.T) {
	st := newTestState(t)
	tx, _ := zone.New("example.net.")
	soa, _ := dns.NewRR("example.net. 3600 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5")
	tx.Add(soa)
	net, _ := tx.Commit()
	if err := st.create(why{op: "test"}, net); err != nil {
		t.Fatal(err)
	}
	path, _ := store.JournalPath(st.dir, "example.org.")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.Symlink("/dev/null", path); err != nil {
		t.Fatal(err)
	}
	req := func(origin, s string) *changeReq {
		rr, _ := dns.NewRR(s)
		return &changeReq{why: why{op: "test"}, origin: origin, done: make(chan struct{}),
			fn: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}
	}
	batch := []*changeReq{
		req("example.org.", "one.example.org. 300 IN A 192.0.2.1"),
		req("example.net.", "one.example.net. 300 IN A 192.0.2.2"),
		req("example.org.", "two.example.org. 300 IN A 192.0.2.3"),
	}
	org, _ := st.zones.Load().Get("example.org.")
	st.mu.Lock()
	st.apply(batch)
	st.mu.Unlock()

	if batch[0].err == nil || batch[2].err == nil || batch[0].nz != nil || batch[2].nz != nil {
		t.Fatalf("changes to the zone whose sync failed: %v, %v", batch[0].err, batch[2].err)
	}
	if batch[1].err != nil {
		t.Fatalf("the other zone's change: %v", batch[1].err)
	}
	if z, _ := st.zones.Load().Get("example.org."); z != org {
		t.Fatal("a change whose sync failed is served")
	}
	if z, _ := st.zones.Load().Get("example.net."); z != batch[1].nz {
		t.Fatal("the other zone's change is not served")
	}
	if last, ok := st.dirty["example.org."]; !ok || !last.IsZero() {
		t.Fatal("the bad journal is not marked for compaction at once")
	}
}

// On a saturated core (forced here: every yield counts as long, and the
// process's CPU time grows as fast as it can) a batch waits for more changes when it
// or the batch before it has more than one, and those then share its one
// sync and swap; a lone change after a lone change, or any batch on a core
// with time to spare, is applied at once. A yield that was quick right after
// a busy one still counts as busy. A wait during which the process leaves
// its CPU idle ends: every client that could send a change is in the batch.
func TestBusyWriterGathersABatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		busy   bool      // this batch's yield
		last   batchSeen // the batch before
		queued int
		idle   bool // the process uses no CPU as the writer waits
		waits  bool
	}{
		{"busy, two queued", true, batchSeen{}, 2, false, true},
		{"busy, one queued after a batch of five", true, batchSeen{changes: 5, busy: true}, 1, false, true},
		{"busy, one queued after a lone change", true, batchSeen{changes: 1, busy: true}, 1, false, false},
		{"a quick yield after a busy batch of five, two queued", false, batchSeen{changes: 5, busy: true}, 2, false, true},
		{"no yield busy, two queued", false, batchSeen{changes: 5}, 2, false, false},
		{"busy, two queued, the process idle as it waits", true, batchSeen{}, 2, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newTestState(t)
			// The process's CPU time is made up: a second more at every
			// reading (saturated) or none (idle).
			var used time.Duration
			cpu := func() time.Duration { used += time.Second; return used }
			if tc.idle {
				cpu = func() time.Duration { return 0 }
			}
			st.gather = gathering{busy: time.Hour, wait: 10 * time.Second, max: 6, load: gatherLoad, cpu: cpu}
			if tc.busy {
				st.gather.busy = 0
			}
			st.lastBatch = tc.last
			add := func(i int) *changeReq {
				rr, err := dns.NewRR(fmt.Sprintf("w%d.example.org. 300 IN A 192.0.2.1", i))
				if err != nil {
					t.Fatal(err)
				}
				return &changeReq{why: why{op: "test"}, origin: "example.org.", fn: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }, done: make(chan struct{})}
			}
			before := testutil.ToFloat64(swaps)
			var first []*changeReq
			for i := range tc.queued {
				first = append(first, add(i))
			}
			st.queueMu.Lock()
			st.queue, st.writing = first, true
			st.queueMu.Unlock()
			go st.writer()
			last := first[len(first)-1]
			if !tc.waits {
				select { // well before the 10 s a gathering writer would wait
				case <-last.done:
				case <-time.After(5 * time.Second):
					t.Fatal("the queued changes waited for more")
				}
				if z, _ := st.zones.Load().Get("example.org."); z.Len() != 13+tc.queued {
					t.Errorf("%d records, want %d", z.Len(), 13+tc.queued)
				}
				return
			}
			time.Sleep(50 * time.Millisecond) // the writer has taken the first ones and waits
			select {
			case <-last.done:
				t.Fatal("the queued changes were applied without waiting for more")
			default:
			}
			var wg sync.WaitGroup
			for i := tc.queued; i < 6; i++ {
				r := add(i)
				wg.Go(func() {
					if _, _, err := st.change(r.why, r.origin, nil, false, r.fn); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for _, r := range first {
				<-r.done
				if r.err != nil {
					t.Fatal(r.err)
				}
			}
			if got := testutil.ToFloat64(swaps) - before; got != 1 {
				t.Errorf("%v swaps for 6 changes, want 1", got)
			}
			if z, _ := st.zones.Load().Get("example.org."); z.Len() != 13+6 {
				t.Errorf("%d records, want %d", z.Len(), 13+6)
			}
		})
	}
}

func historyLen(st *state, origin string) int {
	st.histMu.Lock()
	defer st.histMu.Unlock()
	return len(st.history[origin].list())
}

// The IXFR history keeps the last ixfrDiffs changes, as long as they hold
// at most ixfrRRs records; the newest change is kept whatever its size.
func TestIXFRHistoryIsBounded(t *testing.T) {
	st := newTestState(t)
	z, _ := st.zones.Load().Get("example.org.")
	for range ixfrDiffs + 5 {
		st.remember(z, z, nil, nil)
	}
	if n := historyLen(st, "example.org."); n != ixfrDiffs {
		t.Fatalf("%d changes kept, want %d", n, ixfrDiffs)
	}
	rr, _ := dns.NewRR("big.example.org. 300 IN A 192.0.2.1")
	big := make([]dns.RR, ixfrRRs*6/10)
	for i := range big {
		big[i] = rr
	}
	st.remember(z, z, nil, big)
	if n := historyLen(st, "example.org."); n != ixfrDiffs {
		t.Fatalf("%d changes kept after one of %d records, want %d", n, len(big), ixfrDiffs)
	}
	st.remember(z, z, big, nil) // the two big ones exceed ixfrRRs: only the newest stays
	if n := historyLen(st, "example.org."); n != 1 {
		t.Fatalf("%d changes kept after two of %d records, want 1", n, len(big))
	}
	st.histMu.Lock()
	rrs := st.history["example.org."].rrs
	st.histMu.Unlock()
	if rrs != len(big)+2 {
		t.Fatalf("the history counts %d records, holds %d", rrs, len(big)+2)
	}
}
