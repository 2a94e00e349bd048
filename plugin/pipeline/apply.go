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
		b, err := p.build(z, r.Change, maxRecords)
		if err != nil {
			r.err = err
			continue
		}
		nz := b.zone
		r.touched = b.touched
		if err = p.journal(z, b); err != nil {
			r.err = persistError(err)
			continue
		}
		r.res.Removed, r.res.Added = b.removed, b.added
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

// built is a change made to a zone, not yet journaled or published.
type built struct {
	zone           *zone.Zone
	touched        [][]byte // the keys of the names it touched
	notes          []string // the keys of the notes it set or deleted
	removed, added []dns.RR
}

// build makes the change c to z: the edits, the serial bumped once, and the
// zone-wide rules checked. A panic in the edit fails this change only: it
// runs on the writer, out of reach of any request's recovery.
func (p *Pipeline) build(z *zone.Zone, c Change, maxRecords int) (b built, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Errorf("change to %s panicked: %v\n%s", z.Origin(), r, debug.Stack())
			b, err = built{}, fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}()
	if c.IfSerial != nil && *c.IfSerial != z.Serial() {
		return b, fmt.Errorf("the change expects serial %d but the zone is at %d: %w", *c.IfSerial, z.Serial(), ErrStale)
	}
	tx := z.Txn()
	tx.SetLimit(maxRecords)
	if err := c.Edit(z, tx); err != nil {
		return b, err
	}
	if err := p.runSteps(z, tx); err != nil {
		return b, err
	}
	signer := p.signerFor(z.Origin())
	if signer != nil && !c.Resign {
		if err := checkDerived(z, tx, tx.Touched()); err != nil {
			return b, err
		}
	}
	if err := bumpSerial(tx, z.Serial()); err != nil {
		return b, err
	}
	if signer != nil {
		touched := tx.Touched()
		if c.ResignAll {
			touched = nil
		}
		if err := sign(signer, z, tx, touched); err != nil {
			return b, err
		}
	}
	b.notes, b.touched = tx.NotesTouched(), tx.Touched()
	if b.zone, err = tx.Commit(); err != nil {
		return built{}, err
	}
	if len(z.Apex().Type(dns.TypeNS)) > 0 && len(b.zone.Apex().Type(dns.TypeNS)) == 0 {
		return built{}, ErrLastNS
	}
	b.removed, b.added = zone.Diff(z, b.zone, b.touched)
	if err := checkProtected(z, b.removed, b.added); err != nil {
		return built{}, err
	}
	return b, nil
}

// journal gives the change b made to z to the zone's journal: one entry of
// what changed, which the journal's Sync writes and syncs with the rest of
// the batch. p.mu is held.
func (p *Pipeline) journal(z *zone.Zone, b built) (err error) {
	nz := b.zone
	e := store.Entry{From: z.Serial(), To: nz.Serial(), Del: texts(b.removed), Add: texts(b.added)}
	if len(b.notes) > 0 {
		e.Notes = make(map[string]*string, len(b.notes))
		for _, k := range b.notes {
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
			return err
		}
		p.journals[nz.Origin()] = j
	}
	return j.Write(e)
}

func texts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}
