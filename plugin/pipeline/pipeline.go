// Package pipeline is the one way a zone changes. Every API, RFC 2136, a
// reload, a GitOps pull and an ACME lease's expiry submit their change
// here: it is validated, applied to a new snapshot of its zone, made
// durable in the zone's journal, and only then published in one atomic
// swap of the set of zones that queries read. The steps that follow
// publication (Git history, IXFR log, NOTIFY, record ids, the audit line)
// are Listeners, told of each change in publish order.
//
// The pipeline owns the store's files (zone files and journals) and the
// published snapshot. It knows nothing of HTTP, DNS messages or Git, and
// imports nothing of zoneapi but the zone and store packages.
package pipeline

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// Limits are the settings a Corefile reload may change; they are swapped
// whole.
type Limits struct {
	MaxRecords int // per zone; 0 is no limit
	MaxZones   int // in the store; 0 is no limit
}

// Pipeline is the change pipeline of one zone store.
type Pipeline struct {
	dir     string
	zones   atomic.Pointer[zone.Set] // the published snapshot; readers Load it once per request
	limits  atomic.Pointer[Limits]
	signers atomic.Pointer[func(origin string) Signer] // sign.go
	steps   atomic.Pointer[[]Edit]                     // AddStep

	// mu serializes writers: each change is built from the current
	// snapshot, made durable, then published, one batch at a time.
	mu        sync.Mutex
	listeners []Listener // copied on write, under mu
	closed    bool       // under mu: no change is made after Close

	// Changes waiting for the writer (writer.go); writing says whether it
	// runs.
	queueMu   sync.Mutex
	queue     []*request
	writing   bool
	gather    gathering
	lastBatch batchSeen // only the writer goroutine touches it

	// Guarded by mu: the open journals, the zones changed since their file
	// was written, and the stamps of the files the pipeline wrote or read.
	journals map[string]*store.Journal
	dirty    map[string]time.Time
	written  map[string]fileStamp

	stop, done chan struct{} // the compactor's
}

func newPipeline(dir string, l Limits) *Pipeline {
	p := &Pipeline{dir: dir, journals: map[string]*store.Journal{}, dirty: map[string]time.Time{}, written: map[string]fileStamp{},
		gather: gathering{busy: busyYield, wait: gatherFor, max: gatherMax, load: gatherLoad, cpu: processCPU}}
	p.limits.Store(&l)
	p.zones.Store(zone.NewSet())
	return p
}

// Dir is the store's directory.
func (p *Pipeline) Dir() string { return p.dir }

// Zones returns the published snapshot. A reader loads it once per request
// and uses only that.
func (p *Pipeline) Zones() *zone.Set { return p.zones.Load() }

// Zone returns the published zone of origin, a lower-case FQDN.
func (p *Pipeline) Zone(origin string) (*zone.Zone, bool) { return p.zones.Load().Get(origin) }

// ZoneFor returns the published zone that holds name: the one with the
// longest origin at or above it. A name that is no domain name is
// zone.ErrBadName; one no zone holds, ErrZoneNotFound.
func (p *Pipeline) ZoneFor(name string) (*zone.Zone, error) {
	k, err := zone.Key(strings.ToLower(dns.Fqdn(name)))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	z, ok := p.zones.Load().Match(k)
	if !ok {
		return nil, fmt.Errorf("no zone holds %s: %w", name, ErrZoneNotFound)
	}
	return z, nil
}

// Limits returns the current limits.
func (p *Pipeline) Limits() Limits { return *p.limits.Load() }

// SetLimits takes a (new) Corefile's limits.
func (p *Pipeline) SetLimits(l Limits) { p.limits.Store(&l) }

// Start starts the compactor, which writes the files of changed zones from
// memory and empties their journals (compact.go).
func (p *Pipeline) Start() {
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.compactor(p.stop, p.done)
}

// Close refuses every change from now on (ErrClosed), so that the
// listeners hear of none after it, and stops the compactor, which compacts
// every zone once more: the next start reads the files alone. A change
// that a background task (a lease's expiry, a pull) makes as the store
// closes is refused, and made again after the next start.
func (p *Pipeline) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	if p.stop != nil {
		close(p.stop)
		<-p.done
		p.stop = nil
	}
}
