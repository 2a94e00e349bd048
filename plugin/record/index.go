package record

import (
	"sync"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Index finds records by id. Ids are hashes: they cannot be turned back
// into a record, and finding one by scanning a zone costs about a
// microsecond a record. Index maps them, per zone, to owner name and type;
// a zone's map is built on its first lookup and kept current by every
// change (a step after publication); a zone created, read again from a
// file or deleted loses its map. A lookup checks the map's answer against
// the snapshot it is given, and scans that snapshot when the map does not
// know: a map a change ahead or behind costs time, never a wrong answer.
type Index struct {
	current func(origin string) (*zone.Zone, bool) // the published zone

	mu    sync.Mutex
	zones map[string]map[string]ref // origin -> id -> where
}

type ref struct {
	owner string
	typ   uint16
}

var _ pipeline.Listener = (*Index)(nil)

// NewIndex returns an empty index over the zones current publishes.
func NewIndex(current func(origin string) (*zone.Zone, bool)) *Index {
	return &Index{current: current, zones: map[string]map[string]ref{}}
}

// Find returns the RR of z whose id is id.
func (x *Index) Find(z *zone.Zone, id string) (dns.RR, bool) {
	x.mu.Lock()
	idx, ok := x.zones[z.Origin()]
	r, known := idx[id]
	x.mu.Unlock()
	if !ok {
		idx = indexOf(z)
		r, known = idx[id]
		x.mu.Lock()
		// Installed only if z is still the published zone: a change
		// published meanwhile was not applied to this map.
		if cur, ok := x.current(z.Origin()); ok && cur == z {
			x.zones[z.Origin()] = idx
		}
		x.mu.Unlock()
	}
	if known {
		if n, ok := z.Node(r.owner); ok {
			for _, rr := range n.Type(r.typ) {
				if ID(rr) == id {
					return rr, true
				}
			}
		}
	}
	return scan(z, id)
}

// Published implements pipeline.Listener.
func (x *Index) Published(e *pipeline.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Kind != pipeline.Changed {
		delete(x.zones, e.Zone)
		return
	}
	idx, ok := x.zones[e.Zone]
	if !ok {
		return
	}
	for _, rr := range e.Removed {
		delete(idx, ID(rr))
	}
	for _, rr := range e.Added {
		idx[ID(rr)] = ref{rr.Header().Name, rr.Header().Rrtype}
	}
}

// indexOf maps every record of z by id.
func indexOf(z *zone.Zone) map[string]ref {
	idx := make(map[string]ref, z.Len())
	z.Walk(func(n *zone.Node) bool {
		for _, s := range n.Sets {
			for _, rr := range s.RRs {
				idx[ID(rr)] = ref{rr.Header().Name, s.Type}
			}
		}
		return true
	})
	return idx
}

// scan returns the RR of z whose id is id, looking at every record.
func scan(z *zone.Zone, id string) (dns.RR, bool) {
	var found dns.RR
	z.Walk(func(n *zone.Node) bool {
		for _, s := range n.Sets {
			for _, rr := range s.RRs {
				if ID(rr) == id {
					found = rr
					return false
				}
			}
		}
		return true
	})
	return found, found != nil
}
