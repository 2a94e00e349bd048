package dnsserve

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// checkPrerequisites evaluates the prerequisite section against z (§3.2).
func checkPrerequisites(z *zone.Zone, origin string, prereqs []dns.RR) error {
	valueDependent := map[string][]dns.RR{} // name/type -> RRs that must be the RRset
	for _, rr := range prereqs {
		h := rr.Header()
		if h.Ttl != 0 {
			return rcodeError(dns.RcodeFormatError)
		}
		if !dns.IsSubDomain(origin, h.Name) {
			return rcodeError(dns.RcodeNotZone)
		}
		n, exists := z.Node(h.Name)
		exists = exists && !n.Empty()
		switch h.Class {
		case dns.ClassANY:
			if h.Rdlength != 0 {
				return rcodeError(dns.RcodeFormatError)
			}
			if h.Rrtype == dns.TypeANY {
				if !exists {
					return rcodeError(dns.RcodeNameError) // name is not in use
				}
			} else if !exists || len(n.Type(h.Rrtype)) == 0 {
				return rcodeError(dns.RcodeNXRrset)
			}
		case dns.ClassNONE:
			if h.Rdlength != 0 {
				return rcodeError(dns.RcodeFormatError)
			}
			if h.Rrtype == dns.TypeANY {
				if exists {
					return rcodeError(dns.RcodeYXDomain) // name is in use
				}
			} else if exists && len(n.Type(h.Rrtype)) > 0 {
				return rcodeError(dns.RcodeYXRrset)
			}
		case dns.ClassINET:
			k := strings.ToLower(h.Name) + "/" + fmt.Sprint(h.Rrtype)
			valueDependent[k] = append(valueDependent[k], rr)
		default:
			return rcodeError(dns.RcodeFormatError)
		}
	}
	for _, want := range valueDependent {
		h := want[0].Header()
		var have []dns.RR
		if n, ok := z.Node(h.Name); ok {
			have = n.Type(h.Rrtype)
		}
		if !sameRRset(have, want) {
			return rcodeError(dns.RcodeNXRrset)
		}
	}
	return nil
}

// sameRRset compares two RRsets by RDATA, ignoring TTL and duplicates.
func sameRRset(a, b []dns.RR) bool {
	in := func(rr dns.RR, set []dns.RR) bool {
		for _, o := range set {
			x := dns.Copy(rr)
			x.Header().Class, x.Header().Ttl = o.Header().Class, o.Header().Ttl
			if zone.Same(o, x) {
				return true
			}
		}
		return false
	}
	for _, rr := range a {
		if !in(rr, b) {
			return false
		}
	}
	for _, rr := range b {
		if !in(rr, a) {
			return false
		}
	}
	return true
}

// update applies one RR of the update section (§3.4.2) and reports whether
// it changed the zone. What RFC 2136 says to ignore is ignored: a CNAME
// beside other data and the reverse, an older SOA, the apex SOA and the
// last apex NS.
func update(tx *zone.Txn, origin string, rr dns.RR) bool {
	h := rr.Header()
	apex := strings.EqualFold(h.Name, origin)
	switch h.Class {
	case dns.ClassINET:
		if h.Rrtype == dns.TypeSOA {
			cur := tx.RRset(origin, dns.TypeSOA)
			soa, ok := rr.(*dns.SOA)
			if !apex || !ok || len(cur) != 1 || !pipeline.SerialGreater(soa.Serial, cur[0].(*dns.SOA).Serial) {
				return false
			}
			return tx.ReplaceRRset(origin, dns.TypeSOA, []dns.RR{dns.Copy(rr)}) == nil
		}
		before := tx.RRset(h.Name, h.Rrtype)
		if h.Rrtype == dns.TypeCNAME && len(before) > 0 { // a new CNAME replaces the old (§3.4.2.2)
			return tx.ReplaceRRset(h.Name, dns.TypeCNAME, []dns.RR{dns.Copy(rr)}) == nil && !dns.IsDuplicate(before[0], rr)
		}
		if err := tx.Upsert(dns.Copy(rr)); err != nil {
			return false
		}
		after := tx.RRset(h.Name, h.Rrtype)
		return len(after) != len(before) || after[0].Header().Ttl != before[0].Header().Ttl
	case dns.ClassANY:
		if h.Rrtype == dns.TypeANY {
			if apex { // everything but the SOA and NS (§3.4.2.3)
				n := 0
				for _, s := range tx.Types(origin) {
					if s != dns.TypeSOA && s != dns.TypeNS {
						n += tx.DeleteRRset(origin, s)
					}
				}
				return n > 0
			}
			return tx.DeleteName(h.Name) > 0
		}
		if apex && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS) {
			return false
		}
		return tx.DeleteRRset(h.Name, h.Rrtype) > 0
	case dns.ClassNONE:
		if h.Rrtype == dns.TypeSOA {
			return false
		}
		if apex && h.Rrtype == dns.TypeNS && len(tx.RRset(origin, dns.TypeNS)) <= 1 {
			return false
		}
		del := dns.Copy(rr)
		del.Header().Class = dns.ClassINET
		return tx.Delete(del)
	}
	return false
}
