package hetzner

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// What the mirror (package hetzner/mirror) shares with the API: a zone and
// its RRsets as this API shows them, and the writes that make a zone show
// what an upstream Hetzner API shows, notes included. Only the RRsets of
// Hetzner's types take part; the SOA is each side's own.

// RRsets returns the RRsets of z that a mirror keeps in step, by id
// (name/TYPE), as this API shows them: every RRset of Hetzner's types but
// the SOA.
func RRsets(z *zone.Zone) map[string]schema.ZoneRRSet {
	out := map[string]schema.ZoneRRSet{}
	id := zoneMetaOf(z).ID
	for _, s := range rrsetsOf(z) {
		if !Synced(dns.TypeToString[s.n.typ]) {
			continue
		}
		j := rrsetJSON(z, id, s.n, s.rrs)
		out[j.ID] = j
	}
	return out
}

// Synced reports whether a mirror keeps RRsets of typ in step.
func Synced(typ string) bool {
	t, ok := types[typ]
	return ok && t != dns.TypeSOA
}

// Zone returns z as this API shows it.
func Zone(z *zone.Zone) schema.Zone { return zoneJSON(z) }

// Content is what a mirror compares of an RRset: its TTL (or that it has
// none and follows the zone's), its records with their comments and its
// labels, in one canonical string, the values as the records they parse
// to in origin. It fails on a value that is not a valid record.
func Content(origin string, r schema.ZoneRRSet) (string, error) {
	n, err := parseRRsetName(origin, r.Name, r.Type)
	if err != nil {
		return "", err
	}
	rrs, _, err := parseRecords(origin, n, 0, r.Records, "records")
	if err != nil {
		return "", err
	}
	comments := map[string]string{}
	for i, rr := range rrs {
		comments[rdataOf(rr)] = r.Records[i].Comment
	}
	vals := sortedKeys(comments)
	type canon struct {
		TTL     *int              `json:"ttl"`
		Records [][2]string       `json:"records"`
		Labels  map[string]string `json:"labels,omitempty"`
	}
	c := canon{TTL: r.TTL, Labels: r.Labels}
	for _, v := range vals {
		c.Records = append(c.Records, [2]string{v, comments[v]})
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	b, _ := json.Marshal(c)
	return string(b), nil
}

// PutRRset makes the zone being built hold r as an upstream shows it: its
// records, its TTL (none: the zone's, followed), labels, comments and
// protection.
func PutRRset(tx *zone.Txn, r schema.ZoneRRSet) error {
	n, err := parseRRsetName(tx.Origin(), r.Name, r.Type)
	if err != nil {
		return err
	}
	m := rrsetMeta{Labels: r.Labels}
	ttl := zoneMetaOf(tx).TTL
	if r.TTL != nil {
		ttl = *r.TTL
	} else {
		m.Inherit = true
	}
	rrs, comments, err := parseRecords(tx.Origin(), n, ttl, r.Records, "records")
	if err != nil {
		return err
	}
	if len(comments) > 0 {
		m.Comments = comments
	}
	if err := tx.ReplaceRRset(n.owner, n.typ, rrs); err != nil {
		return fmt.Errorf("%s: %w", rrsetID(n), err)
	}
	if err := setRRsetMeta(tx, n.owner, n.typ, m); err != nil {
		return err
	}
	return setFlag(tx, protectNote(n), r.Protection.Change)
}

// RemoveRRset removes the RRset of id (name/TYPE) and its notes.
func RemoveRRset(tx *zone.Txn, id string) error {
	name, typ, _ := strings.Cut(id, "/")
	n, err := parseRRsetName(tx.Origin(), name, typ)
	if err != nil {
		return err
	}
	tx.DeleteRRset(n.owner, n.typ)
	tx.DeleteNote(rrsetKey(n.owner, n.typ))
	tx.DeleteNote(protectNote(n))
	return nil
}

// PutZone gives the zone being built the upstream zone's id, default TTL,
// labels, creation time and protection.
func PutZone(tx *zone.Txn, z schema.Zone) error {
	m := zoneMetaOf(tx)
	m.ID, m.Labels, m.Created = z.ID, z.Labels, z.Created
	if z.TTL > 0 {
		m.TTL = z.TTL
	}
	if len(m.Labels) == 0 {
		m.Labels = nil
	}
	if err := setZoneMeta(tx, m); err != nil {
		return err
	}
	return setFlag(tx, pipeline.NoteProtectDelete, z.Protection.Delete)
}

// ZoneDiffers reports whether the zone's id, TTL, labels or protection
// differ from the upstream zone's.
func ZoneDiffers(local *zone.Zone, up schema.Zone) bool {
	l := zoneJSON(local)
	eqLabels := len(l.Labels) == len(up.Labels)
	for k, v := range l.Labels {
		eqLabels = eqLabels && up.Labels[k] == v
	}
	return l.ID != up.ID || l.TTL != up.TTL || !eqLabels || l.Protection.Delete != up.Protection.Delete || !l.Created.Equal(up.Created)
}

// NewZone builds a zone as an upstream shows it: the zone, and its RRsets
// (the SOA among them; a default one if it has none).
func NewZone(up schema.Zone, rrsets []schema.ZoneRRSet) (*zone.Zone, error) {
	origin := dns.Fqdn(strings.ToLower(up.Name))
	tx, err := zone.New(origin)
	if err != nil {
		return nil, err
	}
	if err := PutZone(tx, up); err != nil {
		return nil, err
	}
	hasSOA := false
	for _, r := range rrsets {
		if r.Type == "SOA" {
			hasSOA = true
		}
		if err := PutRRset(tx, r); err != nil {
			return nil, err
		}
	}
	if !hasSOA {
		soa, ns := record.DefaultApex(origin, pipeline.NextSerial(0, pipeline.Now()))
		tx.Add(soa)
		if len(tx.RRset(origin, dns.TypeNS)) == 0 {
			tx.Add(ns)
		}
	}
	return tx.Commit()
}
