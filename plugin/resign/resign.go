// Package resign keeps the zones signed here signed: a signature is made
// again before it expires (dnssec.Policy's Refresh), and each rollover
// takes its steps when they are due (dnssec's rollover.go), asking the
// parent for the new DS where the Corefile says where; each by a change of
// the zone like any other (a serial bump, the journal, NOTIFY, a commit,
// an audit line), so that what secondaries and resolvers see never expires
// and no key goes while a cache may need it.
package resign

import (
	"strconv"
	"strings"
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

// Parent says where the DS of a key that a rollover made ready is looked
// for: a resolver, or a server of the parent (Addr, host:port; empty: the
// API says when it is there, submitZoneKey), every Every.
type Parent struct {
	Addr  string
	Every time.Duration
}

// DefaultParentEvery is how often the parent is asked.
const DefaultParentEvery = 10 * time.Minute

// Run keeps the signed zones of pipe signed until stop is closed: their
// signatures every Every, their rollovers when a step is due.
func Run(pipe *pipeline.Pipeline, keys *dnssec.Keys, parent Parent, stop <-chan struct{}) {
	if parent.Every <= 0 {
		parent.Every = DefaultParentEvery
	}
	resignAt := time.Now().Add(First)
	var askedAt time.Time
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		case <-keys.Changed():
		}
		now := time.Now()
		if parent.Addr != "" && now.Sub(askedAt) >= parent.Every && waiting(keys) {
			AskParent(pipe, keys, parent.Addr, now)
			askedAt = now
		}
		next := Roll(pipe, keys, now)
		if !now.Before(resignAt) {
			Once(pipe, keys, now)
			resignAt = now.Add(Every)
		}
		wake := resignAt
		if !next.IsZero() && next.Before(wake) {
			wake = next
		}
		if parent.Addr != "" && waiting(keys) && askedAt.Add(parent.Every).Before(wake) {
			wake = askedAt.Add(parent.Every)
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(max(time.Until(wake), 10*time.Millisecond))
	}
}

// waiting reports whether a key of a zone waits for its DS at the parent.
func waiting(keys *dnssec.Keys) bool {
	for _, origin := range keys.Origins() {
		if s := keys.Signer(origin); s != nil {
			for _, k := range s.Keys.Keys {
				if k.State == dnssec.Ready && k.Submitted.IsZero() {
					return true
				}
			}
		}
	}
	return false
}

// Roll takes the rollover steps due at now in every signed zone, each
// step one change of its zone, and returns when the next is due (zero:
// none is).
func Roll(pipe *pipeline.Pipeline, keys *dnssec.Keys, now time.Time) time.Time {
	var next time.Time
	for _, origin := range keys.Origins() {
		z, _ := pipe.Zone(origin)
		if z == nil {
			continue
		}
		var events []string
		ring, err := keys.Change(origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, error) {
			if cur == nil {
				return nil, nil
			}
			r, ev, err := cur.Step(now, keys.Timing, dnssec.ZoneTTLs(z))
			events = ev
			return r, err
		}, func() error {
			return Apply(pipe, origin, pipeline.Meta{Op: "dnssecRollover", Actor: "dnssec", Detail: strings.Join(events, "; ")})
		})
		if err != nil {
			log.Errorf("dnssec: rollover of %s: %v", origin, err)
		} else if len(events) > 0 {
			log.Infof("dnssec: %s: %s", origin, strings.Join(events, "; "))
		}
		if ring == nil {
			continue
		}
		if at := ring.Next(keys.Timing, time.Duration(z.SOA().Hdr.Ttl)*time.Second); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// AskParent looks for the DS of each key waiting for it at addr, and
// marks those it finds submitted.
func AskParent(pipe *pipeline.Pipeline, keys *dnssec.Keys, addr string, now time.Time) {
	for _, origin := range keys.Origins() {
		s := keys.Signer(origin)
		if s == nil {
			continue
		}
		for _, k := range s.Keys.Keys {
			if k.State != dnssec.Ready || !k.Submitted.IsZero() {
				continue
			}
			seen, ttl, err := dnssec.SeenAtParent(addr, origin, k)
			if err != nil {
				log.Warningf("dnssec: %v", err)
				continue
			}
			if !seen {
				continue
			}
			tag := k.Tag()
			_, err = keys.Change(origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, error) {
				if cur == nil {
					return nil, nil
				}
				return cur.Submit(tag, ttl, now)
			}, func() error {
				return Apply(pipe, origin, pipeline.Meta{Op: "dnssecRollover", Actor: "dnssec", Detail: "the DS of key " + itoa(tag) + " is seen at " + addr})
			})
			if err != nil {
				log.Errorf("dnssec: %s: %v", origin, err)
			} else {
				log.Infof("dnssec: %s: the DS of key %d is seen at %s", origin, tag, addr)
			}
		}
	}
}

// Apply is the change of a zone that puts its keys, as they are now, in
// it: the DNSKEY, CDS and CDNSKEY RRsets, and signatures where a key
// that signs began or stopped to.
func Apply(pipe *pipeline.Pipeline, origin string, m pipeline.Meta) error {
	_, err := pipe.Apply(pipeline.Change{Zone: origin, Meta: m, Resign: true, ResignAll: true,
		Edit: func(*zone.Zone, *zone.Txn) error { return nil }})
	return err
}

func itoa(n uint16) string { return strconv.Itoa(int(n)) }

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
