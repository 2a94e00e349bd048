package dnsserve

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/coredns/coredns/plugin/tsig"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// rcodeError ends an UPDATE with an rcode (RFC 2136 §3).
type rcodeError int

func (e rcodeError) Error() string { return dns.RcodeToString[int(e)] }

// errNothingToDo: no update of the message changes the zone.
var errNothingToDo = errors.New("no update changes the zone")

// rcodeOf is the rcode of an update that failed: the one its checks
// decided, SERVFAIL when the store could not be written (or a bug), and
// REFUSED for a change the zone's rules refuse. It is the one place that
// maps errors to rcodes.
func rcodeOf(err error) int {
	var rc rcodeError
	switch {
	case err == nil, errors.Is(err, errNothingToDo):
		return dns.RcodeSuccess
	case errors.As(err, &rc):
		return int(rc)
	case errors.Is(err, pipeline.ErrPersist), errors.Is(err, pipeline.ErrInternal), errors.Is(err, pipeline.ErrClosed):
		return dns.RcodeServerFailure
	}
	return dns.RcodeRefused
}

// serveUpdate answers an RFC 2136 UPDATE for a zone of the store. The tsig
// plugin has checked the signature; the key's scope (update in the
// Corefile) decides what it may change. Every update is one change of the
// pipeline, like an API write: validation, one serial bump, the journal,
// NOTIFY, an audit line, a commit.
func (h *Handler) serveUpdate(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
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
	if _, ok := h.Pipeline.Zone(origin); !ok {
		return reply(dns.RcodeNotAuth)
	}
	keyName, signed := tsig.ValidatedKeyName(ctx)
	key := h.updateKey(keyName)
	if !signed || key == nil || !key.ZoneAllowed(origin) {
		return reply(dns.RcodeRefused)
	}
	if err := prescan(origin, r.Ns, key); err != nil {
		return reply(rcodeOf(err))
	}
	_, err := h.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: pipeline.Meta{Op: "update", Actor: keyName, Detail: fmt.Sprintf("%d updates", len(r.Ns))},
		Edit: func(z *zone.Zone, tx *zone.Txn) error { return applyUpdate(z, tx, origin, r) }})
	if rc := rcodeOf(err); rc != dns.RcodeSuccess {
		var re rcodeError
		if !errors.As(err, &re) {
			log.Warningf("update of %s by key %s refused: %v", origin, keyName, err)
		}
		return reply(rc)
	}
	return reply(dns.RcodeSuccess)
}

// updateKey returns the scope of the TSIG key name for UPDATE, or nil.
func (h *Handler) updateKey(name string) *auth.Token {
	if name == "" {
		return nil
	}
	return h.UpdateKeys[strings.ToLower(dns.Fqdn(name))]
}

// applyUpdate checks r's prerequisites against z and applies its updates
// to tx, which prescan has checked (§3.2, §3.4.2); errNothingToDo when
// none changes the zone.
func applyUpdate(z *zone.Zone, tx *zone.Txn, origin string, r *dns.Msg) error {
	if err := checkPrerequisites(z, origin, r.Answer); err != nil {
		return err
	}
	applied := false
	for _, rr := range r.Ns {
		applied = update(tx, origin, rr) || applied
	}
	if !applied {
		return errNothingToDo
	}
	return nil
}

// prescan checks the update section before anything is applied (§3.4.1):
// names in the zone, classes and types as the four forms allow, and the
// key's scope.
func prescan(origin string, updates []dns.RR, key *auth.Token) error {
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
			if len(key.Types) > 0 || !key.CanWrite(origin, h.Name, dns.TypeA) {
				return rcodeError(dns.RcodeRefused)
			}
			continue
		}
		if !key.CanWrite(origin, h.Name, typ) {
			return rcodeError(dns.RcodeRefused)
		}
	}
	return nil
}
