package rest

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// PatchZone implements api.StrictServerInterface: every change or none, one
// serial bump, or with dry_run the diff without applying it.
func (a *API) PatchZone(ctx context.Context, req api.PatchZoneRequestObject) (api.PatchZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	changes := req.Body.Changes
	if max := a.settings.Load().MaxChanges; max > 0 && len(changes) > max {
		return nil, fmt.Errorf("%d changes, the limit is %d: %w", len(changes), max, problem.ErrTooManyChanges)
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	dry := req.Body.DryRun != nil && *req.Body.DryRun
	tok := auth.From(ctx)
	var warnings []string
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "patchZone", fmt.Sprintf("%d changes", len(changes))), IfSerial: want, DryRun: dry,
		Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			for i, c := range changes {
				owner, typ, err := rrsetTarget(origin, c.Name, c.Type)
				if err != nil {
					return problem.AtChange(i, err)
				}
				if err := tok.MayWrite(origin, owner, typ); err != nil {
					return problem.AtChange(i, err)
				}
				w, err := applyChange(origin, owner, typ, c, tx)
				if err != nil {
					return problem.AtChange(i, err)
				}
				if w != "" {
					warnings = append(warnings, fmt.Sprintf("change %d: %s", i, w))
				}
			}
			return nil
		}})
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, danglingTargets(res.New, res.Added)...)
	tag := etag(res.New)
	if dry {
		tag = etag(res.Old)
	}
	return api.PatchZone200JSONResponse{Body: changeResult(origin, res, !dry, warnings), Headers: api.PatchZone200ResponseHeaders{ETag: &tag}}, nil
}

// applyChange applies one change of a PATCH to tx and returns a warning, if any.
func applyChange(origin, owner string, typ uint16, c api.Change, tx *zone.Txn) (string, error) {
	switch c.Op {
	case api.Add:
		if c.Value == nil {
			return "", &record.FieldError{Field: "value", Err: fmt.Errorf("add needs a value")}
		}
		rr, err := record.New(origin, owner, dns.Type(typ).String(), *c.Value, c.Ttl)
		if err != nil {
			return "", err
		}
		return "", tx.Upsert(rr)
	case api.Delete:
		if c.Value == nil {
			return "", &record.FieldError{Field: "value", Err: fmt.Errorf("delete needs the value of the record")}
		}
		rr, err := record.New(origin, owner, dns.Type(typ).String(), *c.Value, nil)
		if err != nil {
			return "", err
		}
		if typ == dns.TypeSOA {
			return "", zone.ErrNoSOA
		}
		if !tx.Delete(rr) {
			return "nothing to delete: the record is not in the zone", nil
		}
	case api.ReplaceRrset:
		if c.Values == nil {
			return "", &record.FieldError{Field: "values", Err: fmt.Errorf("replace_rrset needs values (empty to delete)")}
		}
		rrs, err := rrsetValues(origin, owner, typ, c.Ttl, *c.Values, "/values")
		if err != nil {
			return "", err
		}
		return "", tx.ReplaceRRset(owner, typ, rrs)
	case api.DeleteRrset:
		if typ == dns.TypeSOA {
			return "", zone.ErrNoSOA
		}
		if tx.DeleteRRset(owner, typ) == 0 {
			return "nothing to delete: the RRset is not in the zone", nil
		}
	default:
		return "", &record.FieldError{Field: "op", Err: fmt.Errorf("unknown op %q", c.Op)}
	}
	return "", nil
}
