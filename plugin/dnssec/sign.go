package dnssec

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Policy is how long signatures last. A signature is made valid from
// Backdate before now (clocks differ) to Validity after, less up to Jitter
// at random so that a zone's signatures do not all expire at once, and is
// made again once less than Refresh of it is left.
type Policy struct {
	Validity, Refresh, Backdate, Jitter time.Duration
}

// DefaultPolicy: two weeks of validity, made again with a week left.
var DefaultPolicy = Policy{Validity: 14 * 24 * time.Hour, Refresh: 7 * 24 * time.Hour, Backdate: time.Hour, Jitter: 24 * time.Hour}

// Signer signs one zone with its keyring.
type Signer struct {
	Keys   *Keyring
	Policy Policy
}

// signing returns the keys that sign an RRset of typ now: the active and
// ready keys of their role; but while a CSK is ready, the CSK it replaces
// signs the DNSKEY RRset only, for the resolvers that still hold the old
// DS (RFC 7583 §3.3: the data is signed by the new key, published long
// enough for every cache to hold it).
func (s *Signer) signing(typ uint16) []*Key {
	keyset := typ == dns.TypeDNSKEY || typ == dns.TypeCDS || typ == dns.TypeCDNSKEY
	newCSK := false
	for _, k := range s.Keys.Keys {
		newCSK = newCSK || k.Role == CSK && k.State == Ready
	}
	var out []*Key
	for _, k := range s.Keys.Keys {
		if k.State != Active && k.State != Ready {
			continue
		}
		if keyset && k.signsKeys() || !keyset && k.signsData() && !(newCSK && k.Role == CSK && k.State == Active) {
			out = append(out, k)
		}
	}
	return out
}

// sign makes the RRSIGs of the RRset rrs.
func (s *Signer) sign(origin string, rrs []dns.RR, now time.Time) ([]dns.RR, error) {
	h := rrs[0].Header()
	incep := now.Add(-s.Policy.Backdate)
	expir := now.Add(s.Policy.Validity)
	if s.Policy.Jitter > 0 {
		expir = expir.Add(-rand.N(s.Policy.Jitter))
	}
	var out []dns.RR
	for _, k := range s.signing(h.Rrtype) {
		sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
			Algorithm: k.DNSKEY.Algorithm, SignerName: origin, KeyTag: k.Tag(),
			Inception: uint32(incep.Unix()), Expiration: uint32(expir.Unix())}
		if err := sig.Sign(k.Signer, rrs); err != nil {
			return nil, fmt.Errorf("sign %s %s: %w", h.Name, dns.TypeToString[h.Rrtype], err)
		}
		out = append(out, sig)
	}
	return out, nil
}

