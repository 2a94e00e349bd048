package rest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ListZones implements api.StrictServerInterface.
func (a *API) ListZones(ctx context.Context, req api.ListZonesRequestObject) (api.ListZonesResponseObject, error) {
	tok := auth.From(ctx)
	after, err := parseZoneCursor(req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	var afterKey []byte
	if after != "" {
		if afterKey, err = zone.Key(dns.Fqdn(after)); err != nil {
			return nil, badCursor()
		}
	}
	out := api.ListZones200JSONResponse{Body: []api.Zone{}}
	for _, z := range a.Pipeline.Zones().Zones() {
		if !tok.CanRead(z.Origin()) || (req.Params.Search != nil && !contains(zone.TrimDot(z.Origin()), *req.Params.Search)) {
			continue
		}
		if afterKey != nil {
			if k, _ := zone.Key(z.Origin()); bytes.Compare(k, afterKey) <= 0 {
				continue
			}
		}
		if req.Params.Limit != nil && len(out.Body) == *req.Params.Limit {
			q := url.Values{"limit": {strconv.Itoa(*req.Params.Limit)}}
			if req.Params.Search != nil {
				q.Set("search", *req.Params.Search)
			}
			out.Headers.Link = nextLink(Base+"/zones", q, zoneCursor(out.Body[len(out.Body)-1].Name))
			break
		}
		out.Body = append(out.Body, apiZone(z, false))
	}
	return out, nil
}

// GetZone implements api.StrictServerInterface.
func (a *API) GetZone(ctx context.Context, req api.GetZoneRequestObject) (api.GetZoneResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	return api.GetZone200JSONResponse{Body: apiZone(z, true), Headers: api.GetZone200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// CreateZone implements api.StrictServerInterface.
func (a *API) CreateZone(ctx context.Context, req api.CreateZoneRequestObject) (api.CreateZoneResponseObject, error) {
	origin, err := originOf(req.Body.Name)
	if err != nil {
		return nil, &record.FieldError{Field: "name", Err: err}
	}
	if err := auth.From(ctx).MayWriteZone("create", origin); err != nil {
		return nil, err
	}
	z, err := newZone(origin, req.Body.Records, sourceOf(req.Body.Format))
	if err != nil {
		return nil, err
	}
	if err := a.Pipeline.Create(meta(ctx, "createZone", ""), z); err != nil {
		return nil, err
	}
	return api.CreateZone201JSONResponse{Body: apiZone(z, true), Headers: api.CreateZone201ResponseHeaders{ETag: ptr(etag(z)), Location: ptr(zonePath(z.Origin()))}}, nil
}

// newZone makes a new zone of the records given, with a default SOA (and
// NS) when they have none.
func newZone(origin string, records *[]api.DNSRecordInput, src zone.Source) (*zone.Zone, error) {
	var rrs []dns.RR
	if records != nil {
		for i, r := range *records {
			rr, err := record.New(origin, r.Name, r.Type, r.Value, r.Ttl)
			if err != nil {
				return nil, problem.At(fmt.Sprintf("/records/%d", i), err)
			}
			rrs = append(rrs, rr)
		}
	}
	z, at, err := record.NewZone(origin, rrs, src)
	if err != nil && at >= 0 {
		return nil, problem.At(fmt.Sprintf("/records/%d", at), err)
	}
	return z, err
}

// DeleteZone implements api.StrictServerInterface.
func (a *API) DeleteZone(ctx context.Context, req api.DeleteZoneRequestObject) (api.DeleteZoneResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("delete", z.Origin()); err != nil {
		return nil, err
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	if _, err := a.Pipeline.Delete(meta(ctx, "deleteZone", ""), z.Origin(), want); err != nil {
		return nil, err
	}
	return api.DeleteZone204Response{}, nil
}

// ExportZone implements api.StrictServerInterface.
func (a *API) ExportZone(ctx context.Context, req api.ExportZoneRequestObject) (api.ExportZoneResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	headers := api.ExportZone200ResponseHeaders{ETag: ptr(etag(z))}
	if req.Params.Format != nil && *req.Params.Format == api.ZoneFormatYaml {
		if err := store.FormatYAML(&b, z, false); err != nil {
			return nil, err
		}
		return api.ExportZone200ApplicationyamlResponse{Body: &b, ContentLength: int64(b.Len()), Headers: headers}, nil
	}
	if err := store.FormatZone(&b, z); err != nil {
		return nil, err
	}
	return api.ExportZone200TextdnsResponse{Body: &b, ContentLength: int64(b.Len()), Headers: headers}, nil
}

// ConvertZone implements api.StrictServerInterface.
func (a *API) ConvertZone(ctx context.Context, req api.ConvertZoneRequestObject) (api.ConvertZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("convert", origin); err != nil {
		return nil, err
	}
	src := sourceOf(&req.Body.Format)
	z, err := a.Pipeline.Convert(meta(ctx, "convertZone", "to "+src.String()), origin, src)
	if err != nil {
		return nil, err
	}
	return api.ConvertZone200JSONResponse{Body: apiZone(z, false), Headers: api.ConvertZone200ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// sourceOf is the zone source of an API format; zone when not given.
func sourceOf(f *api.ZoneFormat) zone.Source {
	if f != nil && *f == api.ZoneFormatYaml {
		return zone.SourceYAML
	}
	return zone.SourceZone
}

// ImportZone implements api.StrictServerInterface: the zone file given
// becomes the zone, created if it is new, else as one change.
func (a *API) ImportZone(ctx context.Context, req api.ImportZoneRequestObject) (api.ImportZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayWriteZone("import", origin); err != nil {
		return nil, err
	}
	text, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	fresh, _, err := store.Read(bytes.NewReader(text), "body", origin, store.Options{MaxRecords: a.Pipeline.Limits().MaxRecords})
	if err != nil {
		return nil, err
	}
	if _, exists := a.Pipeline.Zone(origin); !exists {
		if err := a.Pipeline.Create(meta(ctx, "importZone", ""), fresh); err != nil {
			return nil, err
		}
		return api.ImportZone201JSONResponse{Body: apiZone(fresh, true), Headers: api.ImportZone201ResponseHeaders{ETag: ptr(etag(fresh)), Location: ptr(zonePath(origin))}}, nil
	}
	want, err := expected(req.Params.IfMatch)
	if err != nil {
		return nil, err
	}
	res, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "importZone", "replaced"), IfSerial: want,
		Edit: pipeline.ReplaceWith(fresh)})
	if err != nil {
		return nil, err
	}
	return api.ImportZone200JSONResponse{Body: apiZone(res.New, true), Headers: api.ImportZone200ResponseHeaders{ETag: ptr(etag(res.New))}}, nil
}

// GetHealth implements api.StrictServerInterface.
func (a *API) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.Ok, Zones: a.Pipeline.Zones().Len()}, nil
}

// GetOpenAPI implements api.StrictServerInterface.
func (a *API) GetOpenAPI(context.Context, api.GetOpenAPIRequestObject) (api.GetOpenAPIResponseObject, error) {
	return api.GetOpenAPI200ApplicationyamlResponse{Body: bytes.NewReader(spec.OpenAPI), ContentLength: int64(len(spec.OpenAPI))}, nil
}
