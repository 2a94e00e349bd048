package rest

import (
	"context"
	"fmt"
	"net/http"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetZoneRecords implements api.StrictServerInterface.
func (a *API) GetZoneRecords(ctx context.Context, req api.GetZoneRecordsRequestObject) (api.GetZoneRecordsResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	var typ uint16
	if req.Params.Type != nil {
		t, ok := record.Type(*req.Params.Type)
		if !ok {
			return nil, &problem.Problem{Status: http.StatusBadRequest, Code: "bad-type", Title: "Bad type", Detail: *req.Params.Type + " is not a type a zone holds", Hint: "Use a type mnemonic such as A or TXT."}
		}
		typ = t
	}
	out := []api.DNSRecord{}
	if req.Params.Name != nil {
		owner, err := record.Owner(*req.Params.Name, z.Origin())
		if err != nil {
			return nil, &problem.Problem{Status: http.StatusBadRequest, Code: "bad-name", Title: "Bad name", Detail: err.Error(), Hint: "Use a name relative to the zone or an absolute name in it."}
		}
		if n, ok := z.Node(owner); ok {
			for _, s := range n.Sets {
				if typ == 0 || s.Type == typ {
					out = append(out, toRecords(s.RRs, z.Origin())...)
				}
			}
		}
	} else {
		for _, rr := range z.Records() {
			if typ == 0 || rr.Header().Rrtype == typ {
				out = append(out, toRecord(rr, z.Origin()))
			}
		}
	}
	return api.GetZoneRecords200JSONResponse{Body: out, Headers: api.GetZoneRecords200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// writableRecord parses a record of a request body for zoneName and checks
// that the request's token may write it.
func writableRecord(ctx context.Context, zoneName string, r api.DNSRecordInput) (string, dns.RR, error) {
	origin, err := originOf(zoneName)
	if err != nil {
		return "", nil, err
	}
	rr, err := record.New(origin, r.Name, r.Type, r.Value, r.Ttl)
	if err != nil {
		return "", nil, err
	}
	return origin, rr, auth.From(ctx).MayWriteRR(origin, rr)
}

// UpsertRecord implements api.StrictServerInterface.
func (a *API) UpsertRecord(ctx context.Context, req api.UpsertRecordRequestObject) (api.UpsertRecordResponseObject, error) {
	r := req.Body
	origin, rr, err := writableRecord(ctx, req.ZoneName, api.DNSRecordInput(*r))
	if err != nil {
		return nil, err
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	added := false
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "upsertRecord", "set "+rr.String()), IfSerial: want,
		Edit: func(z *zone.Zone, tx *zone.Txn) error {
			if r.Id != nil {
				return a.replaceByID(ctx, z, tx, *r.Id, rr)
			}
			added = !has(z, rr)
			return tx.Upsert(rr)
		}})
	if err != nil {
		return nil, err
	}
	out := stored(res.New, rr)
	if added {
		return api.UpsertRecord201JSONResponse{Body: out, Headers: api.UpsertRecord201ResponseHeaders{ETag: ptr(etag(res.New)),
			Location: ptr(zonePath(origin) + "/records/" + out.Id)}}, nil
	}
	return api.UpsertRecord200JSONResponse{Body: out, Headers: api.UpsertRecord200ResponseHeaders{ETag: ptr(etag(res.New))}}, nil
}

// replaceByID replaces the record of z with id by rr.
func (a *API) replaceByID(ctx context.Context, z *zone.Zone, tx *zone.Txn, id string, rr dns.RR) error {
	old, ok := a.IDs.Find(z, id)
	if !ok {
		return fmt.Errorf("record %s is not in %s: %w", id, z.Origin(), record.ErrNotFound)
	}
	if err := auth.From(ctx).MayWriteRR(z.Origin(), old); err != nil {
		return err
	}
	if old.Header().Rrtype == dns.TypeSOA {
		return tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{rr})
	}
	tx.Delete(old)
	return tx.Upsert(rr)
}

