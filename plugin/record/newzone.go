package record

import (
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// NewZone makes a new zone of origin of rrs, in the file format src, with
// the default SOA (and NS) of DefaultApex when rrs have none. When an RR
// is refused, the index returned is its index in rrs (-1: not one of them).
func NewZone(origin string, rrs []dns.RR, src zone.Source) (*zone.Zone, int, error) {
	tx, err := zone.New(origin)
	if err != nil {
		return nil, -1, err
	}
	tx.SetSource(src)
	hasSOA, hasNS := false, false
	for _, rr := range rrs {
		hasSOA = hasSOA || rr.Header().Rrtype == dns.TypeSOA
		hasNS = hasNS || (rr.Header().Rrtype == dns.TypeNS && strings.EqualFold(rr.Header().Name, origin))
	}
	for i, rr := range rrs {
		if err := tx.Add(rr); err != nil {
			return nil, i, err
		}
	}
	if !hasSOA {
		soa, ns := DefaultApex(origin, pipeline.NextSerial(0, pipeline.Now()))
		if err := tx.Add(soa); err != nil {
			return nil, -1, err
		}
		if !hasNS {
			if err := tx.Add(ns); err != nil {
				return nil, -1, err
			}
		}
	}
	z, err := tx.Commit()
	return z, -1, err
}
