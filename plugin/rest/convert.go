package rest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func ptr[T any](v T) *T { return &v }

// etag is a zone's version as an entity tag: its serial, which every change
// raises.
func etag(z *zone.Zone) string { return strconv.Quote(strconv.FormatUint(uint64(z.Serial()), 10)) }

// expected turns an If-Match header into the serial a change expects: nil
// for none or *. A tag that is not etag's form of a serial ("2024010101",
// no weak tag, no leading zero) matches no version of a zone.
func expected(ifMatch *string) (*uint32, error) {
	if ifMatch == nil || *ifMatch == "*" {
		return nil, nil
	}
	if s, ok := strings.CutPrefix(*ifMatch, `"`); ok {
		if s, ok = strings.CutSuffix(s, `"`); ok {
			if n, err := strconv.ParseUint(s, 10, 32); err == nil && strconv.FormatUint(n, 10) == s {
				serial := uint32(n)
				return &serial, nil
			}
		}
	}
	return nil, fmt.Errorf("If-Match is %s, which is no version of a zone: %w", *ifMatch, pipeline.ErrStale)
}

func errNoZone(origin string) error {
	return fmt.Errorf("%s is not in the store: %w", origin, pipeline.ErrZoneNotFound)
}

// toRecord is rr as the API shows it.
func toRecord(rr dns.RR, origin string) api.DNSRecord {
	s := record.Show(rr, origin)
	return api.DNSRecord{Id: s.ID, Name: s.Name, Type: s.Type, Value: s.Value, Ttl: s.TTL}
}

// toRecords is rrs as the API shows them; never nil.
func toRecords(rrs []dns.RR, origin string) []api.DNSRecord {
	out := make([]api.DNSRecord, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, toRecord(rr, origin))
	}
	return out
}

// apiZone is z as the API shows it, with its records when full is set.
func apiZone(z *zone.Zone, full bool) api.Zone {
	serial := int64(z.Serial())
	count := z.Len()
	format := api.ZoneFormat(z.Source().String())
	out := api.Zone{Name: zone.TrimDot(z.Origin()), Serial: serial, RecordsCount: count, Format: &format}
	if full {
		records := toRecords(z.Records(), z.Origin())
		out.Records = &records
	}
	return out
}

// changeResult is what a change did, as patchZone and revertZone answer.
func changeResult(origin string, res pipeline.Result, applied bool, warnings []string) api.ChangeResult {
	if warnings == nil {
		warnings = []string{}
	}
	return api.ChangeResult{Zone: zone.TrimDot(origin), Applied: applied, Serial: int64(res.New.Serial()),
		Added: toRecords(res.Added, origin), Removed: toRecords(res.Removed, origin), Warnings: warnings}
}
