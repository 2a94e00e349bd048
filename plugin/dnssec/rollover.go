package dnssec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Rollovers (RFC 7583). A key made by a rollover goes through its states
// by itself, each step once the caches can hold only what the next state
// needs:
//
//   - ZSK, pre-publish (§3.2.1): the successor is published; after
//     Propagation and the DNSKEY TTL (every cache then holds it) it signs
//     the zone and the old ZSK is retired; it goes after Propagation and
//     the zone's largest TTL (no cache holds a signature of it then).
//   - KSK and CSK, double-KSK (§3.3.1): the successor is published; after
//     Propagation and the DNSKEY TTL it is ready: it signs the DNSKEY RRset
//     (a CSK the whole zone, the old CSK then signing the DNSKEY RRset
//     only) and the zone publishes its CDS and CDNSKEY. Once its DS is seen
//     at the parent (a DS query to a resolver, or an API call like Knot's
//     ksk-submitted) and ParentPropagation and the DS TTL have passed, it
//     is active and the old key retired; that goes after Propagation and
//     the larger of the DNSKEY TTL and the zone's largest TTL.
//
// A ZSK is rolled by itself ZSKLifetime after it became active.

// Timing is what rollovers wait for besides the zone's own TTLs.
type Timing struct {
	Propagation       time.Duration // Dprp: until every secondary serves a change
	ParentPropagation time.Duration // DprpP: until every server of the parent serves a new DS
	DSTTL             time.Duration // TTLds: the DS's TTL at the parent, at least (a DS seen gives it too)
	ZSKLifetime       time.Duration // how long a ZSK signs before it is rolled; 0: until the API rolls it
}

// DefaultTiming is Knot's: an hour for changes to spread, a day of DS TTL,
// a ZSK rolled every 30 days.
var DefaultTiming = Timing{Propagation: time.Hour, ParentPropagation: time.Hour, DSTTL: 24 * time.Hour, ZSKLifetime: 30 * 24 * time.Hour}

// TTLs are the zone's TTLs that rollovers wait for: the DNSKEY RRset's,
// and (a function: it walks the zone) the largest of any RRset.
type TTLs struct {
	Key time.Duration
	Max func() time.Duration
}

// Errors of starting and advancing rollovers.
var (
	ErrRolling  = errors.New("a rollover of a key of that role is under way")
	ErrNotReady = errors.New("the key is not waiting for its DS at the parent")
	ErrInactive = errors.New("only an active key is rolled")
)

// Successor returns the successor of role that a rollover makes, if any.
func (r *Keyring) Successor(role Role) *Key {
	for _, k := range r.Keys {
		if k.Rolled && k.Role == role && (k.State == Published || k.State == Ready) {
			return k
		}
	}
	return nil
}

