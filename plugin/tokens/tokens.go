// Package tokens keeps the tokens made through the API: each with a name,
// a description, the scope of a Corefile token (zones, names, types, read
// only) and an expiry, kept in DIR/.tokens/tokens.json (0600), which holds
// the SHA-256 digest of each secret and never the secret: the secret is
// shown once, when the token is made. A request's token is found by the
// digest of the secret it sends, in one map lookup, whatever the number of
// tokens; an expired or revoked one is not found.
package tokens

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// Dir is the part of the store that holds the tokens, File their file.
const (
	Dir  = ".tokens"
	File = "tokens.json"
)

// Issued is one token made through the API.
type Issued struct {
	auth.Token
	ID          string
	Description string
	Created     time.Time
	Expires     time.Time // zero: never
	CreatedBy   string
}

// Expired reports whether the token has expired at now.
func (t *Issued) Expired(now time.Time) bool { return !t.Expires.IsZero() && !now.Before(t.Expires) }

// entry is a token on disk.
type entry struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitzero"`
	Digest      string    `json:"sha256"`
	ReadOnly    bool      `json:"read_only,omitzero"`
	Zones       []string  `json:"zones,omitzero"`
	Names       []string  `json:"names,omitzero"`
	Types       []string  `json:"types,omitzero"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires,omitzero"`
	CreatedBy   string    `json:"created_by"`
}

// Store is the tokens of one zone store.
type Store struct {
	dir      string
	mu       sync.Mutex // writers
	list     []*Issued
	byDigest atomic.Pointer[map[[32]byte]*Issued]
	now      func() time.Time
}

// Open reads the tokens of the store in dir (none if it has no file).
func Open(dir string) (*Store, error) {
	s := &Store{dir: dir, now: time.Now}
	data, err := os.ReadFile(filepath.Join(dir, Dir, File))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if len(data) > 0 {
		var entries []entry
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, fmt.Errorf("tokens: %s: %w", filepath.Join(dir, Dir, File), err)
		}
		for _, e := range entries {
			t, err := e.token()
			if err != nil {
				return nil, fmt.Errorf("tokens: %s: %w", e.ID, err)
			}
			s.list = append(s.list, t)
		}
	}
	s.index()
	return s, nil
}

func (e entry) token() (*Issued, error) {
	t := &Issued{Token: auth.Token{Name: e.Name, ReadOnly: e.ReadOnly, Zones: e.Zones, Names: e.Names}, ID: e.ID,
		Description: e.Description, Created: e.Created, Expires: e.Expires, CreatedBy: e.CreatedBy}
	d, err := hex.DecodeString(e.Digest)
	if err != nil || len(d) != 32 {
		return nil, errors.New("a digest that is not SHA-256")
	}
	copy(t.Digest[:], d)
	for _, typ := range e.Types {
		n, ok := dns.StringToType[typ]
		if !ok {
			return nil, fmt.Errorf("type %q", typ)
		}
		t.Types = append(t.Types, n)
	}
	return t, nil
}

func (t *Issued) entry() entry {
	e := entry{ID: t.ID, Name: t.Name, Description: t.Description, Digest: hex.EncodeToString(t.Digest[:]), ReadOnly: t.ReadOnly,
		Zones: t.Zones, Names: t.Names, Created: t.Created, Expires: t.Expires, CreatedBy: t.CreatedBy}
	for _, typ := range t.Types {
		e.Types = append(e.Types, dns.TypeToString[typ])
	}
	return e
}

// index makes the map by digest of the current list.
func (s *Store) index() {
	m := make(map[[32]byte]*Issued, len(s.list))
	for _, t := range s.list {
		m[t.Digest] = t
	}
	s.byDigest.Store(&m)
}

// save writes the list atomically, 0600; the caller holds mu.
func (s *Store) save(list []*Issued) error {
	entries := make([]entry, 0, len(list))
	for _, t := range list {
		entries = append(entries, t.entry())
	}
	data, _ := json.MarshalIndent(entries, "", "  ")
	p := filepath.Join(s.dir, Dir)
	if err := os.MkdirAll(p, 0o700); err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	return store.WriteAtomic(p, File, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// Find returns the token whose secret is secret, if it is not expired.
func (s *Store) Find(secret string) *auth.Token {
	t := (*s.byDigest.Load())[auth.Digest(secret)]
	if t == nil || t.Expired(s.now()) {
		return nil
	}
	return &t.Token
}

// List returns the tokens, expired ones too, in the order they were made.
func (s *Store) List() []*Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

// Errors of making and revoking tokens.
var (
	ErrNotFound  = errors.New("no token of that id")
	ErrNameTaken = errors.New("a token of that name exists")
)

// Create makes t a token with a new secret, which it returns: the only
// time it is shown. taken reports names that other tokens (the
// Corefile's) have.
func (s *Store) Create(t *Issued, taken func(name string) bool) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	secret := "zat_" + base64.RawURLEncoding.EncodeToString(raw[:])
	var id [8]byte
	rand.Read(id[:])
	t.ID, t.Digest, t.Created = hex.EncodeToString(id[:]), auth.Digest(secret), s.now().UTC().Truncate(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if taken(t.Name) || slices.ContainsFunc(s.list, func(o *Issued) bool { return o.Name == t.Name }) {
		return "", fmt.Errorf("%w: %s", ErrNameTaken, t.Name)
	}
	list := append(slices.Clone(s.list), t)
	if err := s.save(list); err != nil {
		return "", err
	}
	s.list = list
	s.index()
	return secret, nil
}

// Revoke takes the token of id away, at once.
func (s *Store) Revoke(id string) (*Issued, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.list, func(t *Issued) bool { return t.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	gone := s.list[i]
	list := slices.Delete(slices.Clone(s.list), i, i+1)
	if err := s.save(list); err != nil {
		return nil, err
	}
	s.list = list
	s.index()
	return gone, nil
}
