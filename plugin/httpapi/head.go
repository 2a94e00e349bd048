package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// headAsGet answers HEAD as GET without the body (RFC 9110 §9.3.2), for
// every route: a client reads a zone's ETag or checks that a record is
// there without its transfer. The request is routed, validated and
// handled as the GET it stands for.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		// Echo routes by the method of the request it was given, so the
		// request itself stands for a GET while it is served; net/http,
		// which writes the headers once the handler is done, sees HEAD
		// again and sends no body.
		r.Method = http.MethodGet
		defer func() { r.Method = http.MethodHead }()
		c.Response().Writer = headWriter{c.Response().Writer}
		return next(c)
	}
}

// headWriter drops what a handler writes of a body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

// Unwrap lets http.ResponseController reach the connection.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
