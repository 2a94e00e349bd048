// Package zoneapi is a CoreDNS plugin that serves authoritative zones from
// memory and keeps them in a zone store of RFC 1035 files.
package zoneapi

import (
	"context"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Zoneapi is the plugin: a handler over the shared state of one zone store.
type Zoneapi struct {
	Next  plugin.Handler
	Fall  fall.F
	state *state
}

var _ plugin.Handler = (*Zoneapi)(nil)

// Name implements the plugin.Handler interface.
func (za *Zoneapi) Name() string { return pluginName }

// ServeDNS implements the plugin.Handler interface. It answers every query
// for a name in one of the store's zones and writes the reply itself; other
// names go to the next plugin under fallthrough, or get REFUSED.
func (za *Zoneapi) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	if r.Opcode == dns.OpcodeUpdate {
		return za.serveUpdate(ctx, w, r)
	}
	if r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 {
		return plugin.NextOrFailure(za.Name(), za.Next, ctx, w, r)
	}
	q := r.Question[0]
	set := za.state.zones.Load()
	var kbuf [256]byte
	qk, err := zone.AppendKey(kbuf[:0], q.Name)
	if err != nil {
		return dns.RcodeFormatError, nil
	}
	var z *zone.Zone
	ok := false
	if set != nil {
		z, ok = set.Match(qk)
	}
	if !ok {
		if za.Fall.Through(q.Name) {
			return plugin.NextOrFailure(za.Name(), za.Next, ctx, w, r)
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

	a := z.Lookup(q.Name, qk, q.Qtype)
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = a.Authoritative()
	m.Rcode = a.Rcode()
	m.Answer, m.Ns, m.Extra = a.Answer, a.Ns, a.Extra
	fit(m, r, w, a.Result == zone.Delegation)
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}
