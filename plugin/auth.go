package zoneapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/miekg/dns"
)

// token is one API credential from the Corefile. A token with no scope may do
// everything; a scoped one is limited to zones, owner name patterns and
// types, and may be read-only.
type token struct {
	name     string
	digest   [32]byte // SHA-256 of the secret; compared in constant time
	readOnly bool
	zones    []string // lower-case FQDNs; empty is every zone
	names    []string // patterns (path.Match on lower-case FQDNs); empty is every name
	types    []uint16 // empty is every type
}

// full reports whether the token has no scope at all.
func (t *token) full() bool {
	return !t.readOnly && len(t.zones) == 0 && len(t.names) == 0 && len(t.types) == 0
}

// anonymous is the identity of a request when no token is configured and
// the API listens on loopback only.
var anonymous = &token{name: "anonymous"}

func (t *token) zoneAllowed(origin string) bool {
	if len(t.zones) == 0 {
		return true
	}
	for _, z := range t.zones {
		if z == origin {
			return true
		}
	}
	return false
}

// canRead reports whether t may read the zone.
func (t *token) canRead(origin string) bool { return t.zoneAllowed(origin) }

// canWriteZone reports whether t may change anything in the zone, as zone
// operations (create, delete, import, reload) need.
func (t *token) canWriteZone(origin string) bool {
	return !t.readOnly && t.zoneAllowed(origin) && len(t.names) == 0 && len(t.types) == 0
}

// canWrite reports whether t may change the RRset of type typ at owner.
func (t *token) canWrite(origin, owner string, typ uint16) bool {
	if t.readOnly || !t.zoneAllowed(origin) {
		return false
	}
	if len(t.types) > 0 {
		ok := false
		for _, x := range t.types {
			ok = ok || x == typ
		}
		if !ok {
			return false
		}
	}
	if len(t.names) == 0 {
		return true
	}
	owner = strings.ToLower(dns.Fqdn(owner))
	for _, p := range t.names {
		if ok, _ := path.Match(p, owner); ok {
			return true
		}
	}
	return false
}

type tokenKey struct{}

// tokenFrom returns the token of the request.
func tokenFrom(ctx context.Context) *token {
	if t, ok := ctx.Value(tokenKey{}).(*token); ok {
		return t
	}
	return anonymous
}

// authenticate is the API's first middleware: it finds the token of the
// request (Bearer, or the password of Basic for lego's httpreq), or answers
// 401. With no token configured every request is anonymous and may do
// everything; the API then only listens on loopback (see parse).
func (a *apiServer) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cfg := a.cfg.Load()
		p := c.Request().URL.Path
		if len(cfg.tokens) == 0 || p == "/v1/health" || p == "/v1/openapi.yaml" {
			return next(c)
		}
		secret := ""
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if s, ok := strings.CutPrefix(h, "Bearer "); ok {
			secret = strings.TrimSpace(s)
		} else if _, pw, ok := c.Request().BasicAuth(); ok {
			secret = pw
		}
		if secret == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="zoneapi"`)
			return &problem{status: http.StatusUnauthorized, code: "unauthorized", title: "Unauthorized", detail: "no token in the request",
				hint: "Send Authorization: Bearer <token> with a token from the Corefile."}
		}
		d := sha256.Sum256([]byte(secret))
		var found *token
		for _, t := range cfg.tokens {
			if subtle.ConstantTimeCompare(d[:], t.digest[:]) == 1 {
				found = t
			}
		}
		if found == nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="zoneapi", error="invalid_token"`)
			return &problem{status: http.StatusUnauthorized, code: "unauthorized", title: "Unauthorized", detail: "the token is not known",
				hint: "Send a token that the Corefile configures."}
		}
		c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), tokenKey{}, found)))
		return next(c)
	}
}