// stored is rr as it is in z after a write: with its RRset's TTL.
func stored(z *zone.Zone, rr dns.RR) api.DNSRecord {
	if n, ok := z.Node(rr.Header().Name); ok {
		for _, o := range n.Type(rr.Header().Rrtype) {
			if zone.Same(o, rr) {
				return toRecord(o, z.Origin())
			}
		}
	}
	return toRecord(rr, z.Origin())
}

// deleteByID is the body of deleteRecord and deleteRecordById.
func (a *API) deleteByID(ctx context.Context, op, zoneName, id string, ifMatch *string) error {
	origin, err := originOf(zoneName)
	if err != nil {
		return err
	}
	want, err := expected(ifMatch)
	if err != nil {
		return err
	}
	_, err = a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, op, "id "+id), IfSerial: want,
		Edit: func(z *zone.Zone, tx *zone.Txn) error {
			old, ok := a.IDs.Find(z, id)
			if !ok {
				return fmt.Errorf("record %s is not in %s: %w", id, origin, record.ErrNotFound)
			}
			if err := auth.From(ctx).MayWriteRR(origin, old); err != nil {
				return err
			}
			if old.Header().Rrtype == dns.TypeSOA {
				return zone.ErrNoSOA
			}
			tx.Delete(old)
			return nil
		}})
	return err
}

// DeleteRecord implements api.StrictServerInterface.
func (a *API) DeleteRecord(ctx context.Context, req api.DeleteRecordRequestObject) (api.DeleteRecordResponseObject, error) {
	if err := a.deleteByID(ctx, "deleteRecord", req.ZoneName, req.Params.RecordId, req.Params.IfMatch); err != nil {
		return nil, err
	}
	return api.DeleteRecord204Response{}, nil
}

// DeleteRecordById implements api.StrictServerInterface.
func (a *API) DeleteRecordById(ctx context.Context, req api.DeleteRecordByIdRequestObject) (api.DeleteRecordByIdResponseObject, error) {
	if err := a.deleteByID(ctx, "deleteRecordById", req.ZoneName, req.RecordId, req.Params.IfMatch); err != nil {
		return nil, err
	}
	return api.DeleteRecordById204Response{}, nil
}

// GetRecord implements api.StrictServerInterface.
func (a *API) GetRecord(ctx context.Context, req api.GetRecordRequestObject) (api.GetRecordResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	rr, ok := a.IDs.Find(z, req.RecordId)
	if !ok {
		return nil, fmt.Errorf("record %s is not in %s: %w", req.RecordId, z.Origin(), record.ErrNotFound)
	}
	return api.GetRecord200JSONResponse{Body: toRecord(rr, z.Origin()), Headers: api.GetRecord200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// UpdateRecord implements api.StrictServerInterface.
func (a *API) UpdateRecord(ctx context.Context, req api.UpdateRecordRequestObject) (api.UpdateRecordResponseObject, error) {
	origin, rr, err := writableRecord(ctx, req.ZoneName, api.DNSRecordInput(*req.Body))
	if err != nil {
		return nil, err
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "updateRecord", "id "+req.RecordId+" to "+rr.String()), IfSerial: want,
		Edit: func(z *zone.Zone, tx *zone.Txn) error { return a.replaceByID(ctx, z, tx, req.RecordId, rr) }})
	if err != nil {
		return nil, err
	}
	return api.UpdateRecord200JSONResponse{Body: stored(res.New, rr), Headers: api.UpdateRecord200ResponseHeaders{ETag: ptr(etag(res.New))}}, nil
}

// has reports whether z holds rr (its name, type and RDATA; any TTL).
func has(z *zone.Zone, rr dns.RR) bool {
	n, ok := z.Node(rr.Header().Name)
	if !ok {
		return false
	}
	for _, o := range n.Type(rr.Header().Rrtype) {
		if dns.IsDuplicate(o, rr) {
			return true
		}
	}
	return false
}

// zonePath is where the API serves the zone origin.
func zonePath(origin string) string { return Base + "/zones/" + zone.TrimDot(origin) }
