package zoneapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	oapimw "github.com/oapi-codegen/echo-middleware"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/plugin/api"
)

// apiConfig is what a Corefile says about the API. A reload swaps it whole.
type apiConfig struct {
	tokens  []*token
	maxBody int64
}

// apiServer is the HTTP control API of one store. It belongs to the store's
// state, not to a plugin instance, so a Corefile reload keeps it listening
// (only a changed listen address restarts it) and keeps every zone.
type apiServer struct {
	st   *state
	cfg  atomic.Pointer[apiConfig]
	echo *echo.Echo
	idem *idempotency

	mu   sync.Mutex
	addr string
	srv  *http.Server
}

// Timeouts of the API's http.Server: a slow or stuck client cannot hold a
// connection or a goroutine for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

func init() {
	// Zone files travel as text/dns, the document as application/yaml: both
	// are strings to the schema.
	openapi3filter.RegisterBodyDecoder("text/dns", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
}

// loadSpec parses and validates the embedded openapi.yaml.
func loadSpec() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return doc, nil
}

// validationSpec is the document the request validator uses: openapi.yaml
// read as OpenAPI 3.0. kin-openapi v0.153 validates a 3.1 document with JSON
// Schema 2020-12 and compiles that validator anew for every request, which
// took 28% of the CPU of a write; its 3.0 validator checks the same request
// schemas, which use no keyword that only 3.1 has (TestRequestSchemasAre30
// keeps it so). Responses, in the tests, are checked in 3.1 mode.
func validationSpec() (*openapi3.T, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	doc.OpenAPI = "3.0.3"
	return doc, nil
}

func newAPIServer(st *state) (*apiServer, error) {
	doc, err := validationSpec()
	if err != nil {
		return nil, err
	}
	a := &apiServer{st: st, idem: newIdempotency()}
	a.cfg.Store(&apiConfig{maxBody: defaultMaxBody})

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpErrorHandler
	e.Use(middleware.Recover())
	e.Use(a.observe)
	e.Use(a.limitBody)
	e.Use(a.authenticate)
	e.Use(requestValidator(doc, "/v1", &oapimw.Options{
		Options: openapi3filter.Options{
			// Authentication is the authenticate middleware's; the scopes
			// are checked by the handlers, which know the zone and name.
			// requestValidator's routes carry no security requirements, so
			// this is never called; it is set for any that would.
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
			// The handlers apply the defaults themselves, so the validator
			// need not write them into a new body.
			SkipSettingDefaults: true,
			// The validator puts the body back as it came, carrying the
			// value it decoded and validated; the generated handlers bind
			// that value instead of decoding the JSON a second time.
			KeepValidatedValue: true,
		},
	}))
	e.Use(changeReason)
	e.Use(a.idempotent)
	// Handler errors go back to Echo, whose error handler makes problems.
	api.RegisterHandlersWithBaseURL(e, api.NewStrictHandler(&handlers{st: st}, nil), "/v1")
	a.echo = e
	return a, nil
}

// configure applies a (new) Corefile's API settings and makes the listener
// serve on addr, starting it or moving it as needed.
func (a *apiServer) configure(addr string, cfg *apiConfig) error {
	a.cfg.Store(cfg)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.srv != nil && a.addr == addr {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("api listen %s: %w", addr, err)
	}
	old := a.srv
	a.srv = &http.Server{
		Handler:           a.echo,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	a.addr = addr
	srv := a.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("api on %s: %v", addr, err)
		}
	}()
	log.Infof("api listening on http://%s/v1", ln.Addr())
	if old != nil {
		go shutdown(old)
	}
	return nil
}

// stop shuts the listener down gracefully: requests in flight finish.
func (a *apiServer) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.srv != nil {
		shutdown(a.srv)
		a.srv = nil
	}
}

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warningf("api shutdown: %v", err)
	}
}

// defaultMaxBody bounds a request body unless max_body says otherwise.
const defaultMaxBody = 8 << 20

// limitBody refuses bodies over the limit with 413 before they are read.
func (a *apiServer) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := a.cfg.Load().maxBody
		req := c.Request()
		if req.ContentLength > limit {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is %d bytes; the limit is %d", req.ContentLength, limit))
		}
		if req.Body != nil && req.Body != http.NoBody {
			body, err := readBody(req, limit)
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "reading the body: "+err.Error())
			}
			if int64(len(body)) > limit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over the limit of %d bytes", limit))
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			c.Set(bodyKey, body)
		}
		return next(c)
	}
}

const bodyKey = "zoneapi.body"

// readBody reads up to limit+1 bytes of the request's body, in one buffer
// of the declared length when there is one.
func readBody(req *http.Request, limit int64) ([]byte, error) {
	r := io.LimitReader(req.Body, limit+1)
	n := req.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(r)
	}
	// One byte more than declared, to see the end without another buffer.
	body := make([]byte, n+1)
	m, err := io.ReadFull(r, body)
	switch {
	case int64(m) == n && (err == io.ErrUnexpectedEOF || err == io.EOF):
		return body[:n], nil
	case err != nil:
		return nil, err
	}
	// Longer than it said: read on, to be refused as too long.
	rest, err := io.ReadAll(r)
	return append(body, rest...), err
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// changeReason puts the X-Change-Reason header (its length and characters
// checked by the spec) into the request's context, for the audit line and
// the commit message.
func changeReason(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := strings.TrimSpace(c.Request().Header.Get("X-Change-Reason")); r != "" {
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), reasonKey{}, r)))
		}
		return next(c)
	}
}
