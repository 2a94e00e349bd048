package zoneapi

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Durability: a change is acknowledged once its entry is appended to the
// zone's journal and synced; its cost does not depend on the zone's size.
// The compactor writes the zone's file from memory once the zone has been
// quiet for compactAfter, or its journal holds compactEntries entries or an
// eighth as many entries as the zone has records, whichever is more, and
// then empties the journal: under a steady stream of changes the cost of
// rewriting the file, spread over the changes, stays the same whatever the
// zone's size. At startup each file is loaded and the entries
// of its journal that are newer than the file are applied again.
const (
	compactAfter   = 500 * time.Millisecond
	compactEntries = 1000
	compactTick    = 100 * time.Millisecond
)

// fileStamp identifies the version of a zone file that zoneapi wrote or
// read, to tell an edit made out of band.
type fileStamp struct {
	size    int64
	modTime time.Time
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.Size(), fi.ModTime()}
}

func (st *state) zonePath(origin string) string {
	name, _ := store.FileName(origin)
	return filepath.Join(st.dir, name)
}

// journal gives the change from z to nz to the zone's journal: one entry of
// what changed at the touched names, which the journal's Sync writes and
// syncs with the rest of the batch. It returns the records removed and
// added. st.mu is held.
func (st *state) journal(z, nz *zone.Zone, touched [][]byte) (removed, added []dns.RR, err error) {
	removed, added = zone.Diff(z, nz, touched)
	e := store.Entry{From: z.Serial(), To: nz.Serial(), Del: texts(removed), Add: texts(added)}
	j, ok := st.journals[nz.Origin()]
	if !ok {
		if j, _, err = store.OpenJournal(st.dir, nz.Origin()); err != nil {
			return nil, nil, err
		}
		st.journals[nz.Origin()] = j
	}
	if err := j.Write(e); err != nil {
		return nil, nil, err
	}
	return removed, added, nil
}

func countNonSOA(rrs []dns.RR) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeSOA {
			n++
		}
	}
	return n
}

func texts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = rr.String()
	}
	return out
}

// replay applies to z the journal entries that are newer than it. Entries
// the file already holds (compacted before a crash emptied the journal) are
// skipped; a gap in the chain of serials stops the replay with an error.
func replay(z *zone.Zone, entries []store.Entry) (*zone.Zone, int, error) {
	applied := 0
	for i, e := range entries {
		if e.To == z.Serial() || serialGreater(z.Serial(), e.To) {
			continue // already in the file
		}
		if e.From != z.Serial() {
			return z, applied, fmt.Errorf("journal entry %d goes from serial %d, the zone is at %d", i+1, e.From, z.Serial())
		}
		tx := z.Txn()
		for _, s := range e.Del {
			rr, err := dns.NewRR(s)
			if err != nil || rr == nil {
				return z, applied, fmt.Errorf("journal entry %d: %q: %v", i+1, s, err)
			}
			if rr.Header().Rrtype != dns.TypeSOA {
				tx.Delete(rr)
			}
		}
		for _, s := range e.Add {
			rr, err := dns.NewRR(s)
			if err != nil || rr == nil {
				return z, applied, fmt.Errorf("journal entry %d: %q: %v", i+1, s, err)
			}
			if rr.Header().Rrtype == dns.TypeSOA {
				err = tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{rr})
			} else {
				err = tx.Add(rr)
			}
			if err != nil {
				return z, applied, fmt.Errorf("journal entry %d: %w", i+1, err)
			}
		}
		nz, err := tx.Commit()
		if err != nil {
			return z, applied, fmt.Errorf("journal entry %d: %w", i+1, err)
		}
		z = nz
		applied++
	}
	return z, applied, nil
}

// compact writes the zone's file from memory and empties its journal.
// st.mu is held.
func (st *state) compact(origin string) error {
	if _, ok := st.journals[origin]; !ok {
		delete(st.dirty, origin)
		return nil
	}
	if z, ok := st.zones.Load().Get(origin); ok {
		start := time.Now()
		p, err := store.PrepareFile(st.dir, z)
		if err := st.install(origin, p, err, start); err != nil {
			return err
		}
	}
	return st.removeJournal(origin)
}

