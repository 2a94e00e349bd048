package zoneapi

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Sentinel errors of the write path; the API maps them to HTTP statuses in
// one place.
var (
	ErrZoneNotFound = errors.New("zone not found")
	ErrZoneExists   = errors.New("zone already exists")
)

// change is the one write path: fn edits a transaction on the current zone;
// then the serial is bumped once (nextSerial), the zone-wide rules are
// checked, and the new zone is written to the store and only then published.
// A change that is visible over DNS is on disk, and one that failed to
// persist is never seen. Writers are serialized; readers never wait.
// ifMatch, when set, must be the zone's current ETag. A dry run stops before
// writing and returns the zone it would publish. old is the zone the change
// was made to (or refused by).
//
// Changes are applied by one writer goroutine, in the order they came, in
// batches: each change of a batch is built on the one before and given to
// its zone's journal, then one write and one sync per zone make them all
// durable and one snapshot swap publishes them (group commit). A change
// that fails fails alone; a write or sync that fails fails every change of
// its zone in the batch. Under concurrent writers a batch costs one write
// and one sync, not one a change.
func (st *state) change(w why, origin string, ifMatch *string, dryRun bool, fn func(z *zone.Zone, tx *zone.Txn) error) (old, nz *zone.Zone, err error) {
	if dryRun {
		st.mu.Lock()
		defer st.mu.Unlock()
		z, ok := st.zones.Load().Get(origin)
		if !ok {
			return nil, nil, fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
		}
		nz, _, err = build(z, ifMatch, st.maxRecords, fn)
		return z, nz, err
	}
	r := &changeReq{why: w, origin: origin, ifMatch: ifMatch, fn: fn, done: make(chan struct{})}
	st.queueMu.Lock()
	st.queue = append(st.queue, r)
	start := !st.writing
	st.writing = true
	st.queueMu.Unlock()
	if start {
		go st.writer()
	}
	<-r.done
	return r.old, r.nz, r.err
}

// changeReq is a change waiting for the writer, and then its outcome.
type changeReq struct {
	why     why
	origin  string
	ifMatch *string
	fn      func(z *zone.Zone, tx *zone.Txn) error

	old, nz        *zone.Zone
	removed, added []dns.RR
	touched        [][]byte // the keys of the names the change touched
	err            error
	done           chan struct{} // closed once the outcome is set
}

// Group commit on a saturated core. When the writer's yield took long
// (busyYield: other goroutines, most likely DNS queries, had the CPU) the CPU
// is the limit and not the disk: if more than one change is queued, or the
// batch before had more than one (several clients are writing), the writer
// waits up to gatherFor after the yield for more changes, up to gatherMax,
// so that they share one sync. A quick yield right after a busy one still
// counts as busy: under a steady stream a third of the batches otherwise
// went alone or in pairs, each with a sync of its own. A busy Go process
// polls the network about every 10 ms, so API requests arrive in clumps.
// Each sync costs the queries about 0.3 ms of the core on the test machine
// (its CPU, thread switches and the caches it leaves cold): at 500 changes a
// second under a full DNS load the writer made 100 syncs a second, and makes
// about 50 now, for about 4 ms more latency at p50 (docs/BENCHMARKS.md). The
// wait ends early when the process leaves its CPU idle for a millisecond of
// it (gatherLoad): the core is no longer the limit, and every client that
// could send a change is most likely in the batch already. On a server with
// CPU to spare, or for a lone change after a lone change, the writer never
// waits.
const (
	busyYield  = 500 * time.Microsecond
	gatherFor  = 16 * time.Millisecond
	gatherMax  = 32
	gatherLoad = 0.5
)

// gathering is when a batch waits for more changes: after a yield of busy
// or longer (this one or the last batch's), up to wait from the yield's
// start, for up to max changes.
type gathering struct {
	busy, wait time.Duration
	max        int
	load       float64              // the share of its Ps' time the process must use for the wait to go on
	cpu        func() time.Duration // the process's CPU time so far (processCPU)
}

// batchSeen is what the writer saw of its last batch: how many changes it
// took, and whether its yield was busy.
type batchSeen struct {
	changes int
	busy    bool
}

