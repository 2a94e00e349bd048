package zoneapi

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ACME challenge records live at most acmeLease after their present: a
// client that never cleans up does not leave them forever. The leases are
// kept in DIR/.acme-leases.json, written atomically on every change, so
// that they outlive a restart; a sweeper removes what expired.
const (
	defaultACMETTL   = 60
	defaultACMELease = time.Hour
	leaseFile        = ".acme-leases.json"
	sweepEvery       = time.Second
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

// loadLeases reads the leases of the store in dir.
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

// sweep removes the challenge values whose lease ended, until stop closes.
func (st *state) sweep(stop <-chan struct{}) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, x := range st.leases.expired(time.Now()) {
			rr, err := literalTXT(dns.RR_Header{Name: x.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, x.Value)
			if err != nil {
				continue // taken once by literalTXT, so never
			}
			if z, err := st.zoneFor(x.Name); err == nil {
				w := why{op: "acmeExpire", token: "lease"}
				_, nz, err := st.change(w, z.Origin(), nil, false, func(_ *zone.Zone, tx *zone.Txn) error {
					if !tx.Delete(rr) {
						return errNothingToDo
					}
					return nil
				})
				if err != nil && !errors.Is(err, errNothingToDo) {
					log.Warningf("acme lease of %s: %v; trying again", x.Name, err)
					continue
				}
				if nz != nil {
					audit(w, nz, x.Name)
				}
			}
			st.leases.remove(x.Name, x.Value)
		}
	}
}
