package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

const bodyKey = "zoneapi.body"

// limitBody refuses bodies over the limit with 413 before they are read,
// and keeps the body read for Body.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := s.cfg.Load().MaxBody
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

// Body returns the request's body as the server read it.
func Body(c echo.Context) []byte {
	b, _ := c.Get(bodyKey).([]byte)
	return b
}

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
