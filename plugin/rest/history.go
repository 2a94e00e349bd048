package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// logScan bounds the commits one listZoneRevisions page looks at, so that a
// zone that rarely changes in a busy store still answers quickly; the page
// then ends early with a next cursor.
const logScan = 20000

// ListZoneRevisions implements api.StrictServerInterface.
func (a *API) ListZoneRevisions(ctx context.Context, req api.ListZoneRevisionsRequestObject) (api.ListZoneRevisionsResponseObject, error) {
	repo, origin, name, err := a.historyTarget(ctx, req.ZoneName)
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
	revs, next, err := repo.Log(name, before, limit, logScan, gitlog.Touched)
	if err != nil {
		return nil, err
	}
	if _, served := a.Pipeline.Zone(origin); !served && len(revs) == 0 && before == "" {
		return nil, fmt.Errorf("%s: %w", origin, pipeline.ErrZoneNotFound)
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
func (a *API) historyTarget(ctx context.Context, zoneName string) (repo *history.Repo, origin, name string, err error) {
	if origin, err = originOf(zoneName); err != nil {
		return nil, "", "", err
	}
	if err := auth.From(ctx).MayRead(origin); err != nil {
		return nil, "", "", err
	}
	if a.Git == nil {
		return nil, "", "", problem.ErrHistoryDisabled
	}
	src := zone.SourceZone
	if z, ok := a.Pipeline.Zone(origin); ok {
		src = z.Source()
	}
	name, err = store.FileNameOf(origin, src)
	return a.Git.Repo(), origin, name, err
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
func (a *API) GetZoneRevision(ctx context.Context, req api.GetZoneRevisionRequestObject) (api.GetZoneRevisionResponseObject, error) {
	repo, origin, name, err := a.historyTarget(ctx, req.ZoneName)
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
		z, _, err := store.ReadAs(bytes.NewReader(b), name, origin, store.Options{})
		if err != nil {
			return nil
		}
		return z
	}
	return zone.DiffZones(parse(before), parse(after))
}

// RevertZone implements api.StrictServerInterface: the zone's records as
// they were right after the revision, applied as a new change.
func (a *API) RevertZone(ctx context.Context, req api.RevertZoneRequestObject) (api.RevertZoneResponseObject, error) {
	repo, origin, name, err := a.historyTarget(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("revert", origin); err != nil {
		return nil, err
	}
	rev, _, data, err := repo.Show(req.RevisionId, name)
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, fmt.Errorf("%s at %s: %w", origin, rev.ID, problem.ErrRevisionWithoutZone)
	}
	read := store.Read
	if store.SourceOf(name) == zone.SourceYAML {
		read = store.ReadYAML
	}
	old, _, err := read(bytes.NewReader(data), name+"@"+rev.ID[:12], origin, store.Options{MaxRecords: a.Pipeline.Limits().MaxRecords})
	if err != nil {
		return nil, err
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	// A zone that is as it was (but for the serial) stays as it is: no
	// serial bumped for nothing, no empty commit.
	if z, ok := a.Pipeline.Zone(origin); ok && pipeline.SameRecords(z, old) {
		if want != nil && *want != z.Serial() {
			return nil, fmt.Errorf("the change expects serial %d but the zone is at %d: %w", *want, z.Serial(), pipeline.ErrStale)
		}
		res := pipeline.Result{Old: z, New: z}
		return api.RevertZone200JSONResponse{Body: changeResult(origin, res, false, []string{"the zone is as it was at " + rev.ID + ": nothing changed"}),
			Headers: api.RevertZone200ResponseHeaders{ETag: ptr(etag(z))}}, nil
	}
	m := meta(ctx, "revertZone", "to "+rev.ID)
	if m.Reason == "" {
		m.Reason = "revert to " + rev.ID
	}
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: m, IfSerial: want,
		Edit: pipeline.ReplaceWith(old)})
	if err != nil {
		return nil, err
	}
	return api.RevertZone200JSONResponse{Body: changeResult(origin, res, true, nil), Headers: api.RevertZone200ResponseHeaders{ETag: ptr(etag(res.New))}}, nil
}

// GetGitStatus implements api.StrictServerInterface.
func (a *API) GetGitStatus(context.Context, api.GetGitStatusRequestObject) (api.GetGitStatusResponseObject, error) {
	return api.GetGitStatus200JSONResponse(a.gitStatus()), nil
}

func (a *API) gitStatus() api.GitStatus {
	out := api.GitStatus{}
	if a.Git == nil {
		return out
	}
	s := a.Git.Status()
	out.Enabled, out.Branch, out.PendingCommits = true, ptr(s.Branch), s.PendingCommits
	if s.Head != "" {
		out.Head = ptr(s.Head)
	}
	if s.LastCommitError != "" {
		out.LastCommitError = ptr(s.LastCommitError)
	}
	if a.GitOps != nil {
		out.Remote = remoteStatus(a.GitOps.Status())
	}
	return out
}

func remoteStatus(s gitops.Status) *api.GitRemoteStatus {
	out := &api.GitRemoteStatus{Url: s.URL, Push: s.Push, Ahead: s.Ahead, Behind: s.Behind}
	if s.PullInterval > 0 {
		out.PullIntervalSeconds = ptr(int(s.PullInterval / time.Second))
	}
	if !s.LastPullAt.IsZero() {
		out.LastPullAt = ptr(s.LastPullAt)
	}
	if !s.LastAppliedAt.IsZero() {
		out.LastAppliedAt = ptr(s.LastAppliedAt)
	}
	if s.RemoteHead != "" {
		out.RemoteHead = ptr(s.RemoteHead)
	}
	if s.Error != "" {
		out.Error, out.ErrorCode = ptr(s.Error), ptr(s.ErrorCode)
	}
	return out
}

// PullGit implements api.StrictServerInterface.
func (a *API) PullGit(ctx context.Context, _ api.PullGitRequestObject) (api.PullGitResponseObject, error) {
	if err := auth.From(ctx).MayAdminister("pull"); err != nil {
		return nil, err
	}
	if a.Git == nil {
		return nil, problem.ErrHistoryDisabled
	}
	if a.GitOps == nil {
		return nil, &problem.Problem{Status: http.StatusConflict, Code: "no-remote", Title: "No remote", Detail: "the git property has no remote",
			Hint: "Add remote URL (and pull INTERVAL) to the git block of the Corefile."}
	}
	if err := a.GitOps.Pull(meta(ctx, "pullGit", "")); err != nil {
		var pe *gitops.PullError
		if errors.As(err, &pe) && pe.Code != "store-failed" {
			return nil, problem.Pull(pe)
		}
		return nil, err
	}
	return api.PullGit200JSONResponse(a.gitStatus()), nil
}
