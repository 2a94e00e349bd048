package zoneapi

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// mayWrite checks the token's scope for a change to the RRset of rr.
func mayWrite(ctx context.Context, origin string, rr dns.RR) error {
	h := rr.Header()
	if !tokenFrom(ctx).canWrite(origin, h.Name, h.Rrtype) {
		return fmt.Errorf("token %s may not change %s %s: %w", tokenFrom(ctx).name, h.Name, dns.Type(h.Rrtype), errForbidden)
	}
	return nil
}

// writableRecord parses a record of a request body for zoneName and checks
// that the request's token may write it.
func writableRecord(ctx context.Context, zoneName string, r api.DNSRecord) (string, dns.RR, error) {
	origin, err := originOf(zoneName)
	if err != nil {
		return "", nil, err
	}
	rr, err := newRR(origin, r.Name, r.Type, r.Value, r.Ttl)
	if err != nil {
		return "", nil, err
	}
	return origin, rr, mayWrite(ctx, origin, rr)
}

// scanRecord returns the RR of z whose id is id, looking at every record.
func scanRecord(z *zone.Zone, id string) (dns.RR, bool) {
	var found dns.RR
	z.Walk(func(n *zone.Node) bool {
		for _, s := range n.Sets {
			for _, rr := range s.RRs {
				if recordID(rr) == id {
					found = rr
					return false
				}
			}
		}
		return true
	})
	return found, found != nil
}

