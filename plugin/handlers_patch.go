package zoneapi

import (
	"context"
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// PatchZone implements api.StrictServerInterface: every change or none, one
// serial bump, or with dry_run the diff without applying it.
func (h *handlers) PatchZone(ctx context.Context, req api.PatchZoneRequestObject) (api.PatchZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if max := h.st.maxChanges; max > 0 && len(req.Body.Changes) > max {
		return nil, fmt.Errorf("%d changes, the limit is %d: %w", len(req.Body.Changes), max, errTooManyChanges)
	}
	dry := req.Body.DryRun != nil && *req.Body.DryRun
	var warnings []string
	var txn *zone.Txn // its touched names, the serial bump's included, give the diff
	w := whyOf(ctx, "patchZone")
	old, nz, err := h.st.change(w, origin, req.Params.IfMatch, dry, func(z *zone.Zone, tx *zone.Txn) error {
		txn = tx
		for i, c := range req.Body.Changes {
			owner, typ, err := rrsetTarget(origin, c.Name, c.Type)
			if err != nil {
				return &changeError{i, err}
			}
			if !tokenFrom(ctx).canWrite(origin, owner, typ) {
				return &changeError{i, fmt.Errorf("token %s may not change %s %s: %w", tokenFrom(ctx).name, owner, dns.Type(typ), errForbidden)}
			}
			w, err := applyChange(origin, owner, typ, c, tx)
			if err != nil {
				return &changeError{i, err}
			}
			if w != "" {
				warnings = append(warnings, fmt.Sprintf("change %d: %s", i, w))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	del, add := zone.Diff(old, nz, txn.Touched())
	added, removed := toRecords(add, origin), toRecords(del, origin)
	if !dry {
		audit(w, nz, fmt.Sprintf("%d changes, +%d -%d records", len(req.Body.Changes), len(added), len(removed)))
	}
	if warnings == nil {
		warnings = []string{}
	}
	tag := etag(nz)
	if dry {
		tag = etag(old)
	}
	return api.PatchZone200JSONResponse{
		Body:    api.ChangeResult{Zone: trimDot(origin), Applied: !dry, Serial: int64(nz.Serial()), Added: added, Removed: removed, Warnings: warnings},
		Headers: api.PatchZone200ResponseHeaders{ETag: &tag},
	}, nil
}

// applyChange applies one change of a PATCH to tx and returns a warning, if any.
func applyChange(origin, owner string, typ uint16, c api.Change, tx *zone.Txn) (string, error) {
	switch c.Op {
	case api.Add:
		if c.Value == nil {
			return "", &fieldError{field: "value", err: fmt.Errorf("add needs a value")}
		}
		rr, err := newRR(origin, owner, dns.Type(typ).String(), *c.Value, c.Ttl)
		if err != nil {
			return "", err
		}
		return "", upsert(tx, rr)
	case api.Delete:
		if c.Value == nil {
			return "", &fieldError{field: "value", err: fmt.Errorf("delete needs the value of the record")}
		}
		rr, err := newRR(origin, owner, dns.Type(typ).String(), *c.Value, nil)
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
			return "", &fieldError{field: "values", err: fmt.Errorf("replace_rrset needs values (empty to delete)")}
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
		return "", &fieldError{field: "op", err: fmt.Errorf("unknown op %q", c.Op)}
	}
	return "", nil
}

func trimDot(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}