// fresh reports whether sigs hold a signature of every key that signs
// RRsets of typ, each valid for longer than Refresh from now.
func (s *Signer) fresh(sigs []dns.RR, typ uint16, now time.Time) bool {
	keys := s.signing(typ)
	for _, k := range keys {
		ok := false
		for _, rr := range sigs {
			sig := rr.(*dns.RRSIG)
			if sig.TypeCovered == typ && sig.KeyTag == k.Tag() && sig.Algorithm == k.DNSKEY.Algorithm &&
				int64(sig.Expiration)-now.Unix() > int64(s.Policy.Refresh/time.Second) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return len(keys) > 0
}

// Sign makes the zone being built by tx signed where the change from old
// touched it (old nil, touched nil, or an old zone without a DNSKEY
// RRset: everywhere): every authoritative
// RRset at a touched name gets its signatures again unless it is as old
// had it and its signatures are fresh; the DNSKEY RRset is the keyring's;
// the NSEC chain is mended through the touched names (chain.go). An API
// must not write RRSIG or NSEC records into a zone signed here.
func (s *Signer) Sign(old *zone.Zone, tx *zone.Txn, touched [][]byte, now time.Time) error {
	origin := tx.Origin()
	ttl := tx.SOA().Hdr.Ttl
	if err := tx.ReplaceRRset(origin, dns.TypeDNSKEY, s.Keys.DNSKEYs(ttl)); err != nil {
		return fmt.Errorf("the DNSKEY RRset: %w", err)
	}
	if err := s.putCDS(tx, ttl); err != nil {
		return err
	}
	names := touched
	nsec3 := s.Keys.Denial == NSEC3
	full := old == nil || touched == nil || len(old.Apex().Type(dns.TypeDNSKEY)) == 0 || !sameSet(old.Apex().Type(dns.TypeDNSKEY), s.Keys.DNSKEYs(ttl)) ||
		nsec3 != (len(tx.RRset(origin, dns.TypeNSEC3PARAM)) > 0)
	if full {
		// Signed from scratch: a zone not signed before, or whose keys
		// changed (an RRset whose signatures are fresh and made by every
		// active key keeps them, so a key only published costs a walk).
		names = allNames(tx)
	} else {
		names = append(names, tx.Key()) // the DNSKEY RRset may have changed
	}
	// A name left with its signatures only goes now, and the empty
	// non-terminals above it with it, before the chain is mended.
	for _, k := range names {
		if n, ok := tx.NodeAt(k); ok && !n.Empty() && !slices.ContainsFunc(n.Sets, func(s zone.RRset) bool { return s.Type != dns.TypeRRSIG && s.Type != dns.TypeNSEC }) {
			tx.DeleteName(n.Name)
		}
	}
	var err error
	if nsec3 {
		names, err = s.chain3(old, tx, names, full)
	} else {
		names, err = s.chain(old, tx, names, full)
	}
	if err != nil {
		return err
	}
	return s.signNames(old, tx, names, now)
}

// putCDS publishes the CDS and CDNSKEY RRsets (RFC 7344) of the keys a
// rollover waits to see at the parent, and takes them away after.
func (s *Signer) putCDS(tx *zone.Txn, ttl uint32) error {
	var cds, cdnskey []dns.RR
	if s.Keys.Rolling() {
		for _, k := range s.Keys.Parent() {
			c := k.DNSKEY.ToDS(dns.SHA256).ToCDS()
			c.Hdr.Ttl = ttl
			ck := k.DNSKEY.ToCDNSKEY()
			ck.Hdr.Ttl = ttl
			cds, cdnskey = append(cds, c), append(cdnskey, ck)
		}
	}
	origin := tx.Origin()
	for _, t := range []struct {
		typ uint16
		rrs []dns.RR
	}{{dns.TypeCDS, cds}, {dns.TypeCDNSKEY, cdnskey}} {
		have := tx.RRset(origin, t.typ)
		switch {
		case len(t.rrs) == 0 && len(have) > 0:
			tx.DeleteRRset(origin, t.typ)
		case len(t.rrs) > 0 && !zone.Identical(have, t.rrs):
			if err := tx.ReplaceRRset(origin, t.typ, t.rrs); err != nil {
				return fmt.Errorf("the %s RRset: %w", dns.TypeToString[t.typ], err)
			}
		}
	}
	return nil
}

func allNames(tx *zone.Txn) [][]byte {
	var out [][]byte
	tx.Ascend(tx.Key(), func(k []byte, _ *zone.Node) bool {
		out = append(out, k)
		return true
	})
	return out
}

// plan is what signing one name takes: the signatures it keeps, and the
// RRsets to sign (their signatures are made into made, at the same index).
type plan struct {
	name       string
	have, keep []dns.RR
	todo       [][]dns.RR
	made       [][]dns.RR
}

// signed calls fn for each RRset at the name with key k, holding n, that the
// zone signs: every authoritative RRset but the RRSIGs themselves; at a
// delegation, the DS and the NSEC only (its NS RRset and glue are the
// child's, RFC 4035 §2.2). The caller has made sure the name is not
// occluded.
func signed(apex, k []byte, n *zone.Node, fn func(zone.RRset)) {
	cut := !bytes.Equal(k, apex) && n.Type(dns.TypeNS) != nil
	for _, set := range n.Sets {
		if set.Type == dns.TypeRRSIG || (cut && set.Type != dns.TypeDS && set.Type != dns.TypeNSEC) {
			continue
		}
		fn(set)
	}
}

// planName plans the signatures of the RRsets at the name with key k, or
// their going where it holds no authoritative data. An RRset as old had it
// keeps signatures that are fresh.
func (s *Signer) planName(old *zone.Zone, tx *zone.Txn, k []byte, now time.Time) *plan {
	n, ok := tx.NodeAt(k)
	if !ok || n.Empty() {
		return nil
	}
	var oldNode *zone.Node
	if old != nil {
		oldNode, _ = old.Get(k)
	}
	p := &plan{name: n.Name, have: n.Type(dns.TypeRRSIG)}
	if tx.Occluded(k) {
		return p
	}
	signed(tx.Key(), k, n, func(set zone.RRset) {
		mine := s.current(n.Signatures(set.Type), set.Type)
		if oldNode != nil && zone.Identical(oldNode.Type(set.Type), set.RRs) && s.fresh(mine, set.Type, now) {
			p.keep = append(p.keep, mine...)
			return
		}
		p.todo = append(p.todo, set.RRs)
	})
	return p
}

// parallelFrom is how many RRsets to sign make it worth signing them on
// every core: a zone signed whole, not a change.
const parallelFrom = 256

// signPlans makes the signatures the plans need, on every core when they
// are many (a signer is safe for concurrent use; ECDSA is most of it).
func (s *Signer) signPlans(origin string, plans []*plan, now time.Time) error {
	type job struct{ p, i int }
	var jobs []job
	for pi, p := range plans {
		p.made = make([][]dns.RR, len(p.todo))
		for i := range p.todo {
			jobs = append(jobs, job{pi, i})
		}
	}
	workers := 1
	if len(jobs) >= parallelFrom {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		errMu sync.Mutex
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := int(next.Add(1) - 1)
				if j >= len(jobs) {
					return
				}
				p := plans[jobs[j].p]
				made, err := s.sign(origin, p.todo[jobs[j].i], now)
				if err != nil {
					errMu.Lock()
					if first == nil {
						first = err
					}
					errMu.Unlock()
					return
				}
				p.made[jobs[j].i] = made
			}
		}()
	}
	wg.Wait()
	return first
}

