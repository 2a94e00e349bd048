package zone

import (
	iradix "github.com/hashicorp/go-immutable-radix/v2"
)

// Set is an immutable set of zones, keyed like names so that the zone of a
// name is a longest-prefix match.
type Set struct {
	tree *iradix.Tree[*Zone]
}

// NewSet returns a set of the given zones; of two with the same origin the
// later wins.
func NewSet(zones ...*Zone) *Set {
	tx := iradix.New[*Zone]().Txn()
	for _, z := range zones {
		tx.Insert(z.key, z)
	}
	return &Set{tree: tx.Commit()}
}

// Match returns the zone that holds the name with key k: the one with the
// longest origin at or above it.
func (s *Set) Match(k []byte) (*Zone, bool) {
	_, z, ok := s.tree.Root().LongestPrefix(k)
	return z, ok
}

// Parent returns the zone that holds the parent side of z's apex, if the
// set has one.
func (s *Set) Parent(z *Zone) (*Zone, bool) {
	if len(z.key) == 0 {
		return nil, false
	}
	return s.Match(parentKey(z.key))
}

// Get returns the zone with the given origin.
func (s *Set) Get(origin string) (*Zone, bool) {
	k, err := Key(lowerFQDN(origin))
	if err != nil {
		return nil, false
	}
	return s.tree.Root().Get(k)
}

// With returns a set with z added, or replacing the zone of the same origin.
func (s *Set) With(z *Zone) *Set {
	t, _, _ := s.tree.Insert(z.key, z)
	return &Set{tree: t}
}

// Without returns a set without the zone of the given origin.
func (s *Set) Without(origin string) *Set {
	k, err := Key(lowerFQDN(origin))
	if err != nil {
		return s
	}
	t, _, _ := s.tree.Delete(k)
	return &Set{tree: t}
}

// Len returns the number of zones.
func (s *Set) Len() int { return s.tree.Len() }

// Zones returns the zones in canonical order of their origins.
func (s *Set) Zones() []*Zone {
	out := make([]*Zone, 0, s.tree.Len())
	s.tree.Root().Walk(func(_ []byte, z *Zone) bool {
		out = append(out, z)
		return false
	})
	return out
}
