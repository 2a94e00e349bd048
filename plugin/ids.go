package zoneapi

import (
	"sync"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Record ids are hashes (record.go): they cannot be turned back into a
// record, and finding one by scanning a zone costs about a microsecond a
// record. ids indexes them per zone, from id to owner name and type, built
// on a zone's first lookup by id and kept current by every change made
// through change() (the diff it journals); anything else that replaces a
// zone (reload, create, delete, a GitOps pull) drops the zone's index.
// A lookup checks the index's answer against the snapshot it is given and
// scans that snapshot when the index does not know, so an index that is a
// change ahead or behind costs time, never a wrong answer.
type ids struct {
	mu    sync.Mutex
	zones map[string]map[string]idRef // origin -> id -> where
}

type idRef struct {
	owner string
	typ   uint16
}

// findRecord returns the RR of z whose id is id.
func (st *state) findRecord(z *zone.Zone, id string) (dns.RR, bool) {
	st.ids.mu.Lock()
	idx, ok := st.ids.zones[z.Origin()]
	ref, known := idx[id]
	st.ids.mu.Unlock()
	if !ok {
		idx = indexOf(z)
		ref, known = idx[id]
		st.ids.mu.Lock()
		// Installed only if z is still the published zone: a change
		// published meanwhile was not applied to this index.
		if cur, ok := st.zones.Load().Get(z.Origin()); ok && cur == z {
			if st.ids.zones == nil {
				st.ids.zones = map[string]map[string]idRef{}
			}
			st.ids.zones[z.Origin()] = idx
		}
		st.ids.mu.Unlock()
	}
	if known {
		if n, ok := z.Node(ref.owner); ok {
			for _, rr := range n.Type(ref.typ) {
				if recordID(rr) == id {
					return rr, true
				}
			}
		}
	}
	return scanRecord(z, id)
}

// indexOf indexes every record of z by id.
func indexOf(z *zone.Zone) map[string]idRef {
	idx := make(map[string]idRef, z.Len())
	z.Walk(func(n *zone.Node) bool {
		for _, s := range n.Sets {
			for _, rr := range s.RRs {
				idx[recordID(rr)] = idRef{rr.Header().Name, s.Type}
			}
		}
		return true
	})
	return idx
}

// applyIDs updates origin's index, if it has one, with a change that was
// just published.
func (st *state) applyIDs(origin string, removed, added []dns.RR) {
	st.ids.mu.Lock()
	defer st.ids.mu.Unlock()
	idx, ok := st.ids.zones[origin]
	if !ok {
		return
	}
	for _, rr := range removed {
		delete(idx, recordID(rr))
	}
	for _, rr := range added {
		idx[recordID(rr)] = idRef{rr.Header().Name, rr.Header().Rrtype}
	}
}

// dropIDs forgets origin's index, after its zone was replaced.
func (st *state) dropIDs(origin string) {
	st.ids.mu.Lock()
	delete(st.ids.zones, origin)
	st.ids.mu.Unlock()
}
