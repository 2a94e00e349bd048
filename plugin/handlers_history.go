package zoneapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// logScan bounds the commits one listZoneRevisions page looks at, so that a
// zone that rarely changes in a busy store still answers quickly; the page
// then ends early with a next cursor.
const logScan = 20000

var (
	errHistoryDisabled = &problem{status: http.StatusConflict, code: "history-disabled", title: "No Git history",
		detail: "the store has no Git history", hint: "Add the git property to the zoneapi block of the Corefile."}
	errRevisionWithoutZone = errors.New("the zone did not exist at that revision")
)

func init() {
	rules = append(rules,
		rule{history.ErrUnknownRevision, http.StatusNotFound, "revision-not-found", "Revision not found", "List the zone's revisions with listZoneRevisions."},
		rule{errRevisionWithoutZone, http.StatusUnprocessableEntity, "revision-without-zone", "No zone at that revision", "Pick a revision listed by listZoneRevisions whose change left the zone in place."})
}

// ListZoneRevisions implements api.StrictServerInterface.
func (h *handlers) ListZoneRevisions(ctx context.Context, req api.ListZoneRevisionsRequestObject) (api.ListZoneRevisionsResponseObject, error) {
	repo, origin, name, err := h.historyTarget(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	limit, before := 20, ""
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	if req.Params.Before != nil {
		before = *req.Params.Before
	}
	revs, next, err := repo.Log(name, before, limit, logScan, touchedByTrailers)
	if err != nil {
		return nil, err
	}
	if _, served := h.st.zones.Load().Get(origin); !served && len(revs) == 0 && before == "" {
		return nil, fmt.Errorf("%s: %w", origin, ErrZoneNotFound)
	}
	out := api.RevisionList{Revisions: make([]api.Revision, 0, len(revs))}
	for _, r := range revs {
		out.Revisions = append(out.Revisions, apiRevision(r))
	}
	if next != "" {
		out.Next = &next
	}
	return api.ListZoneRevisions200JSONResponse(out), nil
}

// historyTarget checks that the store has a history and that the token may
// read the zone, and returns the history, the zone's origin and its file.
func (h *handlers) historyTarget(ctx context.Context, zoneName string) (repo *history.Repo, origin, name string, err error) {
	if origin, err = originOf(zoneName); err != nil {
		return nil, "", "", err
	}
	if !tokenFrom(ctx).canRead(origin) {
		return nil, "", "", fmt.Errorf("token %s may not read %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	if h.st.git == nil {
		return nil, "", "", errHistoryDisabled
	}
	name, err = store.FileName(origin)
	return h.st.git.repo, origin, name, err
}

func apiRevision(r history.Revision) api.Revision {
	out := api.Revision{Id: r.ID, Time: r.Time, Author: r.Author, Subject: r.Subject, Message: r.Body}
	if r.Parent != "" {
		out.Parent = ptr(r.Parent)
	}
	if v, ok := r.Trailer["Operation"]; ok {
		out.Operation = ptr(v)
	}
	if v, ok := r.Trailer["Token"]; ok {
		out.Token = ptr(v)
	}
	if v, ok := r.Trailer["Reason"]; ok {
		out.Reason = ptr(v)
	}
	if v, err := strconv.ParseUint(r.Trailer["Serial"], 10, 32); err == nil {
		out.Serial = ptr(int64(v))
	}
	return out
}

// GetZoneRevision implements api.StrictServerInterface.
func (h *handlers) GetZoneRevision(ctx context.Context, req api.GetZoneRevisionRequestObject) (api.GetZoneRevisionResponseObject, error) {
	repo, origin, name, err := h.historyTarget(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	rev, before, after, err := repo.Show(req.RevisionId, name)
	if err != nil {
		return nil, err
	}
	out := api.RevisionDiff{Revision: apiRevision(rev), Patch: history.UnifiedDiff(name, before, after)}
	removed, added := recordDiff(origin, name, before, after)
	out.Added, out.Removed = toRecords(added, origin), toRecords(removed, origin)
	return api.GetZoneRevision200JSONResponse(out), nil
}

// recordDiff returns the records only in before and only in after, each
// parsed as a zone (a version that is missing or does not parse counts as
// empty), in canonical order.
func recordDiff(origin, name string, before, after []byte) (removed, added []dns.RR) {
	parse := func(b []byte) *zone.Zone {
		if b == nil {
			return nil
		}
		z, _, err := store.Read(bytes.NewReader(b), name, origin, store.Options{})
		if err != nil {
			return nil
		}
		return z
	}
	return zone.DiffZones(parse(before), parse(after))
}

// RevertZone implements api.StrictServerInterface: the zone's records as
// they were right after the revision, applied as a new change.
func (h *handlers) RevertZone(ctx context.Context, req api.RevertZoneRequestObject) (api.RevertZoneResponseObject, error) {
	repo, origin, name, err := h.historyTarget(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	if !tokenFrom(ctx).canWriteZone(origin) {
		return nil, fmt.Errorf("token %s may not revert %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	rev, _, data, err := repo.Show(req.RevisionId, name)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, fmt.Errorf("%s at %s: %w", origin, rev.ID, errRevisionWithoutZone)
	}
	old, _, err := store.Read(bytes.NewReader(data), name+"@"+rev.ID[:12], origin, store.Options{MaxRecords: h.st.maxRecords})
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "revertZone")
	if w.reason == "" {
		w.reason = "revert to " + rev.ID
	}
	var txn *zone.Txn
	prev, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(z *zone.Zone, tx *zone.Txn) error {
		txn = tx
		return replaceAll(z, tx, old)
	})
	if err != nil {
		return nil, err
	}
	del, add := zone.Diff(prev, nz, txn.Touched())
	audit(w, nz, fmt.Sprintf("to %s, +%d -%d records", rev.ID, len(add), len(del)))
	return api.RevertZone200JSONResponse{
		Body:    api.ChangeResult{Zone: trimDot(origin), Applied: true, Serial: int64(nz.Serial()), Added: toRecords(add, origin), Removed: toRecords(del, origin), Warnings: []string{}},
		Headers: api.RevertZone200ResponseHeaders{ETag: ptr(etag(nz))},
	}, nil
}

// replaceAll makes the zone being built by tx hold exactly the records of
// fresh; the serial is then bumped above the current one as for any change.
func replaceAll(z *zone.Zone, tx *zone.Txn, fresh *zone.Zone) error {
	z.Walk(func(n *zone.Node) bool {
		if n.Name != "" {
			tx.DeleteName(n.Name)
		}
		return true
	})
	for _, rr := range fresh.Records() {
		if rr.Header().Rrtype == dns.TypeSOA {
			if err := tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{dns.Copy(rr)}); err != nil {
				return err
			}
			continue
		}
		if err := tx.Add(dns.Copy(rr)); err != nil {
			return err
		}
	}
	return nil
}
