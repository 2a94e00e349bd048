package zoneapi

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// observe counts and times every API request by operation (the route) and
// status.
func (a *apiServer) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		op := c.Request().Method + " " + c.Path()
		if c.Path() == "" {
			op = "unmatched"
		}
		apiRequests.WithLabelValues(op, strconv.Itoa(c.Response().Status)).Inc()
		apiDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
		return nil
	}
}
