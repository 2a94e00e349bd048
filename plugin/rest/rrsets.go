package rest

import (
	"context"
	"errors"
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetRRset implements api.StrictServerInterface.
func (a *API) GetRRset(ctx context.Context, req api.GetRRsetRequestObject) (api.GetRRsetResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	owner, typ, err := rrsetTarget(z.Origin(), req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	set, ok := rrsetOf(z, owner, typ)
	if !ok {
		return nil, fmt.Errorf("%s has no %s RRset: %w", owner, dns.Type(typ), record.ErrNotFound)
	}
	return api.GetRRset200JSONResponse{Body: set, Headers: api.GetRRset200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// ReplaceRRset implements api.StrictServerInterface.
func (a *API) ReplaceRRset(ctx context.Context, req api.ReplaceRRsetRequestObject) (api.ReplaceRRsetResponseObject, error) {
	origin, owner, typ, err := writableRRset(ctx, req.ZoneName, req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	rrs, err := rrsetValues(origin, owner, typ, req.Body.Ttl, req.Body.Values, "/values")
	if err != nil {
		return nil, err
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "replaceRRset", fmt.Sprintf("%s %s %d values", owner, dns.Type(typ), len(rrs))), IfSerial: want,
		Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.ReplaceRRset(owner, typ, rrs) }})
	if err != nil {
		return nil, err
	}
	set, ok := rrsetOf(res.New, owner, typ)
	if !ok { // replaced by nothing
		set = api.RRset{Name: record.Relative(owner, origin), Type: dns.Type(typ).String(), Values: []string{}}
	}
	return api.ReplaceRRset200JSONResponse{Body: set, Headers: api.ReplaceRRset200ResponseHeaders{ETag: ptr(etag(res.New))}}, nil
}

// DeleteRRset implements api.StrictServerInterface.
func (a *API) DeleteRRset(ctx context.Context, req api.DeleteRRsetRequestObject) (api.DeleteRRsetResponseObject, error) {
	origin, owner, typ, err := writableRRset(ctx, req.ZoneName, req.Name, req.Type)
	if err != nil {
		return nil, err
	}
	if typ == dns.TypeSOA {
		return nil, zone.ErrNoSOA
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	_, err = a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "deleteRRset", fmt.Sprintf("%s %s", owner, dns.Type(typ))), IfSerial: want,
		Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			if tx.DeleteRRset(owner, typ) == 0 {
				return fmt.Errorf("%s has no %s RRset: %w", owner, dns.Type(typ), record.ErrNotFound)
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return api.DeleteRRset204Response{}, nil
}

// rrsetOf is the RRset of type typ at owner in z, as the API shows it.
func rrsetOf(z *zone.Zone, owner string, typ uint16) (api.RRset, bool) {
	n, ok := z.Node(owner)
	if !ok || len(n.Type(typ)) == 0 {
		return api.RRset{}, false
	}
	records := toRecords(n.Type(typ), z.Origin())
	out := api.RRset{Name: records[0].Name, Type: records[0].Type, Ttl: records[0].Ttl, Values: make([]string, len(records)), Records: &records}
	for i, r := range records {
		out.Values[i] = r.Value
	}
	return out, true
}

// rrsetTarget parses the name and type of an RRset path.
func rrsetTarget(origin, name, typ string) (string, uint16, error) {
	owner, err := record.Owner(name, origin)
	if err != nil {
		return "", 0, &record.FieldError{Field: "name", Err: err}
	}
	t, ok := record.Type(typ)
	if !ok {
		return "", 0, &record.FieldError{Field: "type", Err: fmt.Errorf("%q is not a type that a zone can hold", typ)}
	}
	return owner, t, nil
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
	return origin, owner, t, auth.From(ctx).MayWrite(origin, owner, t)
}

// rrsetValues builds the RRs of an RRset from its values; pointer is where
// the values are in the request body.
func rrsetValues(origin, owner string, typ uint16, ttl *int, values []string, pointer string) ([]dns.RR, error) {
	rrs := make([]dns.RR, 0, len(values))
	for i, v := range values {
		rr, err := record.New(origin, owner, dns.Type(typ).String(), v, ttl)
		if err != nil {
			var fe *record.FieldError
			if errors.As(err, &fe) && fe.Field == "value" {
				fe.Pointer = fmt.Sprintf("%s/%d", pointer, i)
			}
			return nil, err
		}
		rrs = append(rrs, rr)
	}
	return rrs, nil
}
