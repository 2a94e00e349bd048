package zoneapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coredns/coredns/plugin/tsig"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// rcodeError ends an UPDATE with an rcode (RFC 2136 §3).
type rcodeError int

func (e rcodeError) Error() string { return dns.RcodeToString[int(e)] }

// serveUpdate answers an RFC 2136 UPDATE for a zone of the store. The tsig
// plugin has checked the signature; the key's scope (update in the
// Corefile) decides what it may change. Every update goes through the same
// write path as the API: validation, one serial bump, the journal, NOTIFY,
// an audit line.
func (za *Zoneapi) serveUpdate(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	reply := func(rcode int) (int, error) {
		m := new(dns.Msg)
		m.SetRcode(r, rcode)
		w.WriteMsg(m)
		return dns.RcodeSuccess, nil
	}
	// Zone section: exactly one SOA question for a zone we hold (§3.1.1).
	if len(r.Question) != 1 || r.Question[0].Qtype != dns.TypeSOA || r.Question[0].Qclass != dns.ClassINET {
		return reply(dns.RcodeFormatError)
	}
	origin := strings.ToLower(dns.Fqdn(r.Question[0].Name))
	set := za.state.zones.Load()
	if _, ok := set.Get(origin); !ok {
		return reply(dns.RcodeNotAuth)
	}
	keyName, signed := tsig.ValidatedKeyName(ctx)
	key := za.state.updateKey(keyName)
	if !signed || key == nil || !key.zoneAllowed(origin) {
		return reply(dns.RcodeRefused)
	}
	if err := prescan(origin, r.Ns, key); err != nil {
		var rc rcodeError
		if errors.As(err, &rc) {
			return reply(int(rc))
		}
		return reply(dns.RcodeRefused)
	}
	applied := 0
	by := why{op: "update", token: keyName}
	_, nz, err := za.state.change(by, origin, nil, false, func(z *zone.Zone, tx *zone.Txn) (err error) {
		applied, err = applyUpdate(z, tx, origin, r)
		return err
	})
	switch {
	case errors.Is(err, errNothingToDo):
		return reply(dns.RcodeSuccess)
	case err != nil:
		var rc rcodeError
		if errors.As(err, &rc) {
			return reply(int(rc))
		}
		log.Warningf("update of %s by key %s refused: %v", origin, keyName, err)
		if problemFor(err).status >= 500 {
			return reply(dns.RcodeServerFailure)
		}
		return reply(dns.RcodeRefused)
	}
	audit(by, nz, fmt.Sprintf("%d of %d updates applied", applied, len(r.Ns)))
	return reply(dns.RcodeSuccess)
}

var errNothingToDo = errors.New("no update changes the zone")

// applyUpdate checks r's prerequisites against z and applies its updates
// to tx, which prescan has checked (§3.2, §3.4.2). It returns how many
// changed the zone, and errNothingToDo for none.
func applyUpdate(z *zone.Zone, tx *zone.Txn, origin string, r *dns.Msg) (int, error) {
	if err := checkPrerequisites(z, origin, r.Answer); err != nil {
		return 0, err
	}
	applied := 0
	for _, rr := range r.Ns {
		if update(tx, origin, rr) {
			applied++
		}
	}
	if applied == 0 {
		return 0, errNothingToDo
	}
	return applied, nil
}

// prescan checks the update section before anything is applied (§3.4.1):
// names in the zone, classes and types as the four forms allow, and the
// key's scope.
func prescan(origin string, updates []dns.RR, key *token) error {
	for _, rr := range updates {
		h := rr.Header()
		if !dns.IsSubDomain(origin, h.Name) {
			return rcodeError(dns.RcodeNotZone)
		}
		switch h.Class {
		case dns.ClassINET:
			if !zone.Storable(h.Rrtype) {
				return rcodeError(dns.RcodeFormatError)
			}
			if _, err := zone.ReadBack(rr); err != nil {
				return rcodeError(dns.RcodeFormatError) // RDATA the zone's file could not hold as it is
			}
		case dns.ClassANY:
			if h.Ttl != 0 || h.Rdlength != 0 || (h.Rrtype != dns.TypeANY && !zone.Storable(h.Rrtype)) {
				return rcodeError(dns.RcodeFormatError)
			}
		case dns.ClassNONE:
			if h.Ttl != 0 || !zone.Storable(h.Rrtype) {
				return rcodeError(dns.RcodeFormatError)
			}
		default:
			return rcodeError(dns.RcodeFormatError)
		}
		typ := h.Rrtype
		if typ == dns.TypeANY { // deleting a whole name needs every type
			if len(key.types) > 0 || !key.canWrite(origin, h.Name, dns.TypeA) {
				return rcodeError(dns.RcodeRefused)
			}
			continue
		}
		if !key.canWrite(origin, h.Name, typ) {
			return rcodeError(dns.RcodeRefused)
		}
	}
	return nil
}

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
			if !apex || !ok || len(cur) != 1 || !serialGreater(soa.Serial, cur[0].(*dns.SOA).Serial) {
				return false
			}
			return tx.ReplaceRRset(origin, dns.TypeSOA, []dns.RR{dns.Copy(rr)}) == nil
		}
		before := tx.RRset(h.Name, h.Rrtype)
		if h.Rrtype == dns.TypeCNAME && len(before) > 0 { // a new CNAME replaces the old (§3.4.2.2)
			return tx.ReplaceRRset(h.Name, dns.TypeCNAME, []dns.RR{dns.Copy(rr)}) == nil && !dns.IsDuplicate(before[0], rr)
		}
		if err := upsert(tx, dns.Copy(rr)); err != nil {
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
