package zoneapi

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin(pluginName)

// progressEvery is how often loading a large store says how far it got.
const progressEvery = 2 * time.Second

// state is one zone store and the zones it serves. It outlives a Corefile
// reload: the new instance of the plugin acquires the state that the old
// one holds, so zones are not re-read and nothing changes for queries.
type state struct {
	dir   string
	zones atomic.Pointer[zone.Set] // the published snapshot; readers Load it once per query
	ready atomic.Bool

	// mu serializes writers: one change at a time is built from the current
	// snapshot, persisted, then published.
	mu sync.Mutex

	// Changes waiting for the writer, which applies them in batches (see
	// write.go); writing says whether it runs.
	queueMu   sync.Mutex
	queue     []*changeReq
	writing   bool
	gather    gathering // when a batch waits for more changes
	lastBatch batchSeen // the writer's last batch; only the writer touches it

	refs int // guarded by registryMu

	maxRecords int        // per zone, for changes; 0 is no limit
	maxChanges int        // per PATCH; 0 is the spec's own limit
	maxZones   int        // in the store; 0 is no limit
	api        *apiServer // nil until the first instance starts it

	// Guarded by mu: the open journals, the zones changed since their file
	// was written, and the stamps of the files zoneapi wrote or read.
	journals map[string]*store.Journal
	dirty    map[string]time.Time
	written  map[string]fileStamp

	stop          chan struct{} // closed by the last release: the background goroutines end
	compactorDone chan struct{}

	ids ids // record ids to names and types, see ids.go

	git    *committer // nil without the git property, see git.go
	gitops *gitops    // nil without a remote, see gitops.go

	// IXFR history and NOTIFY, see xfr.go and notify.go.
	histMu  sync.Mutex
	history map[string]*changeLog
	xfer    atomic.Pointer[transfer.Transfer]
	notify  notifyQueue

	updateKeys atomic.Pointer[map[string]*token] // RFC 2136 keys and their scopes

	secondaries atomic.Pointer[[]string] // from the Corefile, for NOTIFY and getPropagation
	prop        propagation

	leases      *leases // ACME challenge values and their expiry, see lease.go
	acmeTTL     uint32
	acmeLease   time.Duration
	acmeWait    bool
	acmeWaitMax time.Duration
}

// secondaryList returns the configured secondaries.
func (st *state) secondaryList() []string {
	if p := st.secondaries.Load(); p != nil {
		return *p
	}
	return nil
}

// updateKey returns the scope of the TSIG key name for UPDATE, or nil.
func (st *state) updateKey(name string) *token {
	keys := st.updateKeys.Load()
	if keys == nil || name == "" {
		return nil
	}
	return (*keys)[strings.ToLower(dns.Fqdn(name))]
}

// newState returns the state of the store in dir, with nothing loaded.
func newState(dir string, maxRecords int) *state {
	return &state{dir: dir, refs: 1, maxRecords: maxRecords,
		journals: map[string]*store.Journal{}, dirty: map[string]time.Time{}, written: map[string]fileStamp{},
		history: map[string]*changeLog{}, notify: notifyQueue{pending: map[string]bool{}, wake: make(chan struct{}, 1)},
		leases:  &leases{path: filepath.Join(dir, leaseFile), all: map[string]lease{}},
		acmeTTL: defaultACMETTL, acmeLease: defaultACMELease,
		gather: gathering{busy: busyYield, wait: gatherFor, max: gatherMax, load: gatherLoad, cpu: processCPU}}
}

var (
	registryMu sync.Mutex
	registry   = map[string]*state{}
)

// acquire returns the state of the store in cfg.dir, loading it the first time.
func acquire(cfg config) (*state, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if st, ok := registry[cfg.dir]; ok {
		st.refs++
		return st, nil
	}
	st := newState(cfg.dir, cfg.maxRecords)
	replayed, err := st.load(store.Options{MaxRecords: cfg.maxRecords})
	if err != nil {
		return nil, err
	}
	if cfg.git != nil {
		// A history that cannot be opened does not stop DNS: the zones are
		// served, and the log and getGitStatus say that there is no history.
		if err := st.openHistory(cfg.git, replayed); err != nil {
			log.Errorf("git: %v; serving without a Git history", err)
		}
	}
	leases, err := loadLeases(cfg.dir)
	st.leases = leases
	if err != nil {
		log.Errorf("ACME leases: %v; challenge records present before the restart will not expire by themselves", err)
	}
	st.stop, st.compactorDone = make(chan struct{}), make(chan struct{})
	go st.compactor(st.stop, st.compactorDone)
	go st.notifier(st.stop)
	go st.sweep(st.stop)
	if cfg.git != nil && st.git != nil {
		if err := st.startGitOps(cfg.git); err != nil {
			log.Errorf("git: %v; not pulling or pushing", err)
		}
	}
	registry[cfg.dir] = st
	return st, nil
}

