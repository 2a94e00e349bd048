// Package powerdns is the PowerDNS Authoritative HTTP API at /api, over the
// change pipeline, for the tools written for it (lego's pdns provider,
// external-dns, octoDNS, Terraform): its paths (server id localhost), its
// JSON shapes with absolute names, its X-API-Key, its error body
// ({"error": "..."}) and status codes. A PATCH of a zone's RRsets is one
// change, all or nothing: validated, journaled, one Git commit, one serial,
// one NOTIFY. docs/POWERDNS.md says what it serves and what it does not.
package powerdns

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
)

// Base is where the API is served.
const Base = "/api"

// server is the one server id the API knows, as PowerDNS names its own.
const server = "localhost"

// Version is the PowerDNS version the server reports.
const Version = "4.7.0-zoneapi"

// API is the PowerDNS-compatible API, an httpapi.Adapter.
type API struct {
	pipe *pipeline.Pipeline
}

var _ httpapi.Adapter = (*API)(nil)

// New returns the API over p.
func New(p *pipeline.Pipeline) *API { return &API{pipe: p} }

// Base implements httpapi.Adapter.
func (a *API) Base() string { return Base }

// Public implements httpapi.Adapter: every request needs the key, as in
// PowerDNS.
func (a *API) Public(string) bool { return false }

// Mount implements httpapi.Adapter.
func (a *API) Mount(e *echo.Echo) {
	e.GET(Base, a.versions)
	g := e.Group(Base + "/v1")
	g.GET("/servers", a.servers)
	g.GET("/servers/:server", a.server)
	g.GET("/servers/:server/zones", a.listZones)
	g.POST("/servers/:server/zones", a.createZone)
	g.DELETE("/servers/:server/zones/:zone", a.deleteZone)
	g.GET("/servers/:server/zones/:zone", a.getZone)
	g.PATCH("/servers/:server/zones/:zone", a.patchZone)
	g.PUT("/servers/:server/zones/:zone", a.putZone)
	g.PUT("/servers/:server/zones/:zone/notify", a.notify)
	g.GET("/servers/:server/zones/:zone/export", a.export)
	g.GET("/servers/:server/search-data", a.search)
	g.Any("/*", func(echo.Context) error { return errNotFound })
}

// apiError is an error in PowerDNS's body and status.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

var errNotFound = &apiError{http.StatusNotFound, "Not Found"}

// Error implements httpapi.Adapter: {"error": "..."}, with PowerDNS's
// status codes (422 for data it refuses).
func (a *API) Error(c echo.Context, err error) {
	status, msg := http.StatusInternalServerError, err.Error()
	var ae *apiError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		status = ae.status
	case errors.As(err, &he):
		status, msg = he.Code, http.StatusText(he.Code)
		if he.Code == http.StatusUnauthorized {
			msg = "Unauthorized"
		}
	case errors.Is(err, httpapi.ErrNoToken), errors.Is(err, httpapi.ErrUnknownToken):
		status, msg = http.StatusUnauthorized, "Unauthorized"
	default:
		p := problem.For(err)
		status, msg = p.Status, p.Detail
		if status == http.StatusBadRequest {
			status = http.StatusUnprocessableEntity // PowerDNS refuses bad data so
		}
	}
	_ = c.JSON(status, map[string]string{"error": msg})
}
