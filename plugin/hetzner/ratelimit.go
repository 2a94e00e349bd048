package hetzner

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// rateLimit is the middleware of every route.
func (a *API) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return a.limits.Limit(func(c echo.Context) string { return token(c).Name }, func() int { return a.settings.Load().RateLimit }, func(limit int) error {
		return newError(http.StatusTooManyRequests, "rate_limit_exceeded", "the token's limit of %d requests an hour is used up", limit)
	})(next)
}
