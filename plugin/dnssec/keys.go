// Package dnssec signs zones as they change: the keys of a zone (made or
// imported, kept in the store with 0600 permissions, never in Git), and a
// Signer that the pipeline runs on each change, after the edit and the
// serial bump and before the commit. The signatures and the NSEC chain are
// records of the zone, kept in its snapshot, so a query never signs; only
// the names a change touched (and the NSEC records around them) are signed
// again, so the cost of a change does not grow with the zone.
package dnssec

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// Role says what a key signs: a CSK everything, a KSK the DNSKEY RRset, a
// ZSK the rest.
type Role string

const (
	CSK Role = "csk"
	KSK Role = "ksk"
	ZSK Role = "zsk"
)

// State is where a key is in its life (RFC 7583): published in the DNSKEY
// RRset only; ready (a KSK or CSK that signs, waiting for its DS to be
// seen at the parent, its CDS and CDNSKEY published); active (signing);
// or retired (published, no longer signing, about to go).
type State string

const (
	Published State = "published"
	Ready     State = "ready"
	Active    State = "active"
	Retired   State = "retired"
)

// Key is one key of a zone. A key made by a rollover (Rolled) goes through
// its states by itself (rollover.go); one added through the API stays in
// the state it was given.
type Key struct {
	DNSKEY *dns.DNSKEY
	Signer crypto.Signer
	Role   Role
	State  State
	Rolled bool

	Created, Published, Activated, Submitted, Retired, Removal time.Time
	// ParentTTL is the TTL of the DS seen at the parent, if it was.
	ParentTTL time.Duration
}

// Tag returns the key's tag.
func (k *Key) Tag() uint16 { return k.DNSKEY.KeyTag() }

// signsKeys reports whether the key signs the DNSKEY RRset (and CDS, CDNSKEY).
func (k *Key) signsKeys() bool { return k.Role != ZSK }

// signsData reports whether the key signs the rest of the zone.
func (k *Key) signsData() bool { return k.Role != KSK }

// Algorithms that keys are made with; ECDSAP256SHA256 is the default.
var bits = map[uint8]int{dns.ECDSAP256SHA256: 256, dns.ECDSAP384SHA384: 384, dns.ED25519: 256, dns.RSASHA256: 2048}

// ErrAlgorithm: keys of the algorithm are not made here.
var ErrAlgorithm = errors.New("the algorithm is not one of ECDSAP256SHA256 (13), ECDSAP384SHA384 (14), ED25519 (15), RSASHA256 (8)")

// Generate makes a key of the zone of origin.
func Generate(origin string, alg uint8, role Role, now time.Time) (*Key, error) {
	b, ok := bits[alg]
	if !ok {
		return nil, ErrAlgorithm
	}
	flags := uint16(dns.ZONE)
	if role != ZSK {
		flags |= dns.SEP
	}
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: strings.ToLower(dns.Fqdn(origin)), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: alg}
	priv, err := k.Generate(b)
	if err != nil {
		return nil, fmt.Errorf("generate a key: %w", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("generate a key: %T is no signer", priv)
	}
	return &Key{DNSKEY: k, Signer: signer, Role: role, State: Active, Created: now, Published: now, Activated: now}, nil
}

// Keyring is the keys of one zone, and how it proves what is not there
// (empty: NSEC).
type Keyring struct {
	Origin string
	Keys   []*Key
	Denial Denial
}

// Dir is the directory of the store that holds the keys, one file a zone,
// each readable by the server's user only.
const Dir = ".dnssec"

// keyFile is a Keyring on disk: each key's DNSKEY and private key in the
// formats BIND and Knot use, its role, state and times.
type keyFile struct {
	Denial Denial     `json:"denial,omitzero"`
	Keys   []keyEntry `json:"keys"`
}

type keyEntry struct {
	DNSKEY    string    `json:"dnskey"`
	Private   string    `json:"private"`
	Role      Role      `json:"role"`
	State     State     `json:"state"`
	Rolled    bool      `json:"rolled,omitzero"`
	Created   time.Time `json:"created"`
	Published time.Time `json:"published,omitzero"`
	Activated time.Time `json:"activated,omitzero"`
	Submitted time.Time `json:"submitted,omitzero"`
	Retired   time.Time `json:"retired,omitzero"`
	Removal   time.Time `json:"removal,omitzero"`
	ParentTTL int64     `json:"parent_ttl,omitzero"`
}

