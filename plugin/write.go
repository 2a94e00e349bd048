package zoneapi

import (
	"errors"
	"fmt"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Sentinel errors of the write path; the API maps them to HTTP statuses in
// one place.
var (
	ErrZoneNotFound = errors.New("zone not found")
	ErrZoneExists   = errors.New("zone already exists")
)

// update applies fn to a transaction on the zone origin, writes the new zone
// to the store, and only then publishes it: a change that is visible over DNS
// is on disk, and a change that failed to persist is never seen. Writers are
// serialized; readers are never blocked.
func (st *state) update(origin string, fn func(*zone.Txn) error) (*zone.Zone, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	z, ok := set.Get(origin)
	if !ok {
		return nil, fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	tx := z.Txn()
	if err := fn(tx); err != nil {
		return nil, err
	}
	nz, err := tx.Commit()
	if err != nil {
		return nil, err
	}
	if err := store.WriteFile(st.dir, nz); err != nil {
		return nil, err
	}
	st.publish(set.With(nz))
	return nz, nil
}

// create adds a new zone to the store and publishes it.
func (st *state) create(z *zone.Zone) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	if _, ok := set.Get(z.Origin()); ok {
		return fmt.Errorf("%s: %w", z.Origin(), ErrZoneExists)
	}
	if err := store.WriteFile(st.dir, z); err != nil {
		return err
	}
	st.publish(set.With(z))
	return nil
}

// remove deletes a zone from the store, then stops serving it.
func (st *state) remove(origin string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	if _, ok := set.Get(origin); !ok {
		return fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	if err := store.RemoveFile(st.dir, origin); err != nil {
		return err
	}
	st.publish(set.Without(origin))
	return nil
}