// install puts p, the file of origin's zone begun at start, in place; err
// is why it could not be written. A zone whose file could not be written
// is compacted again later. st.mu is held.
func (st *state) install(origin string, p *store.Pending, err error, start time.Time) error {
	if err == nil {
		err = p.Commit()
	}
	if err != nil {
		persistFailures.Inc()
		st.dirty[origin] = time.Now() // try again later
		return err
	}
	persistDuration.Observe(time.Since(start).Seconds())
	st.written[origin] = stampOf(st.zonePath(origin))
	return nil
}

// removeJournal removes origin's journal, if it has one, and forgets that
// the zone was to be compacted. st.mu is held.
func (st *state) removeJournal(origin string) error {
	delete(st.dirty, origin)
	j, ok := st.journals[origin]
	if !ok {
		return nil
	}
	delete(st.journals, origin)
	return j.Remove()
}

// compactor runs until stop is closed, then compacts every zone once more.
func (st *state) compactor(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(compactTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			st.mu.Lock()
			for origin := range st.journals {
				if err := st.compact(origin); err != nil {
					log.Errorf("compact %s at shutdown: %v; its journal keeps the changes", origin, err)
				}
			}
			st.mu.Unlock()
			return
		case <-t.C:
		}
		for _, origin := range st.due() {
			st.compactOnline(origin)
		}
	}
}

// due returns the zones to compact: quiet for compactAfter, or with a
// journal of their limit.
func (st *state) due() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var due []string
	for origin, last := range st.dirty {
		j := st.journals[origin]
		limit := compactEntries
		if z, ok := st.zones.Load().Get(origin); ok {
			limit = max(limit, z.Len()/8)
		}
		if time.Since(last) >= compactAfter || (j != nil && j.Len() >= limit) {
			due = append(due, origin)
		}
	}
	return due
}

// testHookCompacting, when set, runs while compactOnline writes a file,
// with st.mu not held.
var testHookCompacting func(origin string)

// compactOnline is compact without holding st.mu while the file is
// formatted and written, which for a large zone takes long enough (about
// 60 ms of CPU for 100,000 records) to stall every change meanwhile. It
// writes the zone as it is when it starts; then, under st.mu, puts the
// file in place and drops from the journal the entries the file holds,
// keeping those of the changes made meanwhile. If the zone was deleted,
// reloaded or replaced meanwhile (its journal is not the same), the file
// is thrown away.
func (st *state) compactOnline(origin string) {
	st.mu.Lock()
	z, ok := st.zones.Load().Get(origin)
	j := st.journals[origin]
	if !ok || j == nil || j.Bad() {
		// Nothing to keep apart, or a journal that cannot be trusted with
		// more: the simple way, under st.mu.
		if err := st.compact(origin); err != nil {
			log.Errorf("compact %s: %v; its journal keeps the changes", origin, err)
		}
		st.mu.Unlock()
		return
	}
	off := j.Size() // the writer syncs before it lets go of st.mu: the journal up to here makes z
	st.mu.Unlock()

	start := time.Now()
	p, err := store.PrepareFile(st.dir, z)
	if testHookCompacting != nil {
		testHookCompacting(origin)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	cur, ok := st.zones.Load().Get(origin)
	if !ok || st.journals[origin] != j {
		if p != nil {
			p.Abort()
		}
		return
	}
	if err := st.install(origin, p, err, start); err != nil {
		log.Errorf("compact %s: %v; its journal keeps the changes", origin, err)
		return
	}
	if cur == z {
		if err := st.removeJournal(origin); err != nil {
			log.Errorf("compact %s: removing the journal: %v", origin, err)
		}
		return
	}
	if err := j.Trim(off); err != nil {
		// The journal still holds every change; replaying it skips those the
		// file has. A journal that went bad is replaced by the next compaction.
		log.Errorf("compact %s: %v", origin, err)
	}
}

// replayJournals applies the journals of the loaded zones, at startup, and
// returns the number of entries applied to each zone.
func (st *state) replayJournals(zones []*zone.Zone) ([]*zone.Zone, map[string]int) {
	replayed := map[string]int{}
	for i, z := range zones {
		path, _ := store.JournalPath(st.dir, z.Origin())
		if _, err := os.Stat(path); err != nil {
			continue // no journal: the file is the zone
		}
		j, entries, err := store.OpenJournal(st.dir, z.Origin())
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
		st.journals[z.Origin()] = j
		st.dirty[z.Origin()] = time.Time{} // compact soon
	}
	return zones, replayed
}
