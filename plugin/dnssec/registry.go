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
	dir    string
	policy Policy
	mu     sync.RWMutex
	rings  map[string]*Signer
}

// OpenKeys reads every zone's keys from the store in dir.
func OpenKeys(dir string) (*Keys, error) {
	k := &Keys{dir: dir, policy: DefaultPolicy, rings: map[string]*Signer{}}
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