func keyPath(dir, origin string) (string, error) { return store.SidecarPath(dir, Dir, origin) }

// Load reads the keys of origin from the store in dir; nil without any.
func Load(dir, origin string) (*Keyring, error) {
	p, err := keyPath(dir, origin)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keys of %s: %w", origin, err)
	}
	var f keyFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("keys of %s: %s: %w", origin, p, err)
	}
	r := &Keyring{Origin: origin, Denial: f.Denial}
	for i, e := range f.Keys {
		k, err := parseKey(e)
		if err != nil {
			return nil, fmt.Errorf("keys of %s: key %d: %w", origin, i+1, err)
		}
		r.Keys = append(r.Keys, k)
	}
	return r, nil
}

// ErrBadKey: a key that cannot be read, or whose private key is not the
// DNSKEY's.
var ErrBadKey = errors.New("bad key")

func parseKey(e keyEntry) (*Key, error) {
	rr, err := dns.NewRR(e.DNSKEY)
	if err != nil {
		return nil, fmt.Errorf("%w: the DNSKEY: %v", ErrBadKey, err)
	}
	pub, ok := rr.(*dns.DNSKEY)
	if !ok {
		return nil, fmt.Errorf("%w: %q is no DNSKEY", ErrBadKey, e.DNSKEY)
	}
	priv, err := pub.ReadPrivateKey(strings.NewReader(e.Private), "private key")
	if err != nil {
		return nil, fmt.Errorf("%w: the private key: %v", ErrBadKey, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok || !matches(pub, signer) {
		return nil, fmt.Errorf("%w: the private key is not the DNSKEY's", ErrBadKey)
	}
	return &Key{DNSKEY: pub, Signer: signer, Role: e.Role, State: e.State, Rolled: e.Rolled, Created: e.Created, Published: e.Published,
		Activated: e.Activated, Submitted: e.Submitted, Retired: e.Retired, Removal: e.Removal, ParentTTL: time.Duration(e.ParentTTL) * time.Second}, nil
}

// matches reports whether signer's public key is the DNSKEY's: a test
// signature made with it verifies with the DNSKEY.
func matches(pub *dns.DNSKEY, signer crypto.Signer) bool {
	rr := &dns.TXT{Hdr: dns.RR_Header{Name: pub.Hdr.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: []string{"key check"}}
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: pub.Hdr.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET}, Algorithm: pub.Algorithm,
		SignerName: pub.Hdr.Name, KeyTag: pub.KeyTag(), Inception: 0, Expiration: 1<<32 - 1}
	if err := sig.Sign(signer, []dns.RR{rr}); err != nil {
		return false
	}
	return sig.Verify(pub, []dns.RR{rr}) == nil
}

// Save writes the keyring atomically, readable by the server's user only.
func (r *Keyring) Save(dir string) error {
	f := keyFile{Denial: r.Denial}
	for _, k := range r.Keys {
		f.Keys = append(f.Keys, keyEntry{DNSKEY: k.DNSKEY.String(), Private: k.DNSKEY.PrivateKeyString(k.Signer), Role: k.Role, State: k.State,
			Rolled: k.Rolled, Created: k.Created, Published: k.Published, Activated: k.Activated, Submitted: k.Submitted, Retired: k.Retired,
			Removal: k.Removal, ParentTTL: int64(k.ParentTTL / time.Second)})
	}
	data, _ := json.MarshalIndent(f, "", "  ")
	if err := store.WriteSidecar(dir, Dir, r.Origin, data); err != nil {
		return fmt.Errorf("keys of %s: %w", r.Origin, err)
	}
	return nil
}

// DNSKEYs returns the DNSKEY RRset: every key that is published, active or
// retired, with the TTL ttl.
func (r *Keyring) DNSKEYs(ttl uint32) []dns.RR {
	var out []dns.RR
	for _, k := range r.Keys {
		c := dns.Copy(k.DNSKEY).(*dns.DNSKEY)
		c.Hdr.Ttl = ttl
		out = append(out, c)
	}
	return out
}

// Parent returns the keys whose DS the parent should hold: those ready,
// while a rollover waits for their DS; else the active keys that sign the
// DNSKEY RRset.
func (r *Keyring) Parent() []*Key {
	var ready, active []*Key
	for _, k := range r.Keys {
		switch {
		case !k.signsKeys():
		case k.State == Ready:
			ready = append(ready, k)
		case k.State == Active:
			active = append(active, k)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return active
}

// DS returns the DS records (SHA-256) for the parent (Parent).
func (r *Keyring) DS() []*dns.DS {
	var out []*dns.DS
	for _, k := range r.Parent() {
		out = append(out, k.DNSKEY.ToDS(dns.SHA256))
	}
	return out
}

// Rolling reports whether a key waits for its DS at the parent: the zone
// then publishes CDS and CDNSKEY records of it (RFC 7344), for a parent
// that reads them.
func (r *Keyring) Rolling() bool {
	for _, k := range r.Keys {
		if k.State == Ready {
			return true
		}
	}
	return false
}

// Import reads a key of the zone of origin from its DNSKEY RDATA and its
// private key in BIND's format; the private key must be the DNSKEY's.
func Import(origin, dnskey, private string, role Role, state State, now time.Time) (*Key, error) {
	k, err := parseKey(keyEntry{DNSKEY: strings.ToLower(dns.Fqdn(origin)) + " 3600 IN DNSKEY " + dnskey, Private: private, Role: role, State: state})
	if err != nil {
		return nil, err
	}
	if _, ok := bits[k.DNSKEY.Algorithm]; !ok {
		return nil, ErrAlgorithm
	}
	if k.DNSKEY.Flags&dns.ZONE == 0 || k.DNSKEY.Protocol != 3 {
		return nil, fmt.Errorf("%w: not a zone key (flags %d, protocol %d)", ErrBadKey, k.DNSKEY.Flags, k.DNSKEY.Protocol)
	}
	k.Created, k.Published = now, now
	if state == Active {
		k.Activated = now
	}
	return k, nil
}

// Errors of a keyring's changes.
var (
	ErrLastKey   = errors.New("the zone keeps an active key that signs its DNSKEY RRset and one that signs the rest")
	ErrNoSuchKey = errors.New("no key of that tag")
	ErrKeyExists = errors.New("the zone has that key already")
)

// With returns a copy of the keyring with k added.
func (r *Keyring) With(k *Key) (*Keyring, error) {
	for _, o := range r.Keys {
		if o.Tag() == k.Tag() && o.DNSKEY.Algorithm == k.DNSKEY.Algorithm {
			return nil, fmt.Errorf("%w: %d", ErrKeyExists, k.Tag())
		}
	}
	return &Keyring{Origin: r.Origin, Denial: r.Denial, Keys: append(slicesClone(r.Keys), k)}, nil
}

// Without returns a copy of the keyring without the key of tag, refusing
// to leave it without an active key for the DNSKEY RRset or for the rest.
func (r *Keyring) Without(tag uint16) (*Keyring, error) {
	out := &Keyring{Origin: r.Origin, Denial: r.Denial}
	found := false
	for _, k := range r.Keys {
		if k.Tag() == tag && !found {
			found = true
			continue
		}
		out.Keys = append(out.Keys, k)
	}
	if !found {
		return nil, fmt.Errorf("%w: %d", ErrNoSuchKey, tag)
	}
	if !out.complete() {
		return nil, ErrLastKey
	}
	return out, nil
}

// complete reports whether the keyring has a key that signs the DNSKEY
// RRset and one that signs the rest.
func (r *Keyring) complete() bool {
	keys, data := false, false
	for _, k := range r.Keys {
		signing := k.State == Active || k.State == Ready
		keys = keys || signing && k.signsKeys()
		data = data || signing && k.signsData()
	}
	return keys && data
}

func slicesClone(keys []*Key) []*Key { return append([]*Key(nil), keys...) }
