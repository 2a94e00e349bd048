// Package hetzner is the Hetzner Cloud DNS API (api.hetzner.cloud/v1:
// zones, RRsets, actions) at /hetzner/v1, over the change pipeline, so that
// hcloud-go, the hcloud CLI, Terraform and the external-dns and
// cert-manager webhooks work against zoneapi once their endpoint and token
// are changed. Its wire types are hcloud-go's own (hcloud/schema): the
// client is the reference for the shapes, and the server cannot drift from
// it. What the API keeps that a zone file has no place for (a zone's id,
// labels and default TTL, an RRset's labels, a record's comment) is kept in
// the zone's notes (zone.Zone.Note), so that it is journaled, committed
// and pulled with the records; protection is the pipeline's.
//
// Every change is one pipeline change, as through /v1: validated alike,
// journaled, one Git commit (its Operation trailer names the Hetzner
// action), a serial bump and NOTIFY. Actions finish before the answer:
// an acknowledged change is durable and served.
package hetzner

import (
	"sync"
	"sync/atomic"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

var log = clog.NewWithPlugin("zoneapi")

// Base is where the API is served (CONTRACT §6).
const Base = "/hetzner/v1"

// Settings are what a Corefile reload may change.
type Settings struct {
	// RateLimit is the number of requests a token may make an hour, as
	// Hetzner's RateLimit-* headers count them; 0 is no limit.
	RateLimit int
}

// DefaultRateLimit is Hetzner's own: 3,600 requests an hour a token.
const DefaultRateLimit = 3600

// API is the Hetzner adapter.
type API struct {
	pipe     *pipeline.Pipeline
	actions  *actionLog
	limits   *httpapi.Limiter
	settings atomic.Pointer[Settings]

	idsMu sync.Mutex
	ids   map[int64]string // zone id -> origin, see byID
}

var _ httpapi.Adapter = (*API)(nil)

// New returns the Hetzner API over pipe.
func New(pipe *pipeline.Pipeline) *API {
	a := &API{pipe: pipe, actions: newActionLog(), limits: httpapi.NewLimiter()}
	a.settings.Store(&Settings{RateLimit: DefaultRateLimit})
	// The notes of an RRset go with it, whatever took it away.
	pipe.AddStep(pruneNotes)
	return a
}

// Configure takes a (new) Corefile's settings.
func (a *API) Configure(s Settings) { a.settings.Store(&s) }

// Base implements httpapi.Adapter.
func (a *API) Base() string { return Base }

// Public implements httpapi.Adapter: every path needs a token, as at Hetzner.
func (a *API) Public(string) bool { return false }

// Mount implements httpapi.Adapter. The routes are the paths hcloud-go's
// ZoneClient, ActionClient and ResourceActionClient[*Zone] request.
func (a *API) Mount(e *echo.Echo) {
	mw := []echo.MiddlewareFunc{a.rateLimit}
	z := Base + "/zones"
	rr := z + "/:zone/rrsets/:name/:type"
	e.GET(z, a.listZones, mw...)
	e.POST(z, a.createZone, mw...)
	e.GET(z+"/actions", a.listZoneActions, mw...)
	e.GET(z+"/actions/:id", a.getAction, mw...)
	e.GET(z+"/:zone", a.getZone, mw...)
	e.PUT(z+"/:zone", a.updateZone, mw...)
	e.DELETE(z+"/:zone", a.deleteZone, mw...)
	e.GET(z+"/:zone/zonefile", a.exportZonefile, mw...)
	e.GET(z+"/:zone/actions", a.listZoneActions, mw...)
	e.GET(z+"/:zone/actions/:id", a.getAction, mw...)
	e.POST(z+"/:zone/actions/:action", a.zoneAction, mw...)
	e.GET(z+"/:zone/rrsets", a.listRRsets, mw...)
	e.POST(z+"/:zone/rrsets", a.createRRset, mw...)
	e.GET(rr, a.getRRset, mw...)
	e.PUT(rr, a.updateRRset, mw...)
	e.DELETE(rr, a.deleteRRset, mw...)
	e.POST(rr+"/actions/:action", a.rrsetAction, mw...)
	e.GET(Base+"/actions", a.listActions, mw...)
	e.GET(Base+"/actions/:id", a.getAction, mw...)
}

// meta is the metadata of a change a request makes: the operation is the
// Hetzner action's command, so the Git trailer names it.
func meta(c echo.Context, command, detail string) pipeline.Meta {
	ctx := c.Request().Context()
	return pipeline.Meta{Op: "hetzner." + command, Actor: auth.From(ctx).Name, Reason: httpapi.Reason(ctx), Detail: detail}
}

func token(c echo.Context) *auth.Token { return auth.From(c.Request().Context()) }
