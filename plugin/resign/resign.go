// Package resign keeps the signatures of the zones signed here fresh: a
// signature is made again before it expires (dnssec.Policy's Refresh), by
// a change of the zone like any other (a serial bump, the journal, NOTIFY,
// a commit), so that what secondaries and resolvers see never expires.
package resign

import (
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// Every is how often the zones are looked at; the first look is a minute
// after the start. A change signs at most Batch names, so that no change
// is large; the rest follows in the next ones.
const (
	Every = time.Hour
	First = time.Minute
	Batch = 1000
)

// Run looks at the signed zones of pipe every Every until stop is closed.
func Run(pipe *pipeline.Pipeline, keys *dnssec.Keys, stop <-chan struct{}) {
	t := time.NewTimer(First)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		Once(pipe, keys, time.Now())
		t.Reset(Every)
	}
}

// Once signs again, in batches, what expires soon in every signed zone.
func Once(pipe *pipeline.Pipeline, keys *dnssec.Keys, now time.Time) {
	for _, z := range pipe.Zones().Zones() {
		s := keys.Signer(z.Origin())
		if s == nil {
			continue
		}
		// Each round signs Batch names; a zone needs at most this many.
		for round := 0; round <= z.Names()/Batch+1 && len(s.Stale(z, now, 1)) > 0; round++ {
			n := 0
			_, err := pipe.Apply(pipeline.Change{Zone: z.Origin(), Meta: pipeline.Meta{Op: "resign", Actor: "dnssec"}, Resign: true,
				Edit: func(z *zone.Zone, tx *zone.Txn) error {
					stale := s.Stale(z, now, Batch)
					n = len(stale)
					return s.Resign(tx, stale, now)
				}})
			if err != nil {
				log.Errorf("dnssec: signing %s again: %v", z.Origin(), err)
				break
			}
			log.Infof("dnssec: %s: signatures of %d names made again before they expire", z.Origin(), n)
			if z, _ = pipe.Zone(z.Origin()); z == nil {
				break
			}
		}
	}

}
