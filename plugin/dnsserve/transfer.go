package dnsserve

import (
	"strings"

	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

var _ transfer.Transferer = (*Handler)(nil)

// Transfer implements the transfer.Transferer interface: an AXFR of the
// zone's snapshot, or an IXFR of its recent differences (RFC 1995).
func (h *Handler) Transfer(zoneName string, serial uint32) (<-chan []dns.RR, error) {
	origin := strings.ToLower(dns.Fqdn(zoneName))
	z, ok := h.Pipeline.Zone(origin)
	if !ok {
		return nil, transfer.ErrNotAuthoritative
	}
	ch := make(chan []dns.RR, 4)
	soa := z.SOA()
	if serial != 0 && (serial == soa.Serial || pipeline.SerialGreater(serial, soa.Serial)) {
		ch <- []dns.RR{soa} // up to date
		close(ch)
		return ch, nil
	}
	if serial != 0 {
		if diffs, ok := h.IXFR.Since(origin, serial, soa.Serial); ok {
			log.Infof("IXFR of %s from serial %d to %d: %d differences", origin, serial, soa.Serial, len(diffs))
			go func() {
				defer close(ch)
				ch <- []dns.RR{soa}
				for _, d := range diffs {
					ch <- append([]dns.RR{d.From}, d.Del...)
					ch <- append([]dns.RR{d.To}, d.Add...)
				}
				ch <- []dns.RR{soa}
			}()
			return ch, nil
		}
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
