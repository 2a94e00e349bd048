package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/zoneapi/zoneapi/plugin/hetzner"
)

// Status is what the mirror knows of the upstream and of each zone.
type Status struct {
	Endpoint    string
	Reachable   bool
	LastAttempt time.Time
	LastSuccess time.Time
	LastError   string
	Zones       map[string]*ZoneStatus // by origin
}

// ZoneStatus is one zone's part.
type ZoneStatus struct {
	Zone         string
	UpstreamID   int64
	LastPull     time.Time // the last round that brought the zone in step
	Ahead        []string  // the RRsets changed here that the upstream lacks
	Conflicts    []Conflict
	GoneUpstream bool
	LastError    string
}

// Conflict is an RRset changed on both sides since they last agreed; nil
// is an RRset deleted on that side.
type Conflict struct {
	RRset           string
	Local, Upstream *schema.ZoneRRSet
}

// Errors of Resolve.
var (
	ErrNoConflict = errors.New("no such conflict")
	ErrBadSide    = errors.New(`keep "local" or "upstream"`)
)

// Status returns the mirror's status. What each zone has ahead is worked
// out now, from the zone as served and its base, so it is right while the
// upstream is down.
func (m *Mirror) Status() Status {
	bases, _ := m.loadBases()
	m.mu.Lock()
	st := m.status
	st.Zones = map[string]*ZoneStatus{}
	for origin, zs := range m.status.Zones {
		c := *zs
		st.Zones[origin] = &c
	}
	m.mu.Unlock()
	for origin, b := range bases {
		zs, ok := st.Zones[origin]
		if !ok {
			zs = &ZoneStatus{Zone: origin, UpstreamID: b.ID}
			st.Zones[origin] = zs
		}
		zs.Ahead = m.ahead(origin, b, zs.Conflicts)
	}
	return st
}

// ahead returns the RRsets of the zone whose content is not the base's, but
// for the conflicts.
func (m *Mirror) ahead(origin string, b *base, conflicts []Conflict) []string {
	z, ok := m.pipe.Zone(origin)
	if !ok {
		return nil
	}
	m.mu.Lock()
	last, ok := m.aheads[origin]
	m.mu.Unlock()
	changed := last.ahead
	if !ok || last.z != z || last.base != b {
		loc := hetzner.Contents(z)
		changed = nil
		for _, id := range union(loc, b.RRsets) {
			if loc[id] != b.RRsets[id] {
				changed = append(changed, id)
			}
		}
		m.mu.Lock()
		m.aheads[origin] = aheadOf{z: z, base: b, ahead: changed}
		m.mu.Unlock()
	}
	out := []string{}
	for _, id := range changed {
		if !slices.ContainsFunc(conflicts, func(c Conflict) bool { return c.RRset == id }) {
			out = append(out, id)
		}
	}
	return out
}

// Resolve settles the conflict of the RRset id (name/TYPE) in the zone of
// origin by keeping one side, and runs a round now, which pushes or pulls
// it; the upstream must be reachable.
func (m *Mirror) Resolve(ctx context.Context, origin, id string, keep Side) error {
	if keep != KeepLocal && keep != KeepUpstream {
		return ErrBadSide
	}
	m.mu.Lock()
	zs, ok := m.status.Zones[origin]
	found := ok && slices.ContainsFunc(zs.Conflicts, func(c Conflict) bool { return c.RRset == id })
	if found {
		if m.resolve[origin] == nil {
			m.resolve[origin] = map[string]Side{}
		}
		m.resolve[origin][id] = keep
	}
	m.mu.Unlock()
	if !found {
		return fmt.Errorf("%s in %s: %w", id, origin, ErrNoConflict)
	}
	if err := m.Sync(ctx); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if zs := m.status.Zones[origin]; zs != nil && slices.ContainsFunc(zs.Conflicts, func(c Conflict) bool { return c.RRset == id }) {
		return fmt.Errorf("%s in %s is still in conflict: %s", id, origin, zs.LastError)
	}
	return nil
}

// takeResolutions returns and forgets the sides chosen for the zone.
func (m *Mirror) takeResolutions(origin string) map[string]Side {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.resolve[origin]
	delete(m.resolve, origin)
	return r
}

// setZone changes the zone's status under the lock.
func (m *Mirror) setZone(origin string, f func(*ZoneStatus)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	zs, ok := m.status.Zones[origin]
	if !ok {
		zs = &ZoneStatus{Zone: origin}
		m.status.Zones[origin] = zs
	}
	f(zs)
}

func (m *Mirror) publishGauges() {
	st := m.Status()
	conflicts, ahead := 0, 0
	for _, zs := range st.Zones {
		conflicts += len(zs.Conflicts)
		ahead += len(zs.Ahead)
	}
	conflictsGauge.Set(float64(conflicts))
	aheadGauge.Set(float64(ahead))
	zonesGauge.Set(float64(len(st.Zones)))
}
