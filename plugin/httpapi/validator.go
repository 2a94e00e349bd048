package httpapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
	oapimw "github.com/oapi-codegen/echo-middleware"
)

func init() {
	// Zone files travel as text/dns, documents as application/yaml: both
	// are strings to the schema.
	openapi3filter.RegisterBodyDecoder("text/dns", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
}

// LoadSpec parses and validates an OpenAPI document.
func LoadSpec(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return doc, nil
}

// Validator returns the middleware that checks every request against doc,
// whose paths are served under prefix: kin-openapi validates it, through
// oapi-codegen's Echo middleware, against the operation of the route Echo
// matched. The middleware's own way, kin-openapi's gorilla/mux router,
// matched every request again with regular expressions and copied it to
// take the prefix off: a cost per request that showed in the profiles of a
// write (docs/BENCHMARKS.md).
//
// doc is read as OpenAPI 3.0: kin-openapi validates a 3.1 document with
// JSON Schema 2020-12 and compiles that validator anew for every request,
// which took a large share of a write's CPU; its 3.0 validator checks the
// same request schemas, as long as they use no keyword only 3.1 has (the
// adapters' tests keep them so). Responses are checked in 3.1 mode in the
// tests.
//
// The routes it validates against carry no security requirements:
// authentication is the server's, which runs first, and kin-openapi's pass
// over them would only read the body once more, for an authentication
// function with nothing to check. The handlers apply defaults themselves;
// the validator hands on the value it decoded, which the generated
// handlers bind instead of decoding the JSON a second time.
func Validator(doc *openapi3.T, prefix string) echo.MiddlewareFunc {
	shape := *doc
	shape.OpenAPI = "3.0.3"
	ops := echoRoutes{routes: map[string]*routers.Route{}, paths: map[string]bool{}, query: map[string]map[string]bool{}}
	for path, item := range shape.Paths.Map() {
		ep := prefix + echoPath(path)
		ops.paths[ep] = true
		for method, op := range item.Operations() {
			o := *op
			o.Security = &openapi3.SecurityRequirements{}
			ops.routes[method+" "+ep] = &routers.Route{Spec: &shape, Path: path, PathItem: item, Method: method, Operation: &o}
			names := map[string]bool{}
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					names[p.Value.Name] = true
				}
			}
			ops.query[method+" "+ep] = names
		}
	}
	opts := &oapimw.Options{Options: openapi3filter.Options{
		AuthenticationFunc:  func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		SkipSettingDefaults: true,
		KeepValidatedValue:  true,
	}}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// A query parameter the operation does not have is refused, not
			// ignored: a misspelt filter would otherwise list everything.
			if allowed, ok := ops.query[c.Request().Method+" "+c.Path()]; ok {
				for name := range c.QueryParams() {
					if !allowed[name] {
						return echo.NewHTTPError(http.StatusBadRequest, unknownQuery(name, allowed))
					}
				}
			}
			if err := oapimw.ValidateRequestFromContext(c, matchedRoute{c, ops}, opts); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// echoPath turns an OpenAPI path template into Echo's: /zones/{zoneName}
// into /zones/:zoneName, as oapi-codegen registers it.
func echoPath(p string) string {
	return strings.NewReplacer("{", ":", "}", "").Replace(p)
}

type echoRoutes struct {
	routes map[string]*routers.Route // "METHOD /v1/zones/:zoneName"
	paths  map[string]bool
	query  map[string]map[string]bool // the query parameters of each route
}

// unknownQuery says that the query parameter name is not one of allowed.
func unknownQuery(name string, allowed map[string]bool) string {
	if len(allowed) == 0 {
		return fmt.Sprintf("query parameter %q: this operation takes no query parameters", name)
	}
	names := slices.Sorted(maps.Keys(allowed))
	return fmt.Sprintf("query parameter %q is not one of this operation's: %s", name, strings.Join(names, ", "))
}

// matchedRoute is a routers.Router that answers with the route Echo matched
// for the request of c.
type matchedRoute struct {
	c   echo.Context
	ops echoRoutes
}

func (m matchedRoute) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	path := m.c.Path()
	route, ok := m.ops.routes[req.Method+" "+path]
	if !ok {
		if m.ops.paths[path] {
			return nil, nil, routers.ErrMethodNotAllowed
		}
		return nil, nil, routers.ErrPathNotFound
	}
	// The middleware unescapes the values, which gorilla/mux gave escaped;
	// Echo gives them escaped only when it routed on the escaped path.
	escaped := req.URL.RawPath != ""
	names, values := m.c.ParamNames(), m.c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		v := values[i]
		if !escaped {
			v = url.PathEscape(v)
		}
		params[name] = v
	}
	return route, params, nil
}

// PerOperation gives every operation of doc the middleware mw, as the
// generated RegisterHandlersWithOptions takes it.
func PerOperation(doc *openapi3.T, mw ...echo.MiddlewareFunc) map[string][]echo.MiddlewareFunc {
	out := map[string][]echo.MiddlewareFunc{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			out[op.OperationID] = mw
		}
	}
	return out
}