// GetZoneRecords implements api.StrictServerInterface.
func (h *handlers) GetZoneRecords(ctx context.Context, req api.GetZoneRecordsRequestObject) (api.GetZoneRecordsResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	var typ uint16
	if req.Params.Type != nil {
		t, ok := rrType(*req.Params.Type)
		if !ok {
			return nil, &problem{status: 400, code: "bad-type", title: "Bad type", detail: *req.Params.Type + " is not a type a zone holds", hint: "Use a type mnemonic such as A or TXT."}
		}
		typ = t
	}
	out := []api.DNSRecord{}
	add := func(n *zone.Node) {
		for _, s := range n.Sets {
			if typ == 0 || s.Type == typ {
				for _, rr := range s.RRs {
					out = append(out, toRecord(rr, z.Origin()))
				}
			}
		}
	}
	if req.Params.Name != nil {
		owner, err := ownerName(*req.Params.Name, z.Origin())
		if err != nil {
			return nil, &problem{status: 400, code: "bad-name", title: "Bad name", detail: err.Error(), hint: "Use a name relative to the zone or an absolute name in it."}
		}
		if n, ok := z.Node(owner); ok {
			add(n)
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

// UpsertRecord implements api.StrictServerInterface.
func (h *handlers) UpsertRecord(ctx context.Context, req api.UpsertRecordRequestObject) (api.UpsertRecordResponseObject, error) {
	r := req.Body
	origin, rr, err := writableRecord(ctx, req.ZoneName, *r)
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "upsertRecord")
	_, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(z *zone.Zone, tx *zone.Txn) error {
		if r.Id != nil {
			return h.st.replaceByID(ctx, z, tx, *r.Id, rr)
		}
		return upsert(tx, rr)
	})
	if err != nil {
		return nil, err
	}
	audit(w, nz, "set "+rr.String())
	return api.UpsertRecord200JSONResponse{Body: stored(nz, rr), Headers: api.UpsertRecord200ResponseHeaders{ETag: ptr(etag(nz))}}, nil
}

// upsert adds rr, or sets its RRset's TTL when rr is already there: the
// RRset keeps one TTL (RFC 2181 §5.2), and the last write gives it.
func upsert(tx *zone.Txn, rr dns.RR) error {
	h := rr.Header()
	set := tx.RRset(h.Name, h.Rrtype)
	if len(set) == 0 {
		return tx.Add(rr)
	}
	rrs := make([]dns.RR, 0, len(set)+1)
	present := false
	for _, o := range set {
		c := dns.Copy(o)
		c.Header().Ttl = h.Ttl
		rrs = append(rrs, c)
		present = present || zone.Same(o, rr)
	}
	if !present {
		rrs = append(rrs, rr)
	}
	return tx.ReplaceRRset(h.Name, h.Rrtype, rrs)
}

// replaceByID replaces the record with id by rr.
func (st *state) replaceByID(ctx context.Context, z *zone.Zone, tx *zone.Txn, id string, rr dns.RR) error {
	old, ok := st.findRecord(z, id)
	if !ok {
		return fmt.Errorf("record %s is not in %s: %w", id, z.Origin(), errNotFound)
	}
	if err := mayWrite(ctx, z.Origin(), old); err != nil {
		return err
	}
	if old.Header().Rrtype == dns.TypeSOA {
		return tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{rr})
	}
	tx.Delete(old)
	return upsert(tx, rr)
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
func (h *handlers) deleteByID(ctx context.Context, op, zoneName, id string, ifMatch *string) error {
	origin, err := originOf(zoneName)
	if err != nil {
		return err
	}
	w := whyOf(ctx, op)
	_, nz, err := h.st.change(w, origin, ifMatch, false, func(z *zone.Zone, tx *zone.Txn) error {
		old, ok := h.st.findRecord(z, id)
		if !ok {
			return fmt.Errorf("record %s is not in %s: %w", id, origin, errNotFound)
		}
		if err := mayWrite(ctx, origin, old); err != nil {
			return err
		}
		if old.Header().Rrtype == dns.TypeSOA {
			return zone.ErrNoSOA
		}
		tx.Delete(old)
		return nil
	})
	if err != nil {
		return err
	}
	audit(w, nz, "id "+id)
	return nil
}

// DeleteRecord implements api.StrictServerInterface.
func (h *handlers) DeleteRecord(ctx context.Context, req api.DeleteRecordRequestObject) (api.DeleteRecordResponseObject, error) {
	if err := h.deleteByID(ctx, "deleteRecord", req.ZoneName, req.Params.RecordId, req.Params.IfMatch); err != nil {
		return nil, err
	}
	return api.DeleteRecord204Response{}, nil
}

// DeleteRecordById implements api.StrictServerInterface.
func (h *handlers) DeleteRecordById(ctx context.Context, req api.DeleteRecordByIdRequestObject) (api.DeleteRecordByIdResponseObject, error) {
	if err := h.deleteByID(ctx, "deleteRecordById", req.ZoneName, req.RecordId, req.Params.IfMatch); err != nil {
		return nil, err
	}
	return api.DeleteRecordById204Response{}, nil
}

// GetRecord implements api.StrictServerInterface.
func (h *handlers) GetRecord(ctx context.Context, req api.GetRecordRequestObject) (api.GetRecordResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	rr, ok := h.st.findRecord(z, req.RecordId)
	if !ok {
		return nil, fmt.Errorf("record %s is not in %s: %w", req.RecordId, z.Origin(), errNotFound)
	}
	return api.GetRecord200JSONResponse{Body: toRecord(rr, z.Origin()), Headers: api.GetRecord200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// UpdateRecord implements api.StrictServerInterface.
func (h *handlers) UpdateRecord(ctx context.Context, req api.UpdateRecordRequestObject) (api.UpdateRecordResponseObject, error) {
	r := req.Body
	origin, rr, err := writableRecord(ctx, req.ZoneName, *r)
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "updateRecord")
	_, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(z *zone.Zone, tx *zone.Txn) error {
		return h.st.replaceByID(ctx, z, tx, req.RecordId, rr)
	})
	if err != nil {
		return nil, err
	}
	audit(w, nz, "id "+req.RecordId+" to "+rr.String())
	return api.UpdateRecord200JSONResponse{Body: stored(nz, rr), Headers: api.UpdateRecord200ResponseHeaders{ETag: ptr(etag(nz))}}, nil
}

// rrsetOf is the RRset of type typ at owner in z, as the API shows it.
func rrsetOf(z *zone.Zone, owner string, typ uint16) (api.RRset, bool) {
	n, ok := z.Node(owner)
	if !ok || len(n.Type(typ)) == 0 {
		return api.RRset{}, false
	}
	rrs := n.Type(typ)
	records := toRecords(rrs, z.Origin())
	out := api.RRset{Name: records[0].Name, Type: records[0].Type, Ttl: *records[0].Ttl, Values: make([]string, len(records)), Records: &records}
	for i, r := range records {
		out.Values[i] = r.Value
	}
	return out, true
}

// rrsetTarget parses the name and type of an RRset path.
func rrsetTarget(origin, name, typ string) (string, uint16, error) {
	owner, err := ownerName(name, origin)
	if err != nil {
		return "", 0, &fieldError{field: "name", err: err}
	}
	t, ok := rrType(typ)
	if !ok {
		return "", 0, &fieldError{field: "type", err: fmt.Errorf("%q is not a type that a zone can hold", typ)}
	}
	return owner, t, nil
}
