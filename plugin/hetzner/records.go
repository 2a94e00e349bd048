package hetzner

import (
	"fmt"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// types are the record types Hetzner's Cloud DNS accepts. A zone may hold
// others (written through /v1 or a file); they are listed, but the
// Hetzner API does not write them, so what it writes can go back to
// Hetzner.
var types = map[string]uint16{
	"A": dns.TypeA, "AAAA": dns.TypeAAAA, "CAA": dns.TypeCAA, "CNAME": dns.TypeCNAME, "DS": dns.TypeDS,
	"HINFO": dns.TypeHINFO, "HTTPS": dns.TypeHTTPS, "MX": dns.TypeMX, "NS": dns.TypeNS, "PTR": dns.TypePTR,
	"RP": dns.TypeRP, "SOA": dns.TypeSOA, "SRV": dns.TypeSRV, "SVCB": dns.TypeSVCB, "TLSA": dns.TypeTLSA, "TXT": dns.TypeTXT,
}

// rrsetName is an RRset's name and type as the path gives them: the name
// relative to the zone ("@" the apex), lower-case, no trailing dot.
type rrsetName struct {
	name  string // as Hetzner shows it
	owner string // absolute
	typ   uint16
}

func parseRRsetName(origin, name, typ string) (rrsetName, error) {
	t, ok := types[strings.ToUpper(typ)]
	if !ok {
		return rrsetName{}, invalid("type", "%q is not a type Hetzner's DNS accepts", typ)
	}
	if name == "" {
		return rrsetName{}, invalid("name", "missing")
	}
	if strings.HasSuffix(name, ".") {
		return rrsetName{}, invalid("name", "must be relative to the zone, without a trailing dot")
	}
	owner, err := record.Owner(name, origin)
	if err != nil {
		return rrsetName{}, invalid("name", "%v", err)
	}
	if !dns.IsSubDomain(origin, owner) {
		return rrsetName{}, invalid("name", "is not in the zone")
	}
	return rrsetName{name: shownName(owner, origin), owner: owner, typ: t}, nil
}

// shownName is owner as Hetzner shows an RRset's name.
func shownName(owner, origin string) string { return strings.ToLower(record.Relative(owner, origin)) }

// rrsetID is Hetzner's id of an RRset: name/TYPE.
func rrsetID(n rrsetName) string { return n.name + "/" + dns.TypeToString[n.typ] }

// parseRecords turns the records of a request into RRs of the RRset n with
// the TTL ttl, validated as /v1 validates a record. field names the list
// in errors ("records").
func parseRecords(origin string, n rrsetName, ttl int, recs []schema.ZoneRRSetRecord, field string) ([]dns.RR, map[string]string, error) {
	rrs := make([]dns.RR, 0, len(recs))
	comments := map[string]string{}
	for i, r := range recs {
		rr, err := record.New(origin, n.owner, dns.TypeToString[n.typ], r.Value, &ttl)
		if err != nil {
			return nil, nil, invalid(fmt.Sprintf("%s[%d].value", field, i), "%v", unwrapField(err))
		}
		rrs = append(rrs, rr)
		if r.Comment != "" {
			comments[store.RDATA(rr)] = r.Comment
		}
	}
	return rrs, comments, nil
}

func unwrapField(err error) error {
	if fe, ok := err.(*record.FieldError); ok {
		return fe.Err
	}
	return err
}

// contains reports whether rrs holds rr, compared as records.
func contains(rrs []dns.RR, rr dns.RR) bool {
	for _, x := range rrs {
		if dns.IsDuplicate(x, rr) {
			return true
		}
	}
	return false
}

// rrsetJSON is the RRset n of z as Hetzner shows it.
func rrsetJSON(z noter, zoneID int64, n rrsetName, rrs []dns.RR) schema.ZoneRRSet {
	m := rrsetMetaOf(z, n.owner, n.typ)
	out := schema.ZoneRRSet{ID: rrsetID(n), Name: n.name, Type: dns.TypeToString[n.typ], Labels: m.Labels, Zone: zoneID,
		Records: make([]schema.ZoneRRSetRecord, 0, len(rrs))}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if !m.Inherit && len(rrs) > 0 {
		ttl := int(rrs[0].Header().Ttl)
		out.TTL = &ttl
	}
	if v, _ := z.Note(protectNote(n)); v == "true" {
		out.Protection.Change = true
	}
	for _, rr := range rrs {
		v := store.RDATA(rr)
		out.Records = append(out.Records, schema.ZoneRRSetRecord{Value: v, Comment: m.Comments[v]})
	}
	return out
}

// rrsetsOf returns every RRset of z in canonical order.
func rrsetsOf(z *zone.Zone) []struct {
	n   rrsetName
	rrs []dns.RR
} {
	var out []struct {
		n   rrsetName
		rrs []dns.RR
	}
	z.Walk(func(node *zone.Node) bool {
		for _, s := range node.Sets {
			name := shownName(s.RRs[0].Header().Name, z.Origin())
			out = append(out, struct {
				n   rrsetName
				rrs []dns.RR
			}{rrsetName{name: name, owner: strings.ToLower(s.RRs[0].Header().Name), typ: s.Type}, s.RRs})
		}
		return true
	})
	return out
}
