package pipeline

import (
	"fmt"
	"os"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Durability: a change is acknowledged once its entry is appended to the
// zone's journal (apply.go) and synced, at a cost that does not depend on
// the zone's size. The compactor (compact.go) later writes the zone's file
// from memory and empties the journal. At startup each file is loaded and
// the entries of its journal that are newer than the file are applied
// again (here).

// replay applies to z the journal entries that are newer than it. Entries
// the file already holds (compacted before a crash emptied the journal) are
// skipped; a gap in the chain of serials stops the replay with an error.
func replay(z *zone.Zone, entries []store.Entry) (*zone.Zone, int, error) {
	applied := 0
	for i, e := range entries {
		if e.To == z.Serial() || SerialGreater(z.Serial(), e.To) {
			continue // already in the file
		}
		if e.From != z.Serial() {
			return z, applied, fmt.Errorf("journal entry %d goes from serial %d, the zone is at %d", i+1, e.From, z.Serial())
		}
		nz, err := replayEntry(z, e)
		if err != nil {
			return z, applied, fmt.Errorf("journal entry %d: %w", i+1, err)
		}
		z = nz
		applied++
	}
	return z, applied, nil
}

// replayEntry applies one journal entry to z.
func replayEntry(z *zone.Zone, e store.Entry) (*zone.Zone, error) {
	tx := z.Txn()
	for _, s := range e.Del {
		rr, err := dns.NewRR(s)
		if err != nil || rr == nil {
			return nil, fmt.Errorf("%q: %v", s, err)
		}
		if rr.Header().Rrtype != dns.TypeSOA {
			tx.Delete(rr)
		}
	}
	for _, s := range e.Add {
		rr, err := dns.NewRR(s)
		if err != nil || rr == nil {
			return nil, fmt.Errorf("%q: %v", s, err)
		}
		if rr.Header().Rrtype == dns.TypeSOA {
			err = tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{rr})
		} else {
			err = tx.Add(rr)
		}
		if err != nil {
			return nil, err
		}
	}
	for k, v := range e.Notes {
		if v == nil {
			tx.DeleteNote(k)
		} else if err := tx.SetNote(k, *v); err != nil {
			return nil, fmt.Errorf("note %q: %w", k, err)
		}
	}
	return tx.Commit()
}

// replayJournals applies the journals of the loaded zones, at startup, and
// returns the number of entries applied to each zone. p.mu is held.
func (p *Pipeline) replayJournals(zones []*zone.Zone) ([]*zone.Zone, map[string]int) {
	replayed := map[string]int{}
	for i, z := range zones {
		path, _ := store.JournalPath(p.dir, z.Origin())
		if _, err := os.Stat(path); err != nil {
			continue // no journal: the file is the zone
		}
		j, entries, err := store.OpenJournal(p.dir, z.Origin())
		if err != nil {
			log.Errorf("zone %s: %v; serving the file without it", z.Origin(), err)
			continue
		}
		if j.Repaired() {
			log.Warningf("zone %s: the journal's last entry was cut short by a crash; it was never acknowledged", z.Origin())
		}
		nz, applied, err := replay(z, entries)
		if err != nil {
			log.Errorf("zone %s: %v; serving the file and the %d entries before it", z.Origin(), err, applied)
		}
		if applied > 0 {
			log.Infof("zone %s: %d changes from the journal applied, serial %d", z.Origin(), applied, nz.Serial())
			zones[i] = nz
			replayed[z.Origin()] = applied
		}
		p.journals[z.Origin()] = j
		p.dirty[z.Origin()] = time.Time{} // compact soon
	}
	return zones, replayed
}

// removeJournal removes origin's journal, if it has one, and forgets that
// the zone was to be compacted. p.mu is held.
func (p *Pipeline) removeJournal(origin string) error {
	delete(p.dirty, origin)
	j, ok := p.journals[origin]
	if !ok {
		return nil
	}
	delete(p.journals, origin)
	return j.Remove()
}
