package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"

	"github.com/zoneapi/zoneapi/plugin/store"
)

// base is what both sides last agreed on for a zone: the content
// (hetzner.Content) of each RRset by id, and the upstream's zone id. It is
// kept in DIR/.mirror/<zone>.json, written atomically after each round,
// so that what is ahead here survives a restart while the upstream is
// down. It is the mirror's own bookkeeping: not in Git, not a zone.
type base struct {
	ID     int64             `json:"id"`
	RRsets map[string]string `json:"rrsets"`
}

// Dir is the directory of the store that holds the bases.
const Dir = ".mirror"

func (b *base) set(id, content string) {
	if b.RRsets == nil {
		b.RRsets = map[string]string{}
	}
	if content == "" {
		delete(b.RRsets, id)
		return
	}
	b.RRsets[id] = content
}

func basePath(dir, origin string) (string, error) { return store.SidecarPath(dir, Dir, origin) }

// loadBases reads every base of the store, by origin.
func loadBases(dir string) (map[string]*base, error) {
	origins, err := store.Sidecars(dir, Dir)
	if err != nil {
		return nil, fmt.Errorf("mirror state: %w", err)
	}
	out := map[string]*base{}
	for _, origin := range origins {
		b, err := loadBase(dir, origin)
		if err != nil {
			return nil, err
		}
		out[origin] = b
	}
	return out, nil
}

func loadBase(dir, origin string) (*base, error) {
	p, err := basePath(dir, origin)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mirror state: %w", err)
	}
	b := &base{}
	if err := json.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("mirror state %s: %w", p, err)
	}
	return b, nil
}

// saveBase writes the zone's base atomically.
func saveBase(dir, origin string, b *base) error {
	data, _ := json.MarshalIndent(b, "", "  ")
	if err := store.WriteSidecar(dir, Dir, origin, data); err != nil {
		return fmt.Errorf("mirror state: %w", err)
	}
	return nil
}

// loadBases returns the bases, read from the store the first time.
func (m *Mirror) loadBases() (map[string]*base, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bases == nil {
		b, err := loadBases(m.dir)
		if err != nil {
			return nil, err
		}
		m.bases = b
	}
	return maps.Clone(m.bases), nil
}

// saveBase keeps b as the zone's base, writing it only if it changed: a
// round with nothing new writes nothing.
func (m *Mirror) saveBase(origin string, b *base) error {
	m.mu.Lock()
	old := m.bases[origin]
	m.mu.Unlock()
	if old != nil && old.ID == b.ID && maps.Equal(old.RRsets, b.RRsets) {
		return nil
	}
	if err := saveBase(m.dir, origin, b); err != nil {
		return err
	}
	m.mu.Lock()
	m.bases[origin] = b
	m.mu.Unlock()
	return nil
}

func (m *Mirror) dropBase(origin string) {
	removeBase(m.dir, origin)
	m.mu.Lock()
	delete(m.bases, origin)
	m.mu.Unlock()
}

func removeBase(dir, origin string) {
	if p, err := basePath(dir, origin); err == nil {
		os.Remove(p)
	}
}
