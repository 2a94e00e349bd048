package zoneapi

import (
	"errors"
	"fmt"

	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Sentinel errors of the write path; the API maps them to HTTP statuses in
// one place.
var (
	ErrZoneNotFound = errors.New("zone not found")
	ErrZoneExists   = errors.New("zone already exists")
)

// change is the one write path: fn edits a transaction on the current zone;
// then the serial is bumped once (nextSerial), the zone-wide rules are
// checked, and the new zone is written to the store and only then published.
// A change that is visible over DNS is on disk, and one that failed to
// persist is never seen. Writers are serialized; readers never wait.
// ifMatch, when set, must be the zone's current ETag. A dry run stops before
// writing and returns the zone it would publish.
func (st *state) change(w why, origin string, ifMatch *string, dryRun bool, fn func(z *zone.Zone, tx *zone.Txn) error) (old, nz *zone.Zone, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	z, ok := set.Get(origin)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	if ifMatch != nil && *ifMatch != "*" && *ifMatch != etag(z) {
		return z, nil, fmt.Errorf("If-Match is %s but the zone is at %s: %w", *ifMatch, etag(z), errPrecondition)
	}
	tx := z.Txn()
	tx.SetLimit(st.maxRecords)
	if err := fn(z, tx); err != nil {
		return z, nil, err
	}
	if err := bumpSerial(tx, z.Serial()); err != nil {
		return z, nil, err
	}
	if nz, err = tx.Commit(); err != nil {
		return z, nil, err
	}
	if n, ok := z.Node(origin); ok && len(n.Type(dns.TypeNS)) > 0 {
		if n2, _ := nz.Node(origin); len(n2.Type(dns.TypeNS)) == 0 {
			return z, nil, errLastNS
		}
	}
	if dryRun {
		return z, nz, nil
	}
	removed, added, err := st.persist(z, nz, tx.Touched())
	if err != nil {
		persistFailures.Inc()
		return z, nil, err
	}
	st.publish(set.With(nz), nz.Len()-z.Len())
	st.applyIDs(origin, removed, added)
	st.changed(origin)
	st.commitChange(w, z, nz, countNonSOA(added), countNonSOA(removed), nil)
	return z, nz, nil
}

// bumpSerial sets the serial of the zone being built to the one after cur,
// unless the change itself set a higher one.
func bumpSerial(tx *zone.Txn, cur uint32) error {
	soa := tx.RRset(tx.Origin(), dns.TypeSOA)
	if len(soa) != 1 {
		return zone.ErrNoSOA
	}
	s := dns.Copy(soa[0]).(*dns.SOA)
	if serialGreater(s.Serial, cur) {
		return nil
	}
	s.Serial = nextSerial(cur, timeNow())
	return tx.ReplaceRRset(tx.Origin(), dns.TypeSOA, []dns.RR{s})
}

// etag is a zone's version as an entity tag: its serial, which every change
// raises.
func etag(z *zone.Zone) string { return fmt.Sprintf("%q", fmt.Sprint(z.Serial())) }

// create adds a new zone to the store and publishes it.
func (st *state) create(w why, z *zone.Zone) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	if _, ok := set.Get(z.Origin()); ok {
		return fmt.Errorf("%s: %w", z.Origin(), ErrZoneExists)
	}
	if st.maxZones > 0 && set.Len() >= st.maxZones {
		return fmt.Errorf("the store holds %d zones, its max_zones: %w", set.Len(), errTooManyZones)
	}
	if err := store.WriteFile(st.dir, z); err != nil {
		return err
	}
	st.written[z.Origin()] = stampOf(st.zonePath(z.Origin()))
	st.forget(z.Origin()) // a zone created again does not continue the old one's history
	st.publish(set.With(z), z.Len())
	st.dropIDs(z.Origin())
	st.changed(z.Origin())
	st.commitChange(w, nil, z, z.Len()-1, 0, nil)
	return nil
}

// remove deletes a zone from the store, then stops serving it.
func (st *state) remove(w why, origin string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.zones.Load()
	z, ok := set.Get(origin)
	if !ok {
		return fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	if err := store.RemoveFile(st.dir, origin); err != nil {
		return err
	}
	st.drop(w, z)
	return nil
}

// drop stops serving z and forgets all that goes with it: its journal, its
// compaction, its file stamp, its IXFR history; its file is gone, and
// the commit of its removal is queued. st.mu is held.
func (st *state) drop(w why, z *zone.Zone) {
	origin := z.Origin()
	if j, ok := st.journals[origin]; ok {
		j.Remove()
		delete(st.journals, origin)
	}
	delete(st.dirty, origin)
	delete(st.written, origin)
	st.forget(origin)
	st.publish(st.zones.Load().Without(origin), -z.Len())
	st.dropIDs(origin)
	st.commitChange(w, z, nil, 0, z.Len()-1, nil)
}

// zoneFor returns the zone that holds name: the one with the longest origin
// at or above it.
func (st *state) zoneFor(name string) (*zone.Zone, error) {
	k, err := zone.Key(dns.Fqdn(name))
	if err != nil {
		return nil, &fieldError{field: "fqdn", err: err}
	}
	z, ok := st.zones.Load().Match(k)
	if !ok {
		return nil, fmt.Errorf("no zone holds %s: %w", name, ErrZoneNotFound)
	}
	return z, nil
}
