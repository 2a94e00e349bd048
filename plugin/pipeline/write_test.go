package pipeline

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
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestUpdatePersistsBeforePublishing(t *testing.T) {
	p := newTestPipeline(t)
	rr, _ := dns.NewRR("new.example.org. 300 IN A 192.0.2.200")
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
		t.Fatal(err)
	}
	if served(p, "new.example.org.") != 1 {
		t.Fatal("the change is not published: queries do not see it")
	}
	if z := durable(t, p); z == nil || len(mustNode(z, "new.example.org.").Type(dns.TypeA)) != 1 {
		t.Fatal("the change is not durable: a restart would not see it")
	}
}

func TestRefusedUpdateChangesNothing(t *testing.T) {
	p := newTestPipeline(t)
	before, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	snapshot := p.Zones()
	bad, _ := dns.NewRR("www.example.org. 300 IN CNAME elsewhere.example.org.")
	_, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(bad) })
	if !errors.Is(err, zone.ErrCNAMEConflict) {
		t.Fatalf("want a CNAME conflict, got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(p.dir, "example.org.zone"))
	if string(before) != string(after) || p.Zones() != snapshot {
		t.Fatal("a refused change touched the store or the served zones")
	}
	if _, err := p.Apply(Change{Zone: "example.com.", Meta: Meta{Op: "test"}, Edit: func(_ *zone.Zone, _ *zone.Txn) error { return nil }}); !errors.Is(err, ErrZoneNotFound) {
		t.Fatalf("unknown zone: %v", err)
	}
}

func TestFailedPersistIsNotPublished(t *testing.T) {
	p := newTestPipeline(t)
	snapshot := p.Zones()
	p.dir = filepath.Join(p.dir, "missing") // writes now fail
	rr, _ := dns.NewRR("new.example.org. 300 IN A 192.0.2.200")
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err == nil {
		t.Fatal("want a persistence error")
	}
	if p.Zones() != snapshot {
		t.Fatal("a change that was not persisted is served")
	}
}

func TestConcurrentUpdatesAreSerialized(t *testing.T) {
	p := newTestPipeline(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 10 {
				rr, _ := dns.NewRR(dns.Fqdn(strings.Repeat("x", i+1)+".example.org.") + " 300 IN TXT " + string(rune('a'+j)))
				if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	z, _ := p.Zone("example.org.")
	if z.Len() != testzone.Records+80 {
		t.Fatalf("want %d records, got %d: updates were lost", testzone.Records+80, z.Len())
	}
	if onDisk := durable(t, p); onDisk.Len() != z.Len() {
		t.Fatalf("a restart would see %d records, memory has %d", onDisk.Len(), z.Len())
	}
}

func TestCreateAndRemoveZone(t *testing.T) {
	p := newTestPipeline(t)
	tx, _ := zone.New("example.net.")
	soa, _ := dns.NewRR("example.net. 3600 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5")
	tx.Add(soa)
	z, _ := tx.Commit()
	if err := p.Create(Meta{Op: "test"}, z); err != nil {
		t.Fatal(err)
	}
	if err := p.Create(Meta{Op: "test"}, z); !errors.Is(err, ErrZoneExists) {
		t.Fatalf("second create: %v", err)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "example.net.zone")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Delete(Meta{Op: "test"}, "example.net.", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "example.net.zone")); !os.IsNotExist(err) {
		t.Fatal("zone file still there")
	}
	if _, ok := p.Zone("example.net."); ok {
		t.Fatal("removed zone still served")
	}
}

// A batch applies each change to the zone the changes before it left, a
// change that fails fails alone, and the batch's changes are made durable
// by one sync and published by one swap.
func TestBatchBuildsEachChangeOnTheOneBefore(t *testing.T) {
	p := newTestPipeline(t)
	z0, _ := p.Zone("example.org.")
	start := z0.Serial()
	add := func(s string) Edit {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }
	}
	req := func(ifSerial *uint32, fn Edit) *request {
		return &request{Change: Change{Zone: "example.org.", Meta: Meta{Op: "test"}, IfSerial: ifSerial, Edit: fn}, done: make(chan struct{})}
	}
	batch := []*request{
		req(&start, add("one.example.org. 300 IN A 192.0.2.1")),
		req(nil, add("www.example.org. 300 IN CNAME elsewhere.example.org.")), // refused: www has an A
		req(&start, add("two.example.org. 300 IN A 192.0.2.2")),               // refused: the zone moved on
		req(nil, add("three.example.org. 300 IN A 192.0.2.3")),
		{Change: Change{Zone: "example.com.", Meta: Meta{Op: "test"}, Edit: add("x.example.com. 300 IN A 192.0.2.4")}, done: make(chan struct{})},
	}
	swapsBefore := testutil.ToFloat64(swaps)
	p.mu.Lock()
	p.apply(batch)
	p.mu.Unlock()

	if batch[0].err != nil || batch[3].err != nil {
		t.Fatalf("valid changes failed: %v, %v", batch[0].err, batch[3].err)
	}
	if !errors.Is(batch[1].err, zone.ErrCNAMEConflict) || !errors.Is(batch[2].err, ErrStale) || !errors.Is(batch[4].err, ErrZoneNotFound) {
		t.Fatalf("want a CNAME conflict, a failed precondition and no zone; got %v, %v, %v", batch[1].err, batch[2].err, batch[4].err)
	}
	if batch[3].res.Old != batch[0].res.New {
		t.Fatal("the fourth change was not made to the zone the first one left")
	}
	if !SerialGreater(batch[0].res.New.Serial(), z0.Serial()) || batch[3].res.New.Serial() != batch[0].res.New.Serial()+1 {
		t.Fatalf("serials %d -> %d -> %d: want a rise, then one step", z0.Serial(), batch[0].res.New.Serial(), batch[3].res.New.Serial())
	}
	if got := testutil.ToFloat64(swaps) - swapsBefore; got != 1 {
		t.Fatalf("%v snapshot swaps for one batch, want 1", got)
	}
	served, _ := p.Zone("example.org.")
	if served != batch[3].res.New {
		t.Fatal("the zone served is not the batch's last")
	}
	if j := p.journals["example.org."]; j.Len() != 2 {
		t.Fatalf("the journal holds %d synced entries, want 2", j.Len())
	}
	if d := durable(t, p); d.Serial() != served.Serial() || d.Len() != served.Len() {
		t.Fatalf("a restart would load serial %d with %d records; served: %d with %d", d.Serial(), d.Len(), served.Serial(), served.Len())
	}
	for _, r := range batch[1:3] {
		if r.res.New != nil {
			t.Fatal("a refused change returned a zone")
		}
	}
}

// A change whose function panics fails alone: the writer goes on, and the
// change after it in the batch is applied.
func TestPanickingChangeFailsAlone(t *testing.T) {
	p := newTestPipeline(t)
	rr, _ := dns.NewRR("after.example.org. 300 IN A 192.0.2.7")
	batch := []*request{
		{Change: Change{Zone: "example.org.", Meta: Meta{Op: "test"}, Edit: func(*zone.Zone, *zone.Txn) error { panic("a bug") }}, done: make(chan struct{})},
		{Change: Change{Zone: "example.org.", Meta: Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}, done: make(chan struct{})},
	}
	p.mu.Lock()
	p.apply(batch)
	p.mu.Unlock()
	if batch[0].err == nil || !strings.Contains(batch[0].err.Error(), "a bug") || batch[0].res.New != nil {
		t.Fatalf("the panicking change: %v", batch[0].err)
	}
	if batch[1].err != nil {
		t.Fatalf("the change after it: %v", batch[1].err)
	}
	if z, _ := p.Zone("example.org."); len(mustNode(z, "after.example.org.").Type(dns.TypeA)) != 1 {
		t.Fatal("the change after the panic is not served")
	}
}

// A sync that fails fails the batch's changes to that zone, and none of them
// is served; another zone's changes in the same batch go through. The
// journal here is /dev/null, which takes writes and refuses fdatasync.
func TestFailedSyncFailsTheZonesChangesInTheBatch(t *testing.T) {
	p := newTestPipeline(t)
	tx, _ := zone.New("example.net.")
	soa, _ := dns.NewRR("example.net. 3600 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5")
	tx.Add(soa)
	net, _ := tx.Commit()
	if err := p.Create(Meta{Op: "test"}, net); err != nil {
		t.Fatal(err)
	}
	path, _ := store.JournalPath(p.dir, "example.org.")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.Symlink("/dev/null", path); err != nil {
		t.Fatal(err)
	}
	req := func(origin, s string) *request {
		rr, _ := dns.NewRR(s)
		return &request{Change: Change{Zone: origin, Meta: Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}, done: make(chan struct{})}
	}
	batch := []*request{
		req("example.org.", "one.example.org. 300 IN A 192.0.2.1"),
		req("example.net.", "one.example.net. 300 IN A 192.0.2.2"),
		req("example.org.", "two.example.org. 300 IN A 192.0.2.3"),
	}
	org, _ := p.Zone("example.org.")
	p.mu.Lock()
	p.apply(batch)
	p.mu.Unlock()

	if batch[0].err == nil || batch[2].err == nil || batch[0].res.New != nil || batch[2].res.New != nil {
		t.Fatalf("changes to the zone whose sync failed: %v, %v", batch[0].err, batch[2].err)
	}
	if batch[1].err != nil {
		t.Fatalf("the other zone's change: %v", batch[1].err)
	}
	if z, _ := p.Zone("example.org."); z != org {
		t.Fatal("a change whose sync failed is served")
	}
	if z, _ := p.Zone("example.net."); z != batch[1].res.New {
		t.Fatal("the other zone's change is not served")
	}
	if last, ok := p.dirty["example.org."]; !ok || !last.IsZero() {
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
			p := newTestPipeline(t)
			// The process's CPU time is made up: a second more at every
			// reading (saturated) or none (idle).
			var used time.Duration
			cpu := func() time.Duration { used += time.Second; return used }
			if tc.idle {
				cpu = func() time.Duration { return 0 }
			}
			p.gather = gathering{busy: time.Hour, wait: 10 * time.Second, max: 6, load: gatherLoad, cpu: cpu}
			if tc.busy {
				p.gather.busy = 0
			}
			p.lastBatch = tc.last
			add := func(i int) *request {
				rr, err := dns.NewRR(fmt.Sprintf("w%d.example.org. 300 IN A 192.0.2.1", i))
				if err != nil {
					t.Fatal(err)
				}
				return &request{Change: Change{Zone: "example.org.", Meta: Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}, done: make(chan struct{})}
			}
			before := testutil.ToFloat64(swaps)
			var first []*request
			for i := range tc.queued {
				first = append(first, add(i))
			}
			p.queueMu.Lock()
			p.queue, p.writing = first, true
			p.queueMu.Unlock()
			go p.writer()
			last := first[len(first)-1]
			if !tc.waits {
				select { // well before the 10 s a gathering writer would wait
				case <-last.done:
				case <-time.After(5 * time.Second):
					t.Fatal("the queued changes waited for more")
				}
				if z, _ := p.Zone("example.org."); z.Len() != testzone.Records+tc.queued {
					t.Errorf("%d records, want %d", z.Len(), testzone.Records+tc.queued)
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
					if _, err := p.Apply(r.Change); err != nil {
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
			if z, _ := p.Zone("example.org."); z.Len() != testzone.Records+6 {
				t.Errorf("%d records, want %d", z.Len(), testzone.Records+6)
			}
		})
	}
}
