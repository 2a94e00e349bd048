// Package dnsserve answers DNS for the zones of one store, from the
// published snapshot: queries (lookups are the zone package's), AXFR and
// IXFR through CoreDNS's transfer plugin, and RFC 2136 updates, which it
// turns into changes of the pipeline. It takes no lock on the query path
// and never changes a zone but through the pipeline.
package dnsserve

import (
	"context"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/ixfr"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin(name)

const name = "zoneapi"

// Handler is the DNS side of one plugin instance: its Corefile block's
// fallthrough and update keys, over the store's pipeline and IXFR log.
type Handler struct {
	Next     plugin.Handler
	Fall     fall.F
	Pipeline *pipeline.Pipeline
	IXFR     *ixfr.Log
	// UpdateKeys are the TSIG keys that may send UPDATEs, by lower-case
	// FQDN, and what each may change.
	UpdateKeys map[string]*auth.Token
}

// ServeDNS implements the plugin.Handler interface. It answers every query
// for a name in one of the store's zones and writes the reply itself;
// other names go to the next plugin under fallthrough, or get REFUSED.
func (h *Handler) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if r.Opcode == dns.OpcodeUpdate {
		return h.serveUpdate(ctx, w, r)
	}
	if r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 {
		return plugin.NextOrFailure(name, h.Next, ctx, w, r)
	}
	q := r.Question[0]
	set := h.Pipeline.Zones()
	var kbuf [256]byte
	qk, err := zone.AppendKey(kbuf[:0], q.Name)
	if err != nil {
		return dns.RcodeFormatError, nil
	}
	z, ok := set.Match(qk)
	if !ok {
		if h.Fall.Through(q.Name) {
			return plugin.NextOrFailure(name, h.Next, ctx, w, r)
		}
		return dns.RcodeRefused, nil
	}
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		// Transfers are the transfer plugin's; reaching here means it is not
		// configured for this zone.
		return dns.RcodeRefused, nil
	case dns.TypeDS:
		// The DS of a zone we also hold the parent of is the parent's data (RFC 4035 §3.1.4.1).
		if len(qk) == len(z.Key()) {
			if p, ok := set.Parent(z); ok {
				z = p
			}
		}
	}

	opt := r.IsEdns0()
	direct := direct(w, r, opt)
	do := opt != nil && opt.Do()
	a := z.LookupWire(q.Name, qk, q.Qtype, do, direct)
	if direct {
		if wire, n := a.Wire(); wire != nil {
			if writeWire(w, r, q, opt, dns.RcodeSuccess, n, 0, wire) {
				return dns.RcodeSuccess, nil
			}
			a = z.LookupWire(q.Name, qk, q.Qtype, do, false) // too large: truncated below
		} else if writeNegative(w, r, q, opt, z, &a) {
			return dns.RcodeSuccess, nil
		}
	}
	var m *dns.Msg
	if room := a.Room(); room != nil {
		m = setReply(&room.Msg, &room.Question, r, q)
	} else {
		p := new(reply)
		m = setReply(&p.m, &p.q, r, q)
	}
	m.Authoritative = a.Authoritative()
	m.Rcode = a.Rcode()
	m.Answer, m.Ns, m.Extra = a.Answer, a.Ns, a.Extra
	fit(m, opt, w, a.Result == zone.Delegation)
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

// reply is a reply message with its question, one allocation; an answer
// that made a zone.Room has them there.
type reply struct {
	m dns.Msg
	q [1]dns.Question
}

// setReply makes m, with its question in qs, the reply to the query r,
// whose question is q, as dns.Msg.SetReply does, and returns it.
func setReply(m *dns.Msg, qs *[1]dns.Question, r *dns.Msg, q dns.Question) *dns.Msg {
	m.Id = r.Id
	m.Response = true
	m.Opcode = r.Opcode
	m.RecursionDesired = r.RecursionDesired
	m.CheckingDisabled = r.CheckingDisabled
	qs[0] = q
	m.Question = qs[:]
	return m
}
