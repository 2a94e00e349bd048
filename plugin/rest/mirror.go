package rest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/hetzner/mirror"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetMirrorStatus implements api.StrictServerInterface.
func (a *API) GetMirrorStatus(ctx context.Context, _ api.GetMirrorStatusRequestObject) (api.GetMirrorStatusResponseObject, error) {
	return api.GetMirrorStatus200JSONResponse(a.mirrorStatus(ctx)), nil
}

// SyncMirror implements api.StrictServerInterface.
func (a *API) SyncMirror(ctx context.Context, _ api.SyncMirrorRequestObject) (api.SyncMirrorResponseObject, error) {
	if err := auth.From(ctx).MayAdminister("sync the mirror"); err != nil {
		return nil, err
	}
	m := a.mirror()
	if m == nil {
		return nil, problem.ErrMirrorDisabled
	}
	if err := m.Sync(ctx); err != nil {
		return nil, problem.Upstream(err)
	}
	return api.SyncMirror200JSONResponse(a.mirrorStatus(ctx)), nil
}

// ResolveMirrorConflict implements api.StrictServerInterface.
func (a *API) ResolveMirrorConflict(ctx context.Context, req api.ResolveMirrorConflictRequestObject) (api.ResolveMirrorConflictResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("resolve", origin); err != nil {
		return nil, err
	}
	m := a.mirror()
	if m == nil {
		return nil, problem.ErrMirrorDisabled
	}
	if err := m.Resolve(ctx, origin, req.Body.Rrset, mirror.Side(req.Body.Keep)); err != nil {
		if errors.Is(err, mirror.ErrNoConflict) {
			return nil, &problem.Problem{Status: http.StatusNotFound, Code: "conflict-not-found", Title: "No such conflict", Detail: err.Error(),
				Hint: "List the conflicts with getMirrorStatus; name the RRset as name/TYPE."}
		}
		return nil, problem.Upstream(err)
	}
	return api.ResolveMirrorConflict200JSONResponse(a.mirrorStatus(ctx)), nil
}

func (a *API) mirror() *mirror.Mirror {
	if a.Mirror == nil {
		return nil
	}
	return a.Mirror()
}

// mirrorStatus is the mirror's status, the zones the token may read.
func (a *API) mirrorStatus(ctx context.Context) api.MirrorStatus {
	out := api.MirrorStatus{Zones: []api.MirrorZone{}}
	m := a.mirror()
	if m == nil {
		return out
	}
	s := m.Status()
	now := time.Now()
	out.Enabled, out.Endpoint, out.Reachable = true, ptr(s.Endpoint), ptr(s.Reachable)
	if !s.LastAttempt.IsZero() {
		out.LastAttemptAt = ptr(s.LastAttempt.UTC())
	}
	if !s.LastSuccess.IsZero() {
		out.LastSuccessAt, out.LagSeconds = ptr(s.LastSuccess.UTC()), ptr(int(now.Sub(s.LastSuccess).Seconds()))
	}
	if s.LastError != "" {
		out.LastError = ptr(s.LastError)
	}
	tok := auth.From(ctx)
	for _, origin := range sortedOrigins(s.Zones) {
		if !tok.CanRead(origin) {
			continue
		}
		zs := s.Zones[origin]
		z := api.MirrorZone{Zone: strings.TrimSuffix(origin, "."), Ahead: zs.Ahead, Conflicts: []api.MirrorConflict{}, GoneUpstream: zs.GoneUpstream}
		if z.Ahead == nil {
			z.Ahead = []string{}
		}
		if zs.UpstreamID != 0 {
			z.UpstreamId = ptr(zs.UpstreamID)
		}
		if !zs.LastPull.IsZero() {
			z.LastPullAt, z.LagSeconds = ptr(zs.LastPull.UTC()), ptr(int(now.Sub(zs.LastPull).Seconds()))
		}
		if zs.LastError != "" {
			z.LastError = ptr(zs.LastError)
		}
		for _, c := range zs.Conflicts {
			z.Conflicts = append(z.Conflicts, api.MirrorConflict{Rrset: c.RRset, Local: mirrorRRset(c.Local), Upstream: mirrorRRset(c.Upstream)})
		}
		out.Zones = append(out.Zones, z)
	}
	return out
}

func mirrorRRset(r *schema.ZoneRRSet) *api.MirrorRRset {
	if r == nil {
		return nil
	}
	out := &api.MirrorRRset{Ttl: r.TTL, Records: []api.MirrorRecord{}}
	if len(r.Labels) > 0 {
		out.Labels = &r.Labels
	}
	for _, rec := range r.Records {
		x := api.MirrorRecord{Value: rec.Value}
		if rec.Comment != "" {
			x.Comment = ptr(rec.Comment)
		}
		out.Records = append(out.Records, x)
	}
	return out
}

func sortedOrigins(m map[string]*mirror.ZoneStatus) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { // DNS canonical order, as every list of zones
		ka, _ := zone.Key(a)
		kb, _ := zone.Key(b)
		return bytes.Compare(ka, kb)
	})
	return out
}
