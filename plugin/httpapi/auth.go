package httpapi

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/auth"
)

// The two ways a request fails authentication; adapters say them in their
// own format (401).
var (
	ErrNoToken      = errors.New("no token in the request")
	ErrUnknownToken = errors.New("the token is not known")
)

// authenticate finds the token of the request (Bearer, the password of
// Basic, as lego's httpreq sends it, or X-API-Key, as PowerDNS's clients do) and puts it in the request's context
// (auth.From), or refuses the request. With no token configured every
// request is auth.Anonymous and may do everything; the API then only
// listens on loopback (the Corefile's parse refuses anything else).
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		cfg := s.cfg.Load()
		path := c.Request().URL.Path
		if len(cfg.Tokens) == 0 {
			return next(c)
		}
		// A request the process makes on behalf of an authenticated one
		// (an MCP tool call) is that one's: no request from outside comes
		// with a context that carries a token.
		if auth.Carried(c.Request().Context()) {
			return next(c)
		}
		if a := s.adapterFor(path); a != nil && a.Public(path) {
			return next(c)
		}
		secret := ""
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if s, ok := strings.CutPrefix(h, "Bearer "); ok {
			secret = strings.TrimSpace(s)
		} else if _, pw, ok := c.Request().BasicAuth(); ok {
			secret = pw
		} else if k := c.Request().Header.Get("X-API-Key"); k != "" {
			secret = k // PowerDNS's clients send the key so
		}
		if secret == "" {
			// A client certificate that the TLS handshake verified stands
			// for the token that names its subject.
			if st := c.Request().TLS; st != nil && len(st.VerifiedChains) > 0 {
				found := auth.ByCertificate(cfg.Tokens, st.VerifiedChains[0][0])
				if found == nil {
					return ErrCertNoToken
				}
				c.SetRequest(c.Request().WithContext(auth.With(c.Request().Context(), found)))
				return next(c)
			}
		}
		if secret == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="zoneapi"`)
			return ErrNoToken
		}
		found := auth.Find(cfg.Tokens, secret)
		if found == nil && cfg.Issued != nil {
			found = cfg.Issued.Find(secret)
		}
		if found == nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="zoneapi", error="invalid_token"`)
			return ErrUnknownToken
		}
		c.SetRequest(c.Request().WithContext(auth.With(c.Request().Context(), found)))
		return next(c)
	}
}
