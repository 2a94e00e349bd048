package pipeline

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// apply builds and journals each change of batch on the zone as the batch
// has left it, syncs each journal written to, and publishes the zones whose
// changes are durable in one swap. p.mu is held.
func (p *Pipeline) apply(batch []*request) {
	if p.closed {
		for _, r := range batch {
			r.err = ErrClosed
		}
		return
	}
	set := p.zones.Load()
	maxRecords := p.Limits().MaxRecords
	latest := map[string]*zone.Zone{} // each changed zone after the batch's changes so far
	for _, r := range batch {
		z, ok := latest[r.Zone]
		if !ok {
			z, ok = set.Get(r.Zone)
		}
		r.res.Old = z
		if !ok {
			r.err = fmt.Errorf("%s: %w", r.Zone, ErrZoneNotFound)
			continue
		}
		nz, touched, notes, err := build(z, r.Change, maxRecords)
		if err != nil {
			r.err = err
			continue
		}
		r.touched = touched
		if r.res.Removed, r.res.Added, err = p.journal(z, nz, touched, notes); err != nil {
			r.err = persistError(err)
			continue
		}
		r.res.New = nz
		latest[r.Zone] = nz
	}
	failed := map[string]error{}
	for origin := range latest {
		if err := p.journals[origin].Sync(); err != nil {
			failed[origin] = err
			delete(latest, origin)
		}
	}
	delta := 0
	var events []*Event
	for _, r := range batch {
		if j := p.journals[r.Zone]; j != nil && j.Bad() {
			p.dirty[r.Zone] = time.Time{} // compaction writes the file from memory and starts a new journal
		}
		if err, ok := failed[r.Zone]; ok && r.res.New != nil {
			r.res.New, r.res.Removed, r.res.Added, r.err = nil, nil, nil, persistError(err)
		}
		if r.err != nil {
			continue
		}
		delta += r.res.New.Len() - r.res.Old.Len()
		events = append(events, &Event{Kind: Changed, Zone: r.Zone, Old: r.res.Old, New: r.res.New, Meta: r.Meta,
			Removed: r.res.Removed, Added: r.res.Added, Touched: r.touched})
	}
	if len(latest) == 0 {
		return
	}
	for _, nz := range latest {
		set = set.With(nz)
	}
	now := time.Now()
	for _, e := range events {
		p.dirty[e.Zone] = now
	}
	p.publish(set, delta, events)
}

// build makes the change c to z: the edits, the serial bumped once, and the
// zone-wide rules checked. It returns the new zone, the names it touched
// and the keys of the notes it changed. A panic in the edit fails this change only: it runs on the
// writer, out of reach of any request's recovery.
func build(z *zone.Zone, c Change, maxRecords int) (nz *zone.Zone, touched [][]byte, notes []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Errorf("change to %s panicked: %v\n%s", z.Origin(), p, debug.Stack())
			nz, touched, notes, err = nil, nil, nil, fmt.Errorf("%w: %v", ErrInternal, p)
		}
	}()
	if c.IfSerial != nil && *c.IfSerial != z.Serial() {
		return nil, nil, nil, fmt.Errorf("the change expects serial %d but the zone is at %d: %w", *c.IfSerial, z.Serial(), ErrStale)
	}
	tx := z.Txn()
	tx.SetLimit(maxRecords)
	if err := c.Edit(z, tx); err != nil {
		return nil, nil, nil, err
	}
	if err := bumpSerial(tx, z.Serial()); err != nil {
		return nil, nil, nil, err
	}
	notes = tx.NotesTouched()
	touched = tx.Touched()
	if nz, err = tx.Commit(); err != nil {
		return nil, nil, nil, err
	}
	if len(z.Apex().Type(dns.TypeNS)) > 0 && len(nz.Apex().Type(dns.TypeNS)) == 0 {
		return nil, nil, nil, ErrLastNS
	}
	return nz, touched, notes, nil
}

// journal gives the change from z to nz to the zone's journal: one entry of
// what changed at the touched names, which the journal's Sync writes and
// syncs with the rest of the batch. It returns the records removed and
// added. p.mu is held.
func (p *Pipeline) journal(z, nz *zone.Zone, touched [][]byte, notes []string) (removed, added []dns.RR, err error) {
	removed, added = zone.Diff(z, nz, touched)
	e := store.Entry{From: z.Serial(), To: nz.Serial(), Del: texts(removed), Add: texts(added)}
	if len(notes) > 0 {
		e.Notes = make(map[string]*string, len(notes))
		for _, k := range notes {
			if v, ok := nz.Note(k); ok {
				e.Notes[k] = &v
			} else {
				e.Notes[k] = nil
			}
		}
	}
	j, ok := p.journals[nz.Origin()]
	if !ok {
		if j, _, err = store.OpenJournal(p.dir, nz.Origin()); err != nil {
			return nil, nil, err
		}
		p.journals[nz.Origin()] = j
	}
	if err := j.Write(e); err != nil {
		return nil, nil, err
	}
	return removed, added, nil
}

func texts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}
