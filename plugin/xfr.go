package zoneapi

import (
	"strings"

	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var _ transfer.Transferer = (*Zoneapi)(nil)

// ixfrHistory bounds the differences kept per zone for IXFR: the last
// ixfrDiffs changes, as long as they hold at most ixfrRRs records. An older
// serial gets an AXFR (RFC 1995 §4).
const (
	ixfrDiffs = 1000
	ixfrRRs   = 100000
)

// diff is one change of a zone, as IXFR sends it.
type diff struct {
	from, to *dns.SOA
	del, add []dns.RR // without the SOA
}

func (d diff) size() int { return len(d.del) + len(d.add) + 2 }

// remember records the change from z to nz for IXFR. st.mu is held.
func (st *state) remember(z, nz *zone.Zone, del, add []dns.RR) {
	d := diff{from: z.SOA(), to: nz.SOA()}
	for _, rr := range del {
		if rr.Header().Rrtype != dns.TypeSOA {
			d.del = append(d.del, rr)
		}
	}
	for _, rr := range add {
		if rr.Header().Rrtype != dns.TypeSOA {
			d.add = append(d.add, rr)
		}
	}
	st.histMu.Lock()
	defer st.histMu.Unlock()
	h := st.history[nz.Origin()]
	if h == nil {
		h = &changeLog{}
		st.history[nz.Origin()] = h
	}
	h.diffs = append(h.diffs, d)
	h.rrs += d.size()
	for len(h.diffs) > ixfrDiffs || (h.rrs > ixfrRRs && len(h.diffs) > 1) {
		h.rrs -= h.diffs[0].size()
		h.diffs = h.diffs[1:]
	}
}

// changeLog is a zone's IXFR history: its last changes, oldest first, and
// the number of records they hold.
type changeLog struct {
	diffs []diff
	rrs   int
}

// list returns the changes; a zone without a history (nil) has none.
func (l *changeLog) list() []diff {
	if l == nil {
		return nil
	}
	return l.diffs
}

// forget drops the IXFR history of a zone whose contents were replaced
// wholesale (a reload, an import): a secondary then gets an AXFR.
func (st *state) forget(origin string) {
	st.histMu.Lock()
	delete(st.history, origin)
	st.histMu.Unlock()
}

// since returns the differences that lead from serial to the zone's
// current serial, or false when the history does not reach back to it.
func (st *state) since(origin string, serial, current uint32) ([]diff, bool) {
	st.histMu.Lock()
	defer st.histMu.Unlock()
	h := st.history[origin].list()
	for i, d := range h {
		if d.from.Serial == serial {
			out := append([]diff(nil), h[i:]...)
			return out, out[len(out)-1].to.Serial == current
		}
	}
	return nil, false
}

// Transfer implements the transfer.Transferer interface: an AXFR of the
// zone's snapshot, or an IXFR of its recent differences (RFC 1995).
func (za *Zoneapi) Transfer(name string, serial uint32) (<-chan []dns.RR, error) {
	origin := strings.ToLower(dns.Fqdn(name))
	set := za.state.zones.Load()
	if set == nil {
		return nil, transfer.ErrNotAuthoritative
	}
	z, ok := set.Get(origin)
	if !ok {
		return nil, transfer.ErrNotAuthoritative
	}
	ch := make(chan []dns.RR, 4)
	soa := z.SOA()
	if serial != 0 && (serial == soa.Serial || serialGreater(serial, soa.Serial)) {
		ch <- []dns.RR{soa} // up to date
		close(ch)
		return ch, nil
	}
	if serial != 0 {
		if diffs, ok := za.state.since(origin, serial, soa.Serial); ok {
			log.Infof("IXFR of %s from serial %d to %d: %d differences", origin, serial, soa.Serial, len(diffs))
			go func() {
				defer close(ch)
				ch <- []dns.RR{soa}
				for _, d := range diffs {
					ch <- append([]dns.RR{d.from}, d.del...)
					ch <- append([]dns.RR{d.to}, d.add...)
				}
				ch <- []dns.RR{soa}
			}()
			return ch, nil
		}
	}
	if serial != 0 {
		log.Infof("IXFR of %s from serial %d: not in the history, sending the whole zone (serial %d)", origin, serial, soa.Serial)
	} else {
		log.Infof("AXFR of %s, serial %d", origin, soa.Serial)
	}
	go func() {
		defer close(ch)
		ch <- []dns.RR{soa}
		batch := make([]dns.RR, 0, 256)
		for _, rr := range z.Records()[1:] {
			batch = append(batch, rr)
			if len(batch) == cap(batch) {
				ch <- batch
				batch = make([]dns.RR, 0, 256)
			}
		}
		if len(batch) > 0 {
			ch <- batch
		}
		ch <- []dns.RR{soa}
	}()
	return ch, nil
}
