package dnssec

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/zoneapi/zoneapi/plugin/store"
)

// Keys is the keyrings of a store's zones, by origin: what signs each zone
// that is signed here.
type Keys struct {
	dir      string
	policy   Policy
	Timing   Timing // set before use
	mu       sync.RWMutex
	rings    map[string]*Signer
	served   map[string]*Keyring // under mu: the keys the served zone has (Served)
	changing sync.Mutex          // one change of keys at a time
	changed  chan struct{}       // a change was made, for the keeper
}

// OpenKeys reads every zone's keys from the store in dir.
func OpenKeys(dir string) (*Keys, error) {
	k := &Keys{dir: dir, policy: DefaultPolicy, Timing: DefaultTiming, rings: map[string]*Signer{}, served: map[string]*Keyring{}, changed: make(chan struct{}, 1)}
	origins, err := store.Sidecars(dir, Dir)
	if err != nil {
		return nil, fmt.Errorf("dnssec keys: %w", err)
	}
	for _, origin := range origins {
		r, err := Load(dir, origin)
		if err != nil {
			return nil, err
		}
		if r != nil {
			k.rings[origin] = &Signer{Keys: r, Policy: k.policy}
			k.served[origin] = r
		}
	}
	return k, nil
}

// Signer returns what signs the zone of origin, or nil if it is not signed
// here.
func (k *Keys) Signer(origin string) *Signer {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.rings[origin]
}

// Set makes r the zone's keys, saved in the store first.
func (k *Keys) Set(r *Keyring) error {
	if err := r.Save(k.dir); err != nil {
		return err
	}
	k.mu.Lock()
	k.rings[r.Origin] = &Signer{Keys: r, Policy: k.policy}
	k.mu.Unlock()
	return nil
}

// ErrKeyStore: the keys could not be written to the store.
var ErrKeyStore = errors.New("the key store")

// Change makes the zone's keys what fn returns from the current ones (nil
// if the zone is not signed; fn returning nil changes nothing), then runs
// apply, the change of the zone that puts them in it; if apply fails, the
// keys are put back. Changes of keys are made one at a time, so that none
// is lost. It returns the keys now.
func (k *Keys) Change(origin string, fn func(cur *Keyring) (*Keyring, error), apply func() error) (*Keyring, error) {
	k.changing.Lock()
	defer k.changing.Unlock()
	var cur *Keyring
	if s := k.Signer(origin); s != nil {
		cur = s.Keys
	}
	next, err := fn(cur)
	if err != nil || next == nil {
		return cur, err
	}
	if err := k.Set(next); err != nil {
		return cur, fmt.Errorf("%w: %w", ErrKeyStore, err)
	}
	if err := apply(); err != nil {
		if cur != nil {
			k.Set(cur)
		} else {
			k.Remove(origin)
		}
		return cur, err
	}
	k.mu.Lock()
	k.served[origin] = next
	k.mu.Unlock()
	select {
	case k.changed <- struct{}{}:
	default:
	}
	return next, nil
}

// Stop takes the zone's keys away, then runs apply, the change of the zone
// that takes its signatures away; if apply fails, the keys are put back.
func (k *Keys) Stop(origin string, apply func() error) error {
	k.changing.Lock()
	defer k.changing.Unlock()
	s := k.Signer(origin)
	if s == nil {
		return nil
	}
	if err := k.Remove(origin); err != nil {
		return fmt.Errorf("%w: %w", ErrKeyStore, err)
	}
	if err := apply(); err != nil {
		k.Set(s.Keys)
		return err
	}
	k.mu.Lock()
	delete(k.served, origin)
	k.mu.Unlock()
	return nil
}

// Served returns the keys of the zone of origin as the zone served has
// them: a change of keys shows once the zone signed with them is served,
// not while it is being signed. Nil: not signed here.
func (k *Keys) Served(origin string) *Keyring {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.served[origin]
}

// Changed is told of each change of keys (Change), so that what waits for
// the next step of a rollover looks again.
func (k *Keys) Changed() <-chan struct{} { return k.changed }

// Origins returns the zones signed here.
func (k *Keys) Origins() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]string, 0, len(k.rings))
	for o := range k.rings {
		out = append(out, o)
	}
	return out
}

// Remove takes the zone's keys away, from memory and from the store.
func (k *Keys) Remove(origin string) error {
	k.mu.Lock()
	delete(k.rings, origin)
	k.mu.Unlock()
	p, err := keyPath(k.dir, origin)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("keys of %s: %w", origin, err)
	}
	return nil
}