// release drops a reference; the last one forgets the state.
func release(st *state) {
	registryMu.Lock()
	defer registryMu.Unlock()
	st.refs--
	if st.refs == 0 {
		delete(registry, st.dir)
		if st.api != nil {
			st.api.stop()
		}
		if st.stop != nil {
			close(st.stop)
			<-st.compactorDone
		}
		if st.git != nil {
			st.git.close()
		}
	}
}

// load reads every zone file of the store and applies their journals. A
// bad file is logged with its file and line and not served; the others
// are. It returns the number of journal entries applied to each zone.
func (st *state) load(opt store.Options) (map[string]int, error) {
	start := time.Now()
	var progress store.Progress
	done := make(chan struct{})
	go func() { // a line every few seconds while a large store loads
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Infof("loading %s: %d of %d zone files, %d records, %s", st.dir, progress.Done.Load(), progress.Files.Load(), progress.Records.Load(), time.Since(start).Round(time.Second))
			}
		}
	}()
	opt.Progress = &progress
	loaded, err := store.LoadDir(st.dir, opt)
	close(done)
	if err != nil {
		return nil, fmt.Errorf("zone store %s: %w", st.dir, err)
	}
	zones := make([]*zone.Zone, 0, len(loaded))
	records := 0
	for _, l := range loaded {
		for _, w := range l.Warnings {
			log.Warningf("%v", &w)
		}
		if l.Err != nil {
			log.Errorf("zone not loaded: %v", l.Err)
			loadErrors.Inc()
			continue
		}
		zones = append(zones, l.Zone)
		st.written[l.Zone.Origin()] = stampOf(l.Path)
	}
	st.mu.Lock()
	zones, replayed := st.replayJournals(zones)
	st.mu.Unlock()
	for _, z := range zones {
		records += z.Len()
	}
	set := zone.NewSet(zones...)
	recordsGauge.WithLabelValues(st.dir).Set(0)
	st.publish(set, records)
	// Parsing a large store leaves garbage several times the zones' size;
	// give that memory back to the system now rather than over minutes.
	debug.FreeOSMemory()
	st.ready.Store(true)
	log.Infof("loaded %d of %d zones, %d records, from %s in %s", len(zones), len(loaded), records, st.dir, time.Since(start).Round(time.Millisecond))
	return replayed, nil
}

// publish makes set the snapshot that queries see; recordsDelta is the
// change in the number of records, so that no publish walks every zone.
func (st *state) publish(set *zone.Set, recordsDelta int) {
	st.zones.Store(set)
	swaps.Inc()
	zonesGauge.WithLabelValues(st.dir).Set(float64(set.Len()))
	recordsGauge.WithLabelValues(st.dir).Add(float64(recordsDelta))
}

// startAPI starts the store's API, or gives it a new Corefile's settings.
func (st *state) startAPI(cfg config) error {
	registryMu.Lock()
	defer registryMu.Unlock()
	if st.api == nil {
		a, err := newAPIServer(st)
		if err != nil {
			return err
		}
		st.api = a
	}
	st.maxRecords, st.maxChanges, st.maxZones = cfg.maxRecords, cfg.maxChanges, cfg.maxZones
	st.acmeTTL, st.acmeLease, st.acmeWait, st.acmeWaitMax = cfg.acmeTTL, cfg.acmeLease, cfg.acmeWait, cfg.acmeWaitMax
	keys := map[string]*token{}
	for _, k := range cfg.updateKeys {
		keys[k.name] = k
	}
	st.updateKeys.Store(&keys)
	secondaries := cfg.secondaries
	st.secondaries.Store(&secondaries)
	return st.api.configure(cfg.listen, &apiConfig{tokens: cfg.tokens, maxBody: cfg.maxBody})
}
