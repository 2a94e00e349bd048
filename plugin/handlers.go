package zoneapi

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// handlers implements the API generated from openapi.yaml. Handlers are
// thin: they check the token's scope, turn API objects into RRs, and call
// the state's write path; errors become problems in problem.go.
type handlers struct{ st *state }

var _ api.StrictServerInterface = (*handlers)(nil)

// originOf turns a zoneName parameter into a lower-case FQDN, refusing what
// cannot be a zone in the store.
func originOf(name string) (string, error) {
	origin := strings.ToLower(dns.Fqdn(name))
	if _, err := store.FileName(origin); err != nil {
		return "", err
	}
	return origin, nil
}

// readable returns the zone for a read by the request's token.
func (h *handlers) readable(ctx context.Context, name string) (*zone.Zone, error) {
	origin, err := originOf(name)
	if err != nil {
		return nil, err
	}
	if !tokenFrom(ctx).canRead(origin) {
		return nil, fmt.Errorf("token %s may not read %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	z, ok := h.st.zones.Load().Get(origin)
	if !ok {
		return nil, fmt.Errorf("%s is not in the store: %w", origin, ErrZoneNotFound)
	}
	return z, nil
}

// apiZone is z as the API shows it, with its records when full is set.
func apiZone(z *zone.Zone, full bool) api.Zone {
	serial := int64(z.Serial())
	count := z.Len()
	out := api.Zone{Name: strings.TrimSuffix(z.Origin(), "."), Serial: &serial, RecordsCount: &count}
	if full {
		records := toRecords(z.Records(), z.Origin())
		out.Records = &records
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// ListZones implements api.StrictServerInterface.
func (h *handlers) ListZones(ctx context.Context, _ api.ListZonesRequestObject) (api.ListZonesResponseObject, error) {
	tok := tokenFrom(ctx)
	out := api.ListZones200JSONResponse{}
	for _, z := range h.st.zones.Load().Zones() {
		if tok.canRead(z.Origin()) {
			out = append(out, apiZone(z, false))
		}
	}
	return out, nil
}

// GetZone implements api.StrictServerInterface.
func (h *handlers) GetZone(ctx context.Context, req api.GetZoneRequestObject) (api.GetZoneResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	return api.GetZone200JSONResponse{Body: apiZone(z, true), Headers: api.GetZone200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// CreateZone implements api.StrictServerInterface.
func (h *handlers) CreateZone(ctx context.Context, req api.CreateZoneRequestObject) (api.CreateZoneResponseObject, error) {
	origin, err := originOf(req.Body.Name)
	if err != nil {
		return nil, &fieldError{field: "name", err: err}
	}
	if !tokenFrom(ctx).canWriteZone(origin) {
		return nil, fmt.Errorf("token %s may not create %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	z, err := buildZone(origin, req.Body.Records)
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "createZone")
	if err := h.st.create(w, z); err != nil {
		return nil, err
	}
	audit(w, z, fmt.Sprintf("%d records", z.Len()))
	return api.CreateZone201JSONResponse{Body: apiZone(z, true), Headers: api.CreateZone201ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// buildZone makes a new zone of the records given, with a default SOA (and
// NS) when they have none.
func buildZone(origin string, records *[]api.DNSRecord) (*zone.Zone, error) {
	tx, err := zone.New(origin)
	if err != nil {
		return nil, err
	}
	hasSOA, hasNS := false, false
	var rrs []dns.RR
	if records != nil {
		for i, r := range *records {
			rr, err := newRR(origin, r.Name, r.Type, r.Value, r.Ttl)
			if err != nil {
				return nil, &indexedError{prefix: fmt.Sprintf("/records/%d", i), err: err}
			}
			hasSOA = hasSOA || rr.Header().Rrtype == dns.TypeSOA
			hasNS = hasNS || (rr.Header().Rrtype == dns.TypeNS && strings.EqualFold(rr.Header().Name, origin))
			rrs = append(rrs, rr)
		}
	}
	if !hasSOA {
		soa, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s %d 7200 3600 1209600 300", origin, origin, origin, nextSerial(0, timeNow())))
		rrs = append([]dns.RR{soa}, rrs...)
		if !hasNS {
			ns, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN NS ns1.%s", origin, origin))
			rrs = append(rrs, ns)
		}
	}
	for i, rr := range rrs {
		if err := tx.Add(rr); err != nil {
			if records != nil && hasSOA {
				return nil, &indexedError{prefix: fmt.Sprintf("/records/%d", i), err: err}
			}
			return nil, err
		}
	}
	return tx.Commit()
}

// DeleteZone implements api.StrictServerInterface.
func (h *handlers) DeleteZone(ctx context.Context, req api.DeleteZoneRequestObject) (api.DeleteZoneResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	if !tokenFrom(ctx).canWriteZone(z.Origin()) {
		return nil, fmt.Errorf("token %s may not delete %s: %w", tokenFrom(ctx).name, z.Origin(), errForbidden)
	}
	if m := req.Params.IfMatch; m != nil && *m != "*" && *m != etag(z) {
		return nil, fmt.Errorf("If-Match is %s but the zone is at %s: %w", *m, etag(z), errPrecondition)
	}
	w := whyOf(ctx, "deleteZone")
	if err := h.st.remove(w, z.Origin()); err != nil {
		return nil, err
	}
	audit(w, z, "")
	return api.DeleteZone204Response{}, nil
}

// ExportZone implements api.StrictServerInterface.
func (h *handlers) ExportZone(ctx context.Context, req api.ExportZoneRequestObject) (api.ExportZoneResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := store.Format(&b, z); err != nil {
		return nil, err
	}
	return api.ExportZone200TextdnsResponse{Body: &b, ContentLength: int64(b.Len()), Headers: api.ExportZone200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// GetHealth implements api.StrictServerInterface.
func (h *handlers) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.Ok, Zones: h.st.zones.Load().Len()}, nil
}

// GetOpenAPI implements api.StrictServerInterface.
func (h *handlers) GetOpenAPI(context.Context, api.GetOpenAPIRequestObject) (api.GetOpenAPIResponseObject, error) {
	return api.GetOpenAPI200ApplicationyamlResponse{Body: bytes.NewReader(spec.OpenAPI), ContentLength: int64(len(spec.OpenAPI))}, nil
}

// indexedError places an error at a JSON pointer prefix (/records/3).
type indexedError struct {
	prefix string
	err    error
}

func (e *indexedError) Error() string { return e.prefix + ": " + e.err.Error() }
func (e *indexedError) Unwrap() error { return e.err }

// changeError places an error at one change of a PATCH.
type changeError struct {
	index int
	err   error
}

func (e *changeError) Error() string { return fmt.Sprintf("change %d: %v", e.index, e.err) }
func (e *changeError) Unwrap() error { return e.err }

// audit writes the one log line of a change.
func audit(w why, z *zone.Zone, what string) {
	if w.reason != "" {
		what += fmt.Sprintf(" reason=%q", w.reason)
	}
	log.Infof("audit token=%s op=%s zone=%s serial=%d %s", w.token, w.op, z.Origin(), z.Serial(), what)
}
