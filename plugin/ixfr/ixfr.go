// Package ixfr keeps each zone's recent differences, as IXFR (RFC 1995)
// sends them: a step after publication (a pipeline.Listener) that the
// transfer path reads. It holds only what the pipeline published.
package ixfr

import (
	"sync"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

// The log keeps, per zone, the last MaxDiffs changes, as long as they hold
// at most MaxRRs records (the newest is kept whatever its size). An older
// serial gets an AXFR (RFC 1995 §4).
const (
	MaxDiffs = 1000
	MaxRRs   = 100000
)

// Diff is one change of a zone, as IXFR sends it.
type Diff struct {
	From, To *dns.SOA
	Del, Add []dns.RR // without the SOA
}

func (d Diff) size() int { return len(d.Del) + len(d.Add) + 2 }

// Log is the IXFR differences of every zone of a store.
type Log struct {
	mu    sync.Mutex
	zones map[string]*changes
}

// changes is one zone's history: its last changes, oldest first, and the
// number of records they hold.
type changes struct {
	diffs []Diff
	rrs   int
}

var _ pipeline.Listener = (*Log)(nil)

// New returns an empty log.
func New() *Log { return &Log{zones: map[string]*changes{}} }

// Published implements pipeline.Listener. A change is remembered; a zone
// created, read again from a file or deleted loses its history, and a
// secondary then gets an AXFR (a zone created again does not continue the
// old one's history).
func (l *Log) Published(e *pipeline.Event) {
	if e.Kind == pipeline.Changed {
		l.remember(e.Zone, e.Old.SOA(), e.New.SOA(), e.Removed, e.Added)
		return
	}
	l.mu.Lock()
	delete(l.zones, e.Zone)
	l.mu.Unlock()
}

// remember records a change of origin's zone from serial from to to.
func (l *Log) remember(origin string, from, to *dns.SOA, del, add []dns.RR) {
	d := Diff{From: from, To: to}
	for _, rr := range del {
		if rr.Header().Rrtype != dns.TypeSOA {
			d.Del = append(d.Del, rr)
		}
	}
	for _, rr := range add {
		if rr.Header().Rrtype != dns.TypeSOA {
			d.Add = append(d.Add, rr)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.zones[origin]
	if h == nil {
		h = &changes{}
		l.zones[origin] = h
	}
	h.diffs = append(h.diffs, d)
	h.rrs += d.size()
	for len(h.diffs) > MaxDiffs || (h.rrs > MaxRRs && len(h.diffs) > 1) {
		h.rrs -= h.diffs[0].size()
		h.diffs = h.diffs[1:]
	}
}

// Since returns the differences that lead from serial to the zone's
// current serial, or false when the log does not reach back to it.
func (l *Log) Since(origin string, serial, current uint32) ([]Diff, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.zones[origin]
	if h == nil {
		return nil, false
	}
	for i, d := range h.diffs {
		if d.From.Serial == serial {
			out := append([]Diff(nil), h.diffs[i:]...)
			return out, out[len(out)-1].To.Serial == current
		}
	}
	return nil, false
}

// size returns the number of differences kept for origin, and the records
// they hold.
func (l *Log) size(origin string) (diffs, rrs int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h := l.zones[origin]; h != nil {
		return len(h.diffs), h.rrs
	}
	return 0, 0
}
