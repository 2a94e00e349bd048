package pipeline

import (
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Kind is how a zone came to be what an Event publishes.
type Kind int

const (
	// Changed: records were edited (an API write, an RFC 2136 update, a
	// lease's expiry, a revert); Removed and Added say which.
	Changed Kind = iota
	// Created: a new zone, made of records (createZone, an import).
	Created
	// Replaced: the zone was read whole from a file (a reload, a GitOps
	// pull); Old may be nil when the file is new.
	Replaced
	// Deleted: the zone is no longer served; New is nil.
	Deleted
)

func (k Kind) String() string {
	return [...]string{"changed", "created", "replaced", "deleted"}[k]
}

// Event is one published change of one zone. It and everything it points
// to are read-only: the zones are published snapshots.
type Event struct {
	Kind     Kind
	Zone     string     // the origin
	Old, New *zone.Zone // Old nil for a new zone, New nil for a deleted one
	Meta     Meta
	Time     time.Time

	// Changed only: the records removed and added (the SOA's old and new
	// versions among them) and the keys of the names the change touched.
	Removed, Added []dns.RR
	Touched        [][]byte

	// Replaced only: the file's bytes when they are not what store.Format
	// would write for New (a file kept as it was written).
	File []byte

	// The change is a commit of the Git history already (a GitOps pull):
	// the history must not record it again.
	InHistory bool
}

// Size is how many records a Changed event added and removed, the SOA's
// versions aside: the change's size without the serial's bump.
func (e *Event) Size() (added, removed int) { return countNonSOA(e.Added), countNonSOA(e.Removed) }

func countNonSOA(rrs []dns.RR) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeSOA {
			n++
		}
	}
	return n
}

// Listener is a step that follows publication: the Git history, the IXFR
// log, NOTIFY, the record-id index, the audit line. Published is called
// for every event, in publish order, by the one goroutine that holds the
// pipeline's write lock: it must be quick and must not block (queue the
// slow part), and must not call back into the pipeline.
type Listener interface {
	Published(e *Event)
}

// Listen adds l to the steps that follow publication, after those added
// before it. Listeners are added while the store is set up, before the
// first change.
func (p *Pipeline) Listen(l Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listeners = append(p.listeners[:len(p.listeners):len(p.listeners)], l)
}

// publish makes set the snapshot that queries see and tells the listeners
// of events, in order; recordsDelta is the change in the number of records,
// so that no publish walks every zone. p.mu is held.
func (p *Pipeline) publish(set *zone.Set, recordsDelta int, events []*Event) {
	p.zones.Store(set)
	swaps.Inc()
	zonesGauge.WithLabelValues(p.dir).Set(float64(set.Len()))
	recordsGauge.WithLabelValues(p.dir).Add(float64(recordsDelta))
	now := time.Now()
	for _, e := range events {
		e.Time = now
		for _, l := range p.listeners {
			l.Published(e)
		}
	}
}
