package acme

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// A challenge record lives at most its lease after its present: a client
// that never cleans up does not leave it forever. The leases are kept in
// DIR/.acme-leases.json, written atomically on every change, so that they
// outlive a restart; a sweeper removes what expired.
const (
	leaseFile  = ".acme-leases.json"
	sweepEvery = time.Second
)

// lease is one challenge value and when it expires.
type lease struct {
	Name    string    `json:"name"`
	Value   string    `json:"value"`
	Expires time.Time `json:"expires"`
}

// leases are the challenge values that present added and cleanup has not
// removed yet.
type leases struct {
	mu   sync.Mutex
	path string
	all  map[string]lease // key: lower-case name + "\x00" + value
}

func leaseKey(name, value string) string { return dns.CanonicalName(name) + "\x00" + value }

// loadLeases reads the leases of the store in dir; on an error they are
// empty.
func loadLeases(dir string) (*leases, error) {
	l := &leases{path: filepath.Join(dir, leaseFile), all: map[string]lease{}}
	b, err := os.ReadFile(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	var list []lease
	if err := json.Unmarshal(b, &list); err != nil {
		return l, err
	}
	for _, x := range list {
		l.all[leaseKey(x.Name, x.Value)] = x
	}
	return l, nil
}

// save writes the leases atomically. l.mu is held.
func (l *leases) save() error {
	list := make([]lease, 0, len(l.all))
	for _, x := range l.all {
		list = append(list, x)
	}
	return store.WriteAtomic(filepath.Dir(l.path), filepath.Base(l.path), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(list)
	})
}

func (l *leases) add(name, value string, until time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all[leaseKey(name, value)] = lease{Name: dns.CanonicalName(name), Value: value, Expires: until}
	return l.save()
}

func (l *leases) remove(name, value string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.all[leaseKey(name, value)]; !ok {
		return nil
	}
	delete(l.all, leaseKey(name, value))
	return l.save()
}

// expired returns the leases that ended before now.
func (l *leases) expired(now time.Time) []lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []lease
	for _, x := range l.all {
		if now.After(x.Expires) {
			out = append(out, x)
		}
	}
	return out
}

// errNothingToDo: the challenge is gone already.
var errNothingToDo = errors.New("the challenge is not in the zone")

// Sweep removes the challenge values whose lease ended, through the
// pipeline, until stop is closed.
func (a *ACME) Sweep(stop <-chan struct{}) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, x := range a.leases.expired(time.Now()) {
			if err := a.expire(x); err != nil {
				log.Warningf("acme lease of %s: %v; trying again", x.Name, err)
				continue
			}
			a.leases.remove(x.Name, x.Value)
		}
	}
}

// expire removes the challenge of an ended lease, if it is still there.
func (a *ACME) expire(x lease) error {
	rr, err := record.LiteralTXT(dns.RR_Header{Name: x.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, x.Value)
	if err != nil {
		return nil // taken once by LiteralTXT, so never
	}
	z, err := a.pipe.ZoneFor(x.Name)
	if err != nil {
		return nil // the zone is gone, and the challenge with it
	}
	_, err = a.pipe.Apply(pipeline.Change{Zone: z.Origin(), Meta: pipeline.Meta{Op: "acmeExpire", Actor: "lease", Detail: x.Name},
		Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			if !tx.Delete(rr) {
				return errNothingToDo
			}
			return nil
		}})
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	return err
}
