package rest

import (
	"context"

	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ReloadZone implements api.StrictServerInterface.
func (a *API) ReloadZone(ctx context.Context, req api.ReloadZoneRequestObject) (api.ReloadZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("reload", origin); err != nil {
		return nil, err
	}
	res, err := a.Pipeline.Reload(meta(ctx, "reloadZone", ""), origin)
	if err != nil {
		return nil, err
	}
	z, _ := a.Pipeline.Zone(origin)
	return api.ReloadZone202JSONResponse{Body: reloadResult(res), Headers: api.ReloadZone202ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

func reloadResult(r pipeline.ReloadResult) api.ReloadResult {
	out := api.ReloadResult{Zone: zone.TrimDot(r.Zone), Serial: int64(r.Serial), RecordsCount: r.Records, SerialBumped: r.SerialBumped}
	if r.SerialBumped {
		out.FileSerial = ptr(int64(r.FileSerial))
	}
	return out
}

// ReloadAllZones implements api.StrictServerInterface.
func (a *API) ReloadAllZones(ctx context.Context, _ api.ReloadAllZonesRequestObject) (api.ReloadAllZonesResponseObject, error) {
	tok := auth.From(ctx)
	if err := tok.MayAdminister("reload the store"); err != nil {
		return nil, err
	}
	res := a.Pipeline.ReloadAll(meta(ctx, "reloadAllZones", ""))
	out := api.ReloadAllZones202JSONResponse{Reloaded: []api.ReloadResult{}, Removed: []string{}, Errors: []api.Problem{}}
	for _, r := range res.Reloaded {
		out.Reloaded = append(out.Reloaded, reloadResult(r))
	}
	for _, o := range res.Removed {
		out.Removed = append(out.Removed, zone.TrimDot(o))
	}
	for _, err := range res.Errors {
		out.Errors = append(out.Errors, problem.For(err).Body())
	}
	log.Infof("audit token=%s op=reloadAllZones reloaded=%d removed=%d errors=%d", tok.Name, len(out.Reloaded), len(out.Removed), len(out.Errors))
	return out, nil
}
