// Package rest is the /v1 API: the adapter that openapi.yaml describes,
// over the change pipeline. Its handlers are thin: they check the token's
// scope, turn API objects into changes (record converts the records), and
// submit them to the pipeline; what the pipeline and the layers below
// return becomes a problem (package problem). It reads only published
// snapshots and never reaches into the pipeline's workings.
package rest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/hetzner/mirror"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/notify"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/tokens"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// Base is where the API is served.
const Base = "/v1"

// Deps is what the API works on. Git and GitOps are nil when the store has
// no history or no remote.
type Deps struct {
	Pipeline *pipeline.Pipeline
	IDs      *record.Index
	Notifier *notify.Notifier
	Git      *gitlog.Committer
	GitOps   *gitops.GitOps
	// Mirror returns the Hetzner mirror, nil without a hetzner block; a
	// Corefile reload may replace it.
	Mirror func() *mirror.Mirror
	// Keys are the DNSSEC keys of the store's zones.
	Keys *dnssec.Keys
	// Tokens are the tokens made through the API.
	Tokens *tokens.Store
}

// Settings are what a Corefile reload may change.
type Settings struct {
	MaxChanges int      // per PATCH; 0 is the spec's own limit
	TokenNames []string // the Corefile's tokens, whose names a token made here may not take
	RateLimit  int      // requests an hour per token; 0: no limit
}

// corefileTokens returns the names of the Corefile's tokens.
func (a *API) corefileTokens() []string { return a.settings.Load().TokenNames }

// API implements the strict-server interface generated from openapi.yaml,
// and is the /v1 httpapi.Adapter.
type API struct {
	Deps
	doc      *openapi3.T
	checks   map[string][]echo.MiddlewareFunc // by operationId: see Checks
	settings atomic.Pointer[Settings]
}

var (
	_ api.StrictServerInterface = (*API)(nil)
	_ httpapi.Adapter           = (*API)(nil)
)

// New returns the /v1 API over d.
func New(d Deps) (*API, error) {
	doc, err := httpapi.LoadSpec(spec.OpenAPI)
	if err != nil {
		return nil, err
	}
	a := &API{Deps: d, doc: doc}
	a.checks = httpapi.PerOperation(doc, httpapi.Validator(doc, Base), httpapi.ChangeReason, httpapi.NewIdempotency().Middleware)
	// Each token's requests an hour, with the RateLimit headers.
	limit := httpapi.NewLimiter().Limit(func(c echo.Context) string { return auth.From(c.Request().Context()).Name },
		func() int { return a.settings.Load().RateLimit }, func(n int) error {
			return &problem.Problem{Status: http.StatusTooManyRequests, Code: "rate-limited", Title: "Too many requests",
				Detail: fmt.Sprintf("the token's %d requests an hour are used up", n), Hint: "Wait for RateLimit-Reset (or Retry-After seconds) and retry."}
		})
	for op, mw := range a.checks {
		if op != "getHealth" && op != "getOpenAPI" {
			a.checks[op] = append([]echo.MiddlewareFunc{limit}, mw...)
		}
	}
	// What may sign a whole zone may take minutes.
	for _, op := range []string{"setZoneDnssec", "addZoneKey", "deleteZoneKey", "rollZoneKey", "submitZoneKey", "importZone", "reloadZone", "reloadAllZones", "revertZone", "createZone"} {
		if mw, ok := a.checks[op]; ok {
			a.checks[op] = append([]echo.MiddlewareFunc{httpapi.Long}, mw...)
		}
	}
	a.settings.Store(&Settings{})
	return a, nil
}

// Checks is the middleware of every operation of openapi.yaml, by
// operationId: the request validated against the document, its
// X-Change-Reason taken, its Idempotency-Key honoured. The adapters that
// serve other operations of the document (acme) mount theirs with it.
func (a *API) Checks() map[string][]echo.MiddlewareFunc { return a.checks }

// Configure takes a (new) Corefile's settings.
func (a *API) Configure(s Settings) { a.settings.Store(&s) }

// Base implements httpapi.Adapter.
func (a *API) Base() string { return Base }

// Mount implements httpapi.Adapter: the routes of openapi.yaml, each
// request validated against it. The middleware is the routes' own, not a
// group's, whose catch-all route would answer a known path's wrong method
// with 404 instead of 405.
func (a *API) Mount(e *echo.Echo) {
	api.RegisterHandlersWithOptions(e, api.NewStrictHandler(a, nil), api.RegisterHandlersOptions{BaseURL: Base, OperationMiddlewares: a.checks})
}

// Public implements httpapi.Adapter: health and the document need no token.
func (a *API) Public(path string) bool { return path == Base+"/health" || path == Base+"/openapi.yaml" }

// Error implements httpapi.Adapter: every error is a problem.
func (a *API) Error(c echo.Context, err error) { problem.Write(c, err) }

// meta is the metadata of a change a request makes.
func meta(ctx context.Context, op, detail string) pipeline.Meta {
	return pipeline.Meta{Op: op, Actor: auth.From(ctx).Name, Reason: httpapi.Reason(ctx), Detail: detail}
}

// originOf turns a zoneName parameter into a lower-case FQDN, refusing what
// cannot be a zone in the store.
func originOf(name string) (string, error) {
	origin := strings.ToLower(dns.Fqdn(name))
	if _, err := store.FileName(origin); err != nil {
		return "", err
	}
	return origin, nil
}

// readable returns the published zone for a read by the request's token.
func (a *API) readable(ctx context.Context, name string) (*zone.Zone, error) {
	origin, err := originOf(name)
	if err != nil {
		return nil, err
	}
	if err := auth.From(ctx).MayRead(origin); err != nil {
		return nil, err
	}
	z, ok := a.Pipeline.Zone(origin)
	if !ok {
		return nil, errNoZone(origin)
	}
	return z, nil
}