// writer applies the queued changes, all that are queued at once, until
// none is left.
func (st *state) writer() {
	for {
		// Let the goroutines that are ready to run go first: on a busy
		// server some are API requests about to queue a change, which then
		// join this batch and share its sync; on an idle one this returns
		// at once.
		start := time.Now()
		runtime.Gosched()
		busy := time.Since(start) >= st.gather.busy
		batch := st.take(nil)
		if len(batch) == 0 {
			return
		}
		if (busy || st.lastBatch.busy) && (len(batch) > 1 || st.lastBatch.changes > 1) {
			for len(batch) < st.gather.max && time.Since(start) < st.gather.wait {
				cpu, slept := st.gather.cpu(), time.Now()
				time.Sleep(time.Millisecond)
				batch = st.take(batch)
				if st.gather.cpu()-cpu < time.Duration(st.gather.load*float64(time.Since(slept))*float64(runtime.GOMAXPROCS(0))) {
					break // the process left its CPU idle: no more changes are on their way
				}
			}
		}
		st.lastBatch = batchSeen{changes: len(batch), busy: busy}
		st.mu.Lock()
		st.apply(batch)
		st.mu.Unlock()
		for _, r := range batch {
			close(r.done)
		}
	}
}

// take appends the queued changes to batch and empties the queue. A writer
// that takes none from an empty batch stops: the next change starts another.
func (st *state) take(batch []*changeReq) []*changeReq {
	st.queueMu.Lock()
	defer st.queueMu.Unlock()
	if len(batch) == 0 && len(st.queue) == 0 {
		st.writing = false
		return nil
	}
	batch = append(batch, st.queue...)
	st.queue = nil
	return batch
}

// apply builds and journals each change of batch on the zone as the batch
// has left it, syncs each journal written to, and publishes the zones whose
// changes are durable in one swap. st.mu is held.
func (st *state) apply(batch []*changeReq) {
	set := st.zones.Load()
	latest := map[string]*zone.Zone{} // each changed zone after the batch's changes so far
	for _, r := range batch {
		z, ok := latest[r.origin]
		if !ok {
			z, ok = set.Get(r.origin)
		}
		r.old = z
		if !ok {
			r.err = fmt.Errorf("%s: %w", r.origin, ErrZoneNotFound)
			continue
		}
		nz, touched, err := build(z, r.ifMatch, st.maxRecords, r.fn)
		if err != nil {
			r.err = err
			continue
		}
		r.touched = touched
		if r.removed, r.added, err = st.journal(z, nz, touched); err != nil {
			persistFailures.Inc()
			r.err = err
			continue
		}
		r.nz = nz
		latest[r.origin] = nz
	}
	failed := map[string]error{}
	for origin := range latest {
		j := st.journals[origin]
		if err := j.Sync(); err != nil {
			failed[origin] = err
			delete(latest, origin)
		}
	}
	delta := 0
	for _, r := range batch {
		if j := st.journals[r.origin]; j != nil && j.Bad() {
			st.dirty[r.origin] = time.Time{} // compaction writes the file from memory and starts a new journal
		}
		if err, ok := failed[r.origin]; ok && r.nz != nil {
			persistFailures.Inc()
			r.nz, r.removed, r.added, r.err = nil, nil, nil, err
		}
		if r.err != nil {
			continue
		}
		delta += r.nz.Len() - r.old.Len()
	}
	if len(latest) == 0 {
		return
	}
	for _, nz := range latest {
		set = set.With(nz)
	}
	st.publish(set, delta)
	now := time.Now()
	for _, r := range batch {
		if r.err != nil {
			continue
		}
		st.dirty[r.origin] = now
		st.remember(r.old, r.nz, r.removed, r.added) // only a change that happened goes to IXFR
		st.applyIDs(r.origin, r.removed, r.added)
		st.changed(r.origin)
		st.commitChange(r.why, r.old, r.nz, countNonSOA(r.added), countNonSOA(r.removed), nil, r.touched)
	}
}

