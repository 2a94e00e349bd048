// Package apidocs is the API reference page at /docs: Swagger UI, the
// released bundle of npm's swagger-ui-dist (swagger-ui/VERSION) embedded in
// the binary, rendering the document the server serves. It loads nothing
// from elsewhere, so it works offline; its "Try it out" sends requests, with
// the token given to "Authorize", to the server that serves the page.
package apidocs

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"go.yaml.in/yaml/v3"
)

// Base is where the page is served.
const Base = "/docs"

//go:embed index.html init.js swagger-ui/*.gz swagger-ui/VERSION
var files embed.FS

// csp lets the page load only from the server itself.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

// Adapter is the /docs page, an httpapi.Adapter.
type Adapter struct {
	spec    []byte // the document as JSON, its servers the page's own
	version string // of swagger-ui-dist
}

var _ httpapi.Adapter = (*Adapter)(nil)

// New returns the page of the OpenAPI document openapi, whose paths the
// server serves under base (/v1).
func New(openapi []byte, base string) (*Adapter, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("docs: openapi document: %w", err)
	}
	// A relative server URL is resolved against the document's own, so
	// requests go to whichever address served the page.
	doc["servers"] = []any{map[string]any{"url": base, "description": "this server"}}
	spec, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("docs: openapi document: %w", err)
	}
	v, _ := files.ReadFile("swagger-ui/VERSION")
	return &Adapter{spec: spec, version: strings.TrimSpace(string(v))}, nil
}

// Base implements httpapi.Adapter.
func (a *Adapter) Base() string { return Base }

// Mount implements httpapi.Adapter.
func (a *Adapter) Mount(e *echo.Echo) {
	page := func(c echo.Context) error {
		return a.file(c, "index.html", "text/html; charset=utf-8")
	}
	e.GET(Base, page)
	e.GET(Base+"/", page)
	e.GET(Base+"/init.js", func(c echo.Context) error { return a.file(c, "init.js", "text/javascript; charset=utf-8") })
	e.GET(Base+"/openapi.json", func(c echo.Context) error {
		a.headers(c)
		return c.Blob(http.StatusOK, "application/json", a.spec)
	})
	e.GET(Base+"/ui/swagger-ui-bundle.js", func(c echo.Context) error {
		return a.gzipped(c, "swagger-ui/swagger-ui-bundle.js.gz", "text/javascript; charset=utf-8")
	})
	e.GET(Base+"/ui/swagger-ui.css", func(c echo.Context) error {
		return a.gzipped(c, "swagger-ui/swagger-ui.css.gz", "text/css; charset=utf-8")
	})
}

// Public implements httpapi.Adapter: the page needs no token (the
// document is public too); the requests it sends do.
func (a *Adapter) Public(string) bool { return true }

// Error implements httpapi.Adapter.
func (a *Adapter) Error(c echo.Context, err error) {
	code := http.StatusInternalServerError
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
	}
	_ = c.String(code, http.StatusText(code)+"\n")
}

func (a *Adapter) headers(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache")
}

func (a *Adapter) file(c echo.Context, name, ctype string) error {
	data, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	a.headers(c)
	return c.Blob(http.StatusOK, ctype, data)
}

// gzipped serves an embedded gzip file as it is to a client that takes
// gzip (every browser), and decompressed to one that does not.
func (a *Adapter) gzipped(c echo.Context, name, ctype string) error {
	data, err := files.ReadFile(name)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", `"`+a.version+`"`)
	h.Add("Vary", "Accept-Encoding")
	if c.Request().Header.Get("If-None-Match") == `"`+a.version+`"` {
		return c.NoContent(http.StatusNotModified)
	}
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, ctype, data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ctype, plain)
}
