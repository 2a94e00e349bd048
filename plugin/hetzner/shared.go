package hetzner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
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
	canon := make([]schema.ZoneRRSetRecord, len(rrs))
	for i, rr := range rrs {
		canon[i] = schema.ZoneRRSetRecord{Value: store.RDATA(rr), Comment: r.Records[i].Comment}
	}
	r.Records = canon
	return contentOf(r), nil
}

// Contents returns the content (Content) of each RRset of RRsets(z), by
// id. Its values are canonical already, so nothing is parsed again.
func Contents(z *zone.Zone) map[string]string { return ContentsOf(RRsets(z)) }

// ContentsOf is Contents of the RRsets RRsets returned.
func ContentsOf(sets map[string]schema.ZoneRRSet) map[string]string {
	out := make(map[string]string, len(sets))
	for id, r := range sets {
		out[id] = contentOf(r)
	}
	return out
}

// Raw is Content of r as it is, its values not parsed: the same for the
// same answer of an upstream, so a mirror may keep Content by it.
func Raw(r schema.ZoneRRSet) string { return contentOf(r) }

// contentOf is Content of an RRset whose values are canonical.
func contentOf(r schema.ZoneRRSet) string {
	recs := slices.Clone(r.Records)
	slices.SortFunc(recs, func(a, b schema.ZoneRRSetRecord) int { return strings.Compare(a.Value, b.Value) })
	recs = slices.CompactFunc(recs, func(a, b schema.ZoneRRSetRecord) bool { return a.Value == b.Value })
	var b strings.Builder
	if r.TTL == nil {
		b.WriteString("ttl=zone")
	} else {
		fmt.Fprintf(&b, "ttl=%d", *r.TTL)
	}
	for _, rec := range recs {
		b.WriteString("\x00v=")
		b.WriteString(rec.Value)
		if rec.Comment != "" {
			b.WriteString("\x00c=")
			b.WriteString(rec.Comment)
		}
	}
	for _, k := range sortedKeys(r.Labels) {
		fmt.Fprintf(&b, "\x00l=%s=%s", k, r.Labels[k])
	}
	return b.String()
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
	return l.ID != up.ID || l.TTL != up.TTL || !maps.Equal(l.Labels, up.Labels) || l.Protection.Delete != up.Protection.Delete || !l.Created.Equal(up.Created)
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