// build makes the change fn describes to z: the edits, the serial bumped
// once, and the zone-wide rules checked. It returns the new zone and the
// names it touched. A panic in fn fails this change only: fn runs on the
// writer, out of reach of the API's recovery.
func build(z *zone.Zone, ifMatch *string, maxRecords int, fn func(z *zone.Zone, tx *zone.Txn) error) (nz *zone.Zone, touched [][]byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Errorf("change to %s panicked: %v\n%s", z.Origin(), p, debug.Stack())
			nz, touched, err = nil, nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	if ifMatch != nil && *ifMatch != "*" && *ifMatch != etag(z) {
		return nil, nil, fmt.Errorf("If-Match is %s but the zone is at %s: %w", *ifMatch, etag(z), errPrecondition)
	}
	tx := z.Txn()
	tx.SetLimit(maxRecords)
	if err := fn(z, tx); err != nil {
		return nil, nil, err
	}
	if err := bumpSerial(tx, z.Serial()); err != nil {
		return nil, nil, err
	}
	if nz, err = tx.Commit(); err != nil {
		return nil, nil, err
	}
	if len(z.Apex().Type(dns.TypeNS)) > 0 && len(nz.Apex().Type(dns.TypeNS)) == 0 {
		return nil, nil, errLastNS
	}
	return nz, tx.Touched(), nil
}

// bumpSerial sets the serial of the zone being built to the one after cur,
// unless the change itself set a higher one.
func bumpSerial(tx *zone.Txn, cur uint32) error {
	soa := tx.RRset(tx.Origin(), dns.TypeSOA)
	if len(soa) != 1 {
		return zone.ErrNoSOA
	}
	s := dns.Copy(soa[0]).(*dns.SOA)
	if serialGreater(s.Serial, cur) {
		return nil
	}
	s.Serial = nextSerial(cur, timeNow())
	return tx.ReplaceRRset(tx.Origin(), dns.TypeSOA, []dns.RR{s})
}

// etag is a zone's version as an entity tag: its serial, which every change
// raises.
func etag(z *zone.Zone) string { return fmt.Sprintf("%q", fmt.Sprint(z.Serial())) }

// create adds a new zone to the store and publishes it.
func (st *state) create(w why, z *zone.Zone) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	if _, ok := set.Get(z.Origin()); ok {
		return fmt.Errorf("%s: %w", z.Origin(), ErrZoneExists)
	}
	if st.maxZones > 0 && set.Len() >= st.maxZones {
		return fmt.Errorf("the store holds %d zones, its max_zones: %w", set.Len(), errTooManyZones)
	}
	if err := store.WriteFile(st.dir, z); err != nil {
		return err
	}
	st.written[z.Origin()] = stampOf(st.zonePath(z.Origin()))
	st.forget(z.Origin()) // a zone created again does not continue the old one's history
	st.publish(set.With(z), z.Len())
	st.dropIDs(z.Origin())
	st.changed(z.Origin())
	st.commitChange(w, nil, z, z.Len()-1, 0, nil, nil)
	return nil
}

// remove deletes a zone from the store, then stops serving it.
func (st *state) remove(w why, origin string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	z, ok := set.Get(origin)
	if !ok {
		return fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	if err := store.RemoveFile(st.dir, origin); err != nil {
		return err
	}
	st.drop(w, z)
	return nil
}

// drop stops serving z and forgets all that goes with it: its journal, its
// compaction, its file stamp, its IXFR history; its file is gone, and
// the commit of its removal is queued. st.mu is held.
func (st *state) drop(w why, z *zone.Zone) {
	origin := z.Origin()
	st.removeJournal(origin)
	delete(st.written, origin)
	st.forget(origin)
	st.publish(st.zones.Load().Without(origin), -z.Len())
	st.dropIDs(origin)
	st.commitChange(w, z, nil, 0, z.Len()-1, nil, nil)
}

// zoneFor returns the zone that holds name: the one with the longest origin
// at or above it.
func (st *state) zoneFor(name string) (*zone.Zone, error) {
	k, err := zone.Key(dns.Fqdn(name))
	if err != nil {
		return nil, &fieldError{field: "fqdn", err: err}
	}
	z, ok := st.zones.Load().Match(k)
	if !ok {
		return nil, fmt.Errorf("no zone holds %s: %w", name, ErrZoneNotFound)
	}
	return z, nil
}
