package pipeline

import (
	"fmt"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Convert makes the file of origin's zone one of format src: the zone's
// file is written in it whole (its journal's changes with it), the file of
// the other format removed, and the zone, its records and serial as they
// were, published as Replaced, so that the history commits the new file
// and the old one's removal as one change. A zone of that format already
// is returned as it is.
func (p *Pipeline) Convert(m Meta, origin string, src zone.Source) (*zone.Zone, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	set := p.zones.Load()
	cur, ok := set.Get(origin)
	if !ok {
		return nil, fmt.Errorf("%s is not in the store: %w", origin, ErrZoneNotFound)
	}
	if cur.Source() == src {
		return cur, nil
	}
	tx := cur.Txn()
	tx.SetSource(src)
	z, err := tx.Commit()
	if err != nil {
		return nil, err
	}
	if err := store.WriteFile(p.dir, z); err != nil {
		return nil, persistError(err)
	}
	if err := store.RemoveOther(p.dir, z); err != nil {
		return nil, persistError(err)
	}
	p.removeJournal(origin) // the new file holds its changes
	p.publish(set.With(z), 0, []*Event{{Kind: Replaced, Zone: origin, Old: cur, New: z, Meta: m}})
	p.stamp(origin)
	return z, nil
}
