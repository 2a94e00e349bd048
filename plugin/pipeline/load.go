package pipeline

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// progressEvery is how often loading a large store says how far it got.
const progressEvery = 2 * time.Second

// Open reads every zone file of the store in dir and applies their
// journals. A bad file is logged with its file and line and not served;
// the others are. It returns the pipeline, with nothing running yet (see
// Start), and the number of journal entries applied to each zone: those
// changes were acknowledged but are perhaps not in the Git history yet.
func Open(dir string, l Limits) (*Pipeline, map[string]int, error) {
	p := newPipeline(dir, l)
	replayed, err := p.load()
	if err != nil {
		return nil, nil, err
	}
	return p, replayed, nil
}

func (p *Pipeline) load() (map[string]int, error) {
	start := time.Now()
	var progress store.Progress
	done := make(chan struct{})
	go func() { // a line every few seconds while a large store loads
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Infof("loading %s: %d of %d zone files, %d records, %s", p.dir, progress.Done.Load(), progress.Files.Load(), progress.Records.Load(), time.Since(start).Round(time.Second))
			}
		}
	}()
	loaded, err := store.LoadDir(p.dir, store.Options{MaxRecords: p.Limits().MaxRecords, Progress: &progress})
	close(done)
	if err != nil {
		return nil, fmt.Errorf("zone store %s: %w", p.dir, err)
	}
	zones := make([]*zone.Zone, 0, len(loaded))
	for _, l := range loaded {
		for _, w := range l.Warnings {
			log.Warningf("%v", &w)
		}
		if l.Err != nil {
			log.Errorf("zone not loaded: %v", l.Err)
			loadErrors.Inc()
			continue
		}
		zones = append(zones, l.Zone)
		p.written[l.Zone.Origin()] = stampOf(l.Path)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	zones, replayed := p.replayJournals(zones)
	records := 0
	for _, z := range zones {
		records += z.Len()
	}
	recordsGauge.WithLabelValues(p.dir).Set(0)
	p.publish(zone.NewSet(zones...), records, nil)
	// Parsing a large store leaves garbage several times the zones' size;
	// give that memory back to the system now rather than over minutes.
	debug.FreeOSMemory()
	log.Infof("loaded %d of %d zones, %d records, from %s in %s", len(zones), len(loaded), records, p.dir, time.Since(start).Round(time.Millisecond))
	return replayed, nil
}
