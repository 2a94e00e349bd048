// Package httpapi is the HTTP listener that every control API shares: one
// Echo server per store, which survives a Corefile reload, with what all
// APIs need (authentication to an auth.Token, a body limit, metrics,
// recovery) and what several may use (OpenAPI request validation,
// Idempotency-Key, X-Change-Reason). Each API is an Adapter mounted at its
// base path, with its own routes and its own error format. It knows
// nothing of zones.
package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/zoneapi/zoneapi/plugin/auth"
)

var log = clog.NewWithPlugin("zoneapi")

// Adapter is one API on the listener: /v1, ACME httpreq, and next the
// Hetzner, PowerDNS and MCP APIs. An adapter depends on the change
// pipeline and on read-only snapshots; the server depends on none of them.
type Adapter interface {
	// Base is the path the adapter serves under, such as /v1.
	Base() string
	// Mount adds the adapter's routes under Base, with the middleware they
	// need (in a group of their own, or per route).
	Mount(e *echo.Echo)
	// Public reports whether a request to path needs no token.
	Public(path string) bool
	// Error writes err, returned by a route or a middleware, in the API's
	// own error format.
	Error(c echo.Context, err error)
}

// Config is what a Corefile says about the listener; a reload swaps it
// whole.
type Config struct {
	Tokens  []*auth.Token // none: every request is auth.Anonymous (loopback only)
	Issued  Issued        // the tokens made through the API; nil: none
	MaxBody int64
	TLS     *TLSFiles // nil: plain HTTP
}

// Issued finds a token made through the API by the secret a request
// sent: nil if there is none, or it expired or was revoked.
type Issued interface {
	Find(secret string) *auth.Token
}

// DefaultMaxBody bounds a request body unless max_body says otherwise.
const DefaultMaxBody = 8 << 20

// LongWrite is the time an operation that may sign a whole zone (signing
// 1,000,000 records takes minutes) has to write its answer, instead of
// writeTimeout: the answer comes once the change is served.
const LongWrite = 30 * time.Minute

// Long is the middleware of such an operation: it moves the connection's
// write deadline LongWrite ahead.
func Long(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(LongWrite))
		return next(c)
	}
}

// Timeouts of the http.Server: a slow or stuck client cannot hold a
// connection or a goroutine for long.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 10 * time.Second
)

// Server is the listener of one store. It belongs to the store, not to a
// plugin instance, so a Corefile reload keeps it listening (only a
// changed listen address restarts it).
type Server struct {
	cfg      atomic.Pointer[Config]
	echo     *echo.Echo
	adapters []Adapter // by base path, longest first

	mu    sync.Mutex
	addr  string
	tls   *TLSFiles // what srv serves with
	certs atomic.Pointer[certSource]
	srv   *http.Server
}

// New returns a server of the adapters, not listening yet (Configure).
func New(adapters ...Adapter) *Server {
	s := &Server{}
	s.cfg.Store(&Config{MaxBody: DefaultMaxBody})
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Pre(headAsGet)
	e.Use(middleware.Recover())
	e.Use(s.observe)
	e.Use(s.limitBody)
	e.Use(s.authenticate)
	for _, a := range adapters {
		a.Mount(e)
		if d, ok := a.(Dispatcher); ok {
			d.SetDispatch(s.dispatch)
		}
	}
	s.adapters = slices.Clone(adapters)
	slices.SortStableFunc(s.adapters, func(a, b Adapter) int { return len(b.Base()) - len(a.Base()) })
	s.echo = e
	return s
}

// Dispatcher is an adapter that serves requests of its own making in
// process (the MCP endpoint: a tool call is the operation's request):
// SetDispatch gives it the function that serves them.
type Dispatcher interface {
	SetDispatch(func(w http.ResponseWriter, r *http.Request, body []byte))
}

// dispatch serves r, made in process while the listener serves a request
// whose context r carries (its token), as the listener serves any
// request, but for the outer request's middleware: that has recovered
// panics, bounded the body (body is r's, no larger) and authenticated
// it. r is routed (HEAD as GET), counted and timed by its operation, and
// its errors written in its adapter's format; a panic is such an error
// (500), for the call alone, as the listener's Recover makes it.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, body []byte) {
	e := s.echo
	c := e.AcquireContext()
	defer e.ReleaseContext(c)
	c.Reset(r, w)
	if body != nil {
		c.Set(bodyKey, body)
	}
	h := recoverCall(headAsGet(s.observe(func(c echo.Context) error {
		e.Router().Find(c.Request().Method, echo.GetPath(c.Request()), c)
		return c.Handler()(c)
	})))
	if err := h(c); err != nil {
		e.HTTPErrorHandler(err, c)
	}
}

// recoverCall is the listener's Recover for requests served by dispatch.
var recoverCall = middleware.Recover()

// Handler is the server's HTTP handler, for tests.
func (s *Server) Handler() http.Handler { return s.echo }

// adapterFor returns the adapter whose base is the longest prefix of path,
// or else the one with the shortest base (/v1), whose errors then say that
// there is no such path.
func (s *Server) adapterFor(path string) Adapter {
	for _, a := range s.adapters {
		if b := a.Base(); path == b || strings.HasPrefix(path, b+"/") {
			return a
		}
	}
	if len(s.adapters) == 0 {
		return nil
	}
	return s.adapters[len(s.adapters)-1]
}

// handleError is Echo's error handler: the adapter of the path writes the
// error in its own format.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if a := s.adapterFor(c.Request().URL.Path); a != nil {
		a.Error(c, err)
		return
	}
	c.String(http.StatusInternalServerError, err.Error())
}

// SetConfig takes a (new) Corefile's settings; new TLS files take effect
// with the next Listen.
func (s *Server) SetConfig(cfg Config) { s.cfg.Store(&cfg) }

// Listen makes the server listen on addr, over TLS if the configuration
// says so, starting it or moving it there as needed: a listener whose
// address and TLS files stay keeps serving (a file changed on disk is read
// again by itself).
func (s *Server) Listen(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := s.cfg.Load().TLS
	if s.srv != nil && s.addr == addr && sameTLS(s.tls, want) {
		return nil
	}
	var certs *certSource
	if want != nil {
		var err error
		if certs, err = newCertSource(*want); err != nil {
			return fmt.Errorf("api: %w", err)
		}
	}
	if s.srv != nil && s.addr == addr { // the same address, other TLS: rebind
		shutdown(s.srv)
		s.srv = nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("api listen %s: %w", addr, err)
	}
	scheme := "http"
	if certs != nil {
		s.certs.Store(certs)
		ln = tls.NewListener(ln, &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return s.certs.Load().config(), nil
		}})
		scheme = "https"
	}
	s.tls = want
	old := s.srv
	s.srv = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	s.addr = addr
	srv := s.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Errorf("api on %s: %v", addr, err)
		}
	}()
	log.Infof("api listening on %s://%s", scheme, ln.Addr())
	if old != nil {
		go shutdown(old)
	}
	return nil
}

// Stop shuts the listener down gracefully: requests in flight finish.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		shutdown(s.srv)
		s.srv = nil
	}
}

func sameTLS(a, b *TLSFiles) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func shutdown(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warningf("api shutdown: %v", err)
	}
}