// apply puts the plan's signatures at its name.
func (p *plan) apply(tx *zone.Txn) error {
	sigs := p.keep
	for _, m := range p.made {
		sigs = append(sigs, m...)
	}
	if zone.Identical(p.have, sigs) {
		return nil
	}
	if err := tx.ReplaceRRset(p.name, dns.TypeRRSIG, sigs); err != nil {
		return fmt.Errorf("the signatures of %s: %w", p.name, err)
	}
	return nil
}

// signNames signs the names of keys as planName says.
func (s *Signer) signNames(old *zone.Zone, tx *zone.Txn, keys [][]byte, now time.Time) error {
	var plans []*plan
	for _, k := range keys {
		if p := s.planName(old, tx, k, now); p != nil {
			plans = append(plans, p)
		}
	}
	if err := s.signPlans(tx.Origin(), plans, now); err != nil {
		return err
	}
	for _, p := range plans {
		if err := p.apply(tx); err != nil {
			return err
		}
	}
	return nil
}

// current returns the signatures of sigs made by a key that signs RRsets
// of typ now: those of a key taken away or retired go.
func (s *Signer) current(sigs []dns.RR, typ uint16) []dns.RR {
	keys := s.signing(typ)
	var out []dns.RR
	for _, rr := range sigs {
		sig := rr.(*dns.RRSIG)
		for _, k := range keys {
			if sig.KeyTag == k.Tag() && sig.Algorithm == k.DNSKEY.Algorithm {
				out = append(out, rr)
				break
			}
		}
	}
	return out
}

// Stale returns the keys of the names of z, in canonical order, whose
// signatures expire within the policy's Refresh, or whose authoritative
// RRsets lack a signature of a signing key; at most limit of them (0: all).
func (s *Signer) Stale(z *zone.Zone, now time.Time, limit int) [][]byte {
	var out [][]byte
	z.Walk(func(n *zone.Node) bool {
		if n.Empty() {
			return true
		}
		k, err := zone.Key(n.Name)
		if err != nil || z.Occluded(k) {
			return true
		}
		stale := false
		signed(z.Key(), k, n, func(set zone.RRset) {
			stale = stale || !s.fresh(n.Signatures(set.Type), set.Type, now)
		})
		if stale {
			out = append(out, k)
		}
		return limit == 0 || len(out) < limit
	})
	return out
}

// Resign signs the RRsets at the names of keys anew.
func (s *Signer) Resign(tx *zone.Txn, keys [][]byte, now time.Time) error {
	return s.signNames(nil, tx, keys, now)
}

// sameSet reports whether a and b hold the same RRs, in any order.
func sameSet(a, b []dns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, rr := range a {
		seen[rr.String()]++
	}
	for _, rr := range b {
		if seen[rr.String()]--; seen[rr.String()] < 0 {
			return false
		}
	}
	return true
}
