package zoneapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"
	oapimw "github.com/oapi-codegen/echo-middleware"
)

// requestValidator checks every request against openapi.yaml: kin-openapi
// validates it, through oapi-codegen's Echo middleware, against the
// operation of the route Echo matched. The middleware's own way, kin-openapi's
// gorilla/mux router, matched every request again with regular expressions
// and copied it to take the /v1 prefix off: about 7 µs and 2.5 KB a
// request, 8% of the CPU a durable write costs (BenchmarkUpsertCPU).
//
// The routes it validates against carry no security requirements:
// authentication is the authenticate middleware's, which runs first, and
// kin-openapi's pass over them only read the body once more, for an
// authentication function with nothing to check.
func requestValidator(doc *openapi3.T, prefix string, opts *oapimw.Options) echo.MiddlewareFunc {
	ops := echoRoutes{routes: map[string]*routers.Route{}, paths: map[string]bool{}}
	for path, item := range doc.Paths.Map() {
		ep := prefix + echoPath(path)
		ops.paths[ep] = true
		for method, op := range item.Operations() {
			shape := *op
			shape.Security = &openapi3.SecurityRequirements{}
			ops.routes[method+" "+ep] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: &shape}
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
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
