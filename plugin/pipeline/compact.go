package pipeline

import (
	"os"
	"path/filepath"
	"time"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// The compactor writes a zone's file from memory once the zone has been
// quiet for compactAfter, or its journal holds compactEntries entries or an
// eighth as many entries as the zone has records, whichever is more, and
// then empties the journal: under a steady stream of changes the cost of
// rewriting the file, spread over the changes, stays the same whatever the
// zone's size.
const (
	compactAfter   = 500 * time.Millisecond
	compactEntries = 1000
	compactTick    = 100 * time.Millisecond
)

// fileStamp identifies the version of a zone file that the pipeline wrote
// or read, to tell an edit made out of band.
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

// path is the file of origin's zone: in the format of the zone served,
// unless only the other one is there (a file put in its place).
func (p *Pipeline) path(origin string) string {
	src := zone.SourceZone
	if z, ok := p.Zone(origin); ok {
		src = z.Source()
	}
	name, _ := store.FileNameOf(origin, src)
	path := filepath.Join(p.dir, name)
	if _, err := os.Stat(path); os.IsNotExist(err) {
		other := zone.SourceYAML
		if src == zone.SourceYAML {
			other = zone.SourceZone
		}
		name, _ = store.FileNameOf(origin, other)
		if alt := filepath.Join(p.dir, name); stampOf(alt) != (fileStamp{}) {
			return alt
		}
	}
	return path
}

// stamp remembers the file of origin's zone as the pipeline wrote or read
// it. p.mu is held.
func (p *Pipeline) stamp(origin string) { p.written[origin] = stampOf(p.path(origin)) }

// compact writes the zone's file from memory and empties its journal.
// p.mu is held.
func (p *Pipeline) compact(origin string) error {
	if _, ok := p.journals[origin]; !ok {
		delete(p.dirty, origin)
		return nil
	}
	if z, ok := p.Zone(origin); ok {
		start := time.Now()
		pending, err := store.PrepareFile(p.dir, z)
		if err := p.install(origin, pending, err, start); err != nil {
			return err
		}
	}
	return p.removeJournal(origin)
}

// install puts pending, the file of origin's zone begun at start, in
// place; err is why it could not be written. A zone whose file could not
// be written is compacted again later. p.mu is held.
func (p *Pipeline) install(origin string, pending *store.Pending, err error, start time.Time) error {
	if err == nil {
		err = pending.Commit()
	}
	if err != nil {
		p.dirty[origin] = time.Now() // try again later; a refused change is counted by persistError
		return err
	}
	persistDuration.Observe(time.Since(start).Seconds())
	p.stamp(origin)
	return nil
}

// compactor runs until stop is closed, then compacts every zone once more.
func (p *Pipeline) compactor(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(compactTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			p.mu.Lock()
			for origin := range p.journals {
				if err := p.compact(origin); err != nil {
					log.Errorf("compact %s at shutdown: %v; its journal keeps the changes", origin, err)
				}
			}
			p.mu.Unlock()
			return
		case <-t.C:
		}
		for _, origin := range p.due() {
			p.compactOnline(origin)
		}
	}
}

// due returns the zones to compact: quiet for compactAfter, or with a
// journal of their limit.
func (p *Pipeline) due() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var due []string
	for origin, last := range p.dirty {
		j := p.journals[origin]
		limit := compactEntries
		if z, ok := p.Zone(origin); ok {
			limit = max(limit, z.Len()/8)
		}
		if time.Since(last) >= compactAfter || (j != nil && j.Len() >= limit) {
			due = append(due, origin)
		}
	}
	return due
}

// testHookCompacting, when set, runs while compactOnline writes a file,
// with p.mu not held.
var testHookCompacting func(origin string)

// compactOnline is compact without holding p.mu while the file is
// formatted and written, which for a large zone takes long enough to stall
// every change meanwhile. It writes the zone as it is when it starts; then,
// under p.mu, puts the file in place and drops from the journal the
// entries the file holds, keeping those of the changes made meanwhile. If
// the zone was deleted, reloaded or replaced meanwhile (its journal is not
// the same), the file is thrown away.
func (p *Pipeline) compactOnline(origin string) {
	p.mu.Lock()
	z, ok := p.Zone(origin)
	j := p.journals[origin]
	if !ok || j == nil || j.Bad() {
		// Nothing to keep apart, or a journal that cannot be trusted with
		// more: the simple way, under p.mu.
		if err := p.compact(origin); err != nil {
			log.Errorf("compact %s: %v; its journal keeps the changes", origin, err)
		}
		p.mu.Unlock()
		return
	}
	off := j.Size() // the writer syncs before it lets go of p.mu: the journal up to here makes z
	p.mu.Unlock()

	start := time.Now()
	pending, err := store.PrepareFile(p.dir, z)
	if testHookCompacting != nil {
		testHookCompacting(origin)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, ok := p.Zone(origin)
	if !ok || p.journals[origin] != j {
		if pending != nil {
			pending.Abort()
		}
		return
	}
	if err := p.install(origin, pending, err, start); err != nil {
		log.Errorf("compact %s: %v; its journal keeps the changes", origin, err)
		return
	}
	if cur == z {
		if err := p.removeJournal(origin); err != nil {
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
