package hetzner

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// What the Hetzner API knows of a zone and its RRsets beyond their records
// is kept in the zone's notes, as JSON: noteZone for the zone, noteRRset
// for each RRset that has labels, a default TTL or comments. A zone made
// through another API has none, and gets its defaults: an id derived from
// its name, the TTL of DefaultTTL, no labels.
const (
	noteZone   = "hetzner.zone"
	noteRRset  = "hetzner.rrset:"
	DefaultTTL = 3600
)

// zoneMeta is the note of a zone.
type zoneMeta struct {
	ID      int64                          `json:"id"`
	Created time.Time                      `json:"created,omitzero"`
	TTL     int                            `json:"ttl,omitempty"`
	Labels  map[string]string              `json:"labels,omitempty"`
	Primary []schema.ZonePrimaryNameserver `json:"primary_nameservers,omitempty"`
}

// rrsetMeta is the note of an RRset. Inherit: the RRset was given no TTL
// and follows the zone's (change_ttl of the zone changes it).
type rrsetMeta struct {
	Labels   map[string]string `json:"labels,omitempty"`
	Inherit  bool              `json:"inherit_ttl,omitempty"`
	Comments map[string]string `json:"comments,omitempty"` // by RDATA in presentation format
}

// noter is what a zone and a transaction on it share: its notes.
type noter interface {
	Note(string) (string, bool)
	Origin() string
}

// zoneMetaOf returns the zone's note, or the defaults of a zone without one.
func zoneMetaOf(z noter) zoneMeta {
	m := zoneMeta{}
	if v, ok := z.Note(noteZone); ok {
		json.Unmarshal([]byte(v), &m)
	}
	if m.ID == 0 {
		m.ID = idOf(z.Origin())
	}
	if m.TTL == 0 {
		m.TTL = DefaultTTL
	}
	return m
}

func setZoneMeta(tx *zone.Txn, m zoneMeta) error {
	b, _ := json.Marshal(m)
	return tx.SetNote(noteZone, string(b))
}

// idOf is the id of a zone without a note: a number of 53 bits (exact in
// a JavaScript number) derived from its name, so that it is the same
// after a restart, in every copy of the store and after a Git round trip.
// A zone that a mirror pulls keeps its upstream's id in its note instead.
func idOf(origin string) int64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(origin)))
	id := int64(h.Sum64() & (1<<53 - 1))
	if id == 0 {
		id = 1
	}
	return id
}

func rrsetKey(owner string, typ uint16) string {
	return noteRRset + strings.ToLower(dns.Fqdn(owner)) + "/" + dns.TypeToString[typ]
}

func rrsetMetaOf(z noter, owner string, typ uint16) rrsetMeta {
	m := rrsetMeta{}
	if v, ok := z.Note(rrsetKey(owner, typ)); ok {
		json.Unmarshal([]byte(v), &m)
	}
	return m
}

// setRRsetMeta writes the RRset's note, or deletes it when it holds nothing.
func setRRsetMeta(tx *zone.Txn, owner string, typ uint16, m rrsetMeta) error {
	if len(m.Labels) == 0 && !m.Inherit && len(m.Comments) == 0 {
		tx.DeleteNote(rrsetKey(owner, typ))
		return nil
	}
	b, _ := json.Marshal(m)
	return tx.SetNote(rrsetKey(owner, typ), string(b))
}

// pruneNotes deletes the notes of the RRsets a change to z took away, and
// the comments of the records it took away, at the names it touched: an
// RRset made again later starts without the old labels. It looks at those
// names only, so a change costs the same whatever notes the zone keeps.
func pruneNotes(z *zone.Zone, tx *zone.Txn) error {
	for _, k := range tx.Touched() {
		was, ok := z.Get(k)
		if !ok {
			continue
		}
		for _, set := range was.Sets {
			owner := set.RRs[0].Header().Name
			m := rrsetMetaOf(tx, owner, set.Type)
			rrs := tx.RRset(owner, set.Type)
			if len(rrs) == 0 {
				tx.DeleteNote(rrsetKey(owner, set.Type))
				continue
			}
			if len(m.Comments) == 0 {
				continue
			}
			have := map[string]bool{}
			for _, rr := range rrs {
				have[store.RDATA(rr)] = true
			}
			before := len(m.Comments)
			maps.DeleteFunc(m.Comments, func(v, _ string) bool { return !have[v] })
			if len(m.Comments) != before {
				if err := setRRsetMeta(tx, owner, set.Type, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
