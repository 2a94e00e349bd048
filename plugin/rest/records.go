package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetZoneRecords implements api.StrictServerInterface. A page is made of
// the records it shows only, so that paging through a large zone costs a
// walk of it for each page, not a conversion of every record.
func (a *API) GetZoneRecords(ctx context.Context, req api.GetZoneRecordsRequestObject) (api.GetZoneRecordsResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	p := req.Params
	var typ uint16
	if p.Type != nil {
		t, ok := record.Type(*p.Type)
		if !ok {
			return nil, &problem.Problem{Status: http.StatusBadRequest, Code: "bad-type", Title: "Bad type", Detail: *p.Type + " is not a type a zone holds", Hint: "Use a type mnemonic such as A or TXT."}
		}
		typ = t
	}
	offset, err := parseRecordCursor(p.Cursor, z.Serial())
	if err != nil {
		return nil, err
	}
	limit := -1
	if p.Limit != nil {
		limit = *p.Limit
	}
	out := []api.DNSRecord{}
	seen, more := 0, false
	// take adds rr to the page if it is one of the page's; false once the
	// page is full and one more record is known to follow.
	take := func(rr dns.RR) bool {
		if typ != 0 && rr.Header().Rrtype != typ {
			return true
		}
		var shown *api.DNSRecord
		if p.Search != nil {
			r := toRecord(rr, z.Origin())
			if !contains(r.Name, *p.Search) && !contains(r.Value, *p.Search) {
				return true
			}
			shown = &r
		}
		if seen++; seen <= offset {
			return true
		}
		if limit >= 0 && len(out) == limit {
			more = true
			return false
		}
		if shown == nil {
			r := toRecord(rr, z.Origin())
			shown = &r
		}
		out = append(out, *shown)
		return true
	}
	if p.Name != nil {
		owner, err := record.Owner(*p.Name, z.Origin())
		if err != nil {
			return nil, &problem.Problem{Status: http.StatusBadRequest, Code: "bad-name", Title: "Bad name", Detail: err.Error(), Hint: "Use a name relative to the zone or an absolute name in it."}
		}
		if n, ok := z.Node(owner); ok && (n != z.Apex() || take(z.SOA())) {
			eachRR(z, n, take)
		}
	} else if take(z.SOA()) {
		z.Walk(func(n *zone.Node) bool { return eachRR(z, n, take) })
	}
	headers := api.GetZoneRecords200ResponseHeaders{ETag: ptr(etag(z))}
	if more {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		for k, v := range map[string]*string{"name": p.Name, "type": p.Type, "search": p.Search} {
			if v != nil {
				q.Set(k, *v)
			}
		}
		headers.Link = nextLink(zonePath(z.Origin())+"/records", q, recordCursor{z.Serial(), offset + limit}.String())
	}
	return api.GetZoneRecords200JSONResponse{Body: out, Headers: headers}, nil
}

// eachRR calls fn for each RR of n in order (the apex's SOA aside, which
// comes first in a zone's list), until fn returns false.
func eachRR(z *zone.Zone, n *zone.Node, fn func(dns.RR) bool) bool {
	for _, s := range n.Sets {
		if s.Type == dns.TypeSOA && n == z.Apex() {
			continue
		}
		for _, rr := range s.RRs {
			if !fn(rr) {
				return false
			}
		}
	}
	return true
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
