package pipeline

import (
	"fmt"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Create adds z, a new zone, to the store and publishes it.
func (p *Pipeline) Create(m Meta, z *zone.Zone) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	set := p.zones.Load()
	if _, ok := set.Get(z.Origin()); ok {
		return fmt.Errorf("%s: %w", z.Origin(), ErrZoneExists)
	}
	if max := p.Limits().MaxZones; max > 0 && set.Len() >= max {
		return fmt.Errorf("the store holds %d zones, its max_zones: %w", set.Len(), ErrTooManyZones)
	}
	z, err := p.signZone(nil, z)
	if err != nil {
		return err
	}
	if err := store.WriteFile(p.dir, z); err != nil {
		return persistError(err)
	}
	p.stamp(z.Origin())
	p.publish(set.With(z), z.Len(), []*Event{{Kind: Created, Zone: z.Origin(), New: z, Meta: m}})
	return nil
}

// Delete removes the zone of origin from the store, then stops serving it.
// ifSerial, when set, is the serial the zone must be at.
func (p *Pipeline) Delete(m Meta, origin string, ifSerial *uint32) (*zone.Zone, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	z, ok := p.Zone(origin)
	if !ok {
		return nil, fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	if ifSerial != nil && *ifSerial != z.Serial() {
		return nil, fmt.Errorf("the deletion expects serial %d but the zone is at %d: %w", *ifSerial, z.Serial(), ErrStale)
	}
	if err := deletable(z); err != nil {
		return nil, err
	}
	if err := store.RemoveFile(p.dir, origin); err != nil {
		return nil, persistError(err)
	}
	p.drop(m, z)
	return z, nil
}

// drop stops serving z, whose file is gone, and forgets its journal, its
// compaction and its file stamp. p.mu is held.
func (p *Pipeline) drop(m Meta, z *zone.Zone) {
	origin := z.Origin()
	if err := p.removeJournal(origin); err != nil {
		log.Warningf("zone %s: removing its journal: %v", origin, err)
	}
	delete(p.written, origin)
	p.publish(p.zones.Load().Without(origin), -z.Len(), []*Event{{Kind: Deleted, Zone: origin, Old: z, Meta: m}})
}
