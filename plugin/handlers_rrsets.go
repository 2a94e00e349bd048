package zoneapi

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetRRset implements api.StrictServerInterface.
func (h *handlers) GetRRset(ctx context.Context, req api.GetRRsetRequestObject) (api.GetRRsetResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	owner, typ, err := rrsetTarget(z.Origin(), req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	set, ok := rrsetOf(z, owner, typ)
	if !ok {
		return nil, fmt.Errorf("%s has no %s RRset: %w", owner, dns.Type(typ), errNotFound)
	}
	return api.GetRRset200JSONResponse{Body: set, Headers: api.GetRRset200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// ReplaceRRset implements api.StrictServerInterface.
func (h *handlers) ReplaceRRset(ctx context.Context, req api.ReplaceRRsetRequestObject) (api.ReplaceRRsetResponseObject, error) {
	origin, owner, typ, err := writableRRset(ctx, req.ZoneName, req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	rrs, err := rrsetValues(origin, owner, typ, req.Body.Ttl, req.Body.Values, "/values")
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "replaceRRset")
	_, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(_ *zone.Zone, tx *zone.Txn) error {
		return tx.ReplaceRRset(owner, typ, rrs)
	})
	if err != nil {
		return nil, err
	}
	audit(w, nz, fmt.Sprintf("%s %s %d values", owner, dns.Type(typ), len(rrs)))
	set, ok := rrsetOf(nz, owner, typ)
	if !ok { // replaced by nothing
		set = api.RRset{Name: relativeName(owner, origin), Type: dns.Type(typ).String(), Values: []string{}}
	}
	return api.ReplaceRRset200JSONResponse{Body: set, Headers: api.ReplaceRRset200ResponseHeaders{ETag: ptr(etag(nz))}}, nil
}

// rrsetValues builds the RRs of an RRset from its values; pointer is where
// the values are in the request body.
func rrsetValues(origin, owner string, typ uint16, ttl *int, values []string, pointer string) ([]dns.RR, error) {
	rrs := make([]dns.RR, 0, len(values))
	for i, v := range values {
		rr, err := newRR(origin, owner, dns.Type(typ).String(), v, ttl)
		if err != nil {
			if fe, ok := err.(*fieldError); ok && fe.field == "value" {
				fe.pointer = fmt.Sprintf("%s/%d", pointer, i)
			}
			return nil, err
		}
		rrs = append(rrs, rr)
	}
	return rrs, nil
}

// DeleteRRset implements api.StrictServerInterface.
func (h *handlers) DeleteRRset(ctx context.Context, req api.DeleteRRsetRequestObject) (api.DeleteRRsetResponseObject, error) {
	origin, owner, typ, err := writableRRset(ctx, req.ZoneName, req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	if typ == dns.TypeSOA {
		return nil, zone.ErrNoSOA
	}
	w := whyOf(ctx, "deleteRRset")
	_, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(_ *zone.Zone, tx *zone.Txn) error {
		if tx.DeleteRRset(owner, typ) == 0 {
			return fmt.Errorf("%s has no %s RRset: %w", owner, dns.Type(typ), errNotFound)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	audit(w, nz, fmt.Sprintf("%s %s", owner, dns.Type(typ)))
	return api.DeleteRRset204Response{}, nil
}

// writableRRset parses the zone, name and type of an RRset path and checks
// that the request's token may change that RRset.
func writableRRset(ctx context.Context, zoneName, name, typ string) (string, string, uint16, error) {
	origin, err := originOf(zoneName)
	if err != nil {
		return "", "", 0, err
	}
	owner, t, err := rrsetTarget(origin, name, typ)
	if err != nil {
		return "", "", 0, err
	}
	if !tokenFrom(ctx).canWrite(origin, owner, t) {
		return "", "", 0, fmt.Errorf("token %s may not change %s %s: %w", tokenFrom(ctx).name, owner, dns.Type(t), errForbidden)
	}
	return origin, owner, t, nil
}