// Roll returns a copy of the keyring with a successor of the active key
// of tag published: a new key of its role and algorithm, that the
// rollover takes through its states.
func (r *Keyring) Roll(tag uint16, now time.Time) (*Keyring, *Key, error) {
	var old *Key
	for _, k := range r.Keys {
		if k.Tag() == tag {
			old = k
			break
		}
	}
	switch {
	case old == nil:
		return nil, nil, fmt.Errorf("%w: %d", ErrNoSuchKey, tag)
	case old.State != Active:
		return nil, nil, fmt.Errorf("%w: key %d is %s", ErrInactive, tag, old.State)
	case r.Successor(old.Role) != nil:
		return nil, nil, fmt.Errorf("%w: key %d", ErrRolling, r.Successor(old.Role).Tag())
	}
	for range 8 { // a tag taken already: another key
		k, err := Generate(r.Origin, old.DNSKEY.Algorithm, old.Role, now)
		if err != nil {
			return nil, nil, err
		}
		k.State, k.Activated, k.Rolled = Published, time.Time{}, true
		if out, err := r.With(k); err == nil {
			return out, k, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: no free key tag", ErrKeyExists)
}

// Submit returns a copy of the keyring where the ready key of tag has its
// DS at the parent since now, with the TTL ttl there (0: not known).
func (r *Keyring) Submit(tag uint16, ttl time.Duration, now time.Time) (*Keyring, error) {
	out := &Keyring{Origin: r.Origin, Denial: r.Denial}
	found := false
	for _, k := range r.Keys {
		if k.Tag() == tag && k.State == Ready && k.Submitted.IsZero() {
			c := *k
			c.Submitted, c.ParentTTL, found = now, ttl, true
			k = &c
		}
		out.Keys = append(out.Keys, k)
	}
	if !found {
		return nil, fmt.Errorf("%w: %d", ErrNotReady, tag)
	}
	return out, nil
}

// due is when the key takes its next step by itself, and what it is; zero
// when it takes none (a ready key whose DS is not seen yet, a key that
// stays as the API made it).
func (k *Key) due(r *Keyring, t Timing, key time.Duration) (time.Time, string) {
	switch {
	case k.Rolled && k.State == Published:
		if k.Role == ZSK {
			return k.Published.Add(t.Propagation + key), "activate"
		}
		return k.Published.Add(t.Propagation + key), "ready"
	case k.State == Ready && !k.Submitted.IsZero():
		return k.Submitted.Add(t.ParentPropagation + max(t.DSTTL, k.ParentTTL)), "activate"
	case k.State == Retired && !k.Removal.IsZero():
		return k.Removal, "remove"
	case k.State == Active && k.Role == ZSK && t.ZSKLifetime > 0 && !k.Activated.IsZero() && r.Successor(ZSK) == nil:
		return k.Activated.Add(t.ZSKLifetime), "roll"
	}
	return time.Time{}, ""
}

// Next returns when the next step of the keyring's rollovers is due (zero:
// none is).
func (r *Keyring) Next(t Timing, key time.Duration) time.Time {
	var next time.Time
	for _, k := range r.Keys {
		if at, _ := k.due(r, t, key); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// Due says what the key will do next by itself and when; "" if nothing
// (a ready key whose DS is not seen yet says "submit": the parent's turn).
func (r *Keyring) Due(k *Key, t Timing, key time.Duration) (time.Time, string) {
	at, step := k.due(r, t, key)
	if step == "" && k.State == Ready {
		return time.Time{}, "submit"
	}
	return at, step
}

// Step returns the keyring after the steps due at now (nil if none is),
// and what they did, one line each.
func (r *Keyring) Step(now time.Time, t Timing, ttls TTLs) (*Keyring, []string, error) {
	out := &Keyring{Origin: r.Origin, Denial: r.Denial}
	for _, k := range r.Keys {
		c := *k
		out.Keys = append(out.Keys, &c)
	}
	var events []string
	retire := func(successor *Key) {
		for _, o := range out.Keys {
			if o != successor && o.Role == successor.Role && o.State == Active {
				wait := ttls.Max()
				if o.signsKeys() {
					wait = max(wait, ttls.Key)
				}
				o.State, o.Retired, o.Removal = Retired, now, now.Add(t.Propagation+wait)
				events = append(events, fmt.Sprintf("key %d retired, to go at %s", o.Tag(), o.Removal.Format(time.RFC3339)))
			}
		}
	}
	var keep []*Key
	for _, k := range out.Keys {
		at, step := k.due(out, t, ttls.Key)
		if at.IsZero() || at.After(now) {
			keep = append(keep, k)
			continue
		}
		switch step {
		case "roll":
			keep = append(keep, k)
			n, err := Generate(r.Origin, k.DNSKEY.Algorithm, ZSK, now)
			if err != nil {
				return nil, nil, err
			}
			n.State, n.Activated, n.Rolled = Published, time.Time{}, true
			keep = append(keep, n)
			events = append(events, fmt.Sprintf("ZSK %d is %s old: successor %d published", k.Tag(), t.ZSKLifetime, n.Tag()))
		case "ready":
			k.State, k.Activated = Ready, now
			keep = append(keep, k)
			events = append(events, fmt.Sprintf("%s %d ready: its DS is to be put at the parent (CDS and CDNSKEY published)", k.Role, k.Tag()))
		case "activate":
			k.State = Active
			if k.Activated.IsZero() || k.Role == ZSK {
				k.Activated = now
			}
			keep = append(keep, k)
			events = append(events, fmt.Sprintf("%s %d active", k.Role, k.Tag()))
			retire(k)
		case "remove":
			events = append(events, fmt.Sprintf("key %d removed", k.Tag()))
		}
	}
	if len(events) == 0 {
		return nil, nil, nil
	}
	// A key retired by a successor activated after it in the list is kept.
	out.Keys = out.Keys[:0]
	for _, k := range keep {
		if k.State != Retired || k.Removal.After(now) || k.Removal.IsZero() {
			out.Keys = append(out.Keys, k)
		}
	}
	if !out.complete() {
		return nil, nil, fmt.Errorf("%w: a rollover step would leave the zone without one", ErrLastKey)
	}
	return out, events, nil
}

// ZoneTTLs returns the TTLs of z that rollovers wait for; the DNSKEY
// RRset has the SOA's.
func ZoneTTLs(z *zone.Zone) TTLs {
	return TTLs{Key: time.Duration(z.SOA().Hdr.Ttl) * time.Second, Max: func() time.Duration {
		var m uint32
		z.Walk(func(n *zone.Node) bool {
			for _, s := range n.Sets {
				for _, rr := range s.RRs {
					m = max(m, rr.Header().Ttl)
				}
			}
			return true
		})
		return time.Duration(m) * time.Second
	}}
}

// SeenAtParent asks the resolver (or a server of the parent) at addr for
// the zone's DS RRset and reports whether it holds a DS of k, and the TTL
// it has.
func SeenAtParent(addr, origin string, k *Key) (bool, time.Duration, error) {
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeDS)
	m.SetEdns0(1232, false)
	c := &dns.Client{Timeout: 3 * time.Second}
	in, _, err := c.Exchange(m, addr)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.Exchange(m, addr)
	}
	if err != nil {
		return false, 0, fmt.Errorf("DS of %s at %s: %w", origin, addr, err)
	}
	if in.Rcode != dns.RcodeSuccess {
		return false, 0, fmt.Errorf("DS of %s at %s: %s", origin, addr, dns.RcodeToString[in.Rcode])
	}
	for _, rr := range in.Answer {
		ds, ok := rr.(*dns.DS)
		if !ok || !strings.EqualFold(ds.Hdr.Name, origin) {
			continue
		}
		if want := k.DNSKEY.ToDS(ds.DigestType); want != nil && ds.KeyTag == want.KeyTag && ds.Algorithm == want.Algorithm && strings.EqualFold(ds.Digest, want.Digest) {
			return true, time.Duration(ds.Hdr.Ttl) * time.Second, nil
		}
	}
	return false, 0, nil
}
