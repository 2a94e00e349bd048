package httpapi

import (
	"strconv"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	apiRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "api_requests_total",
		Help:      "API requests by operation and status code.",
	}, []string{"operation", "status"})

	apiDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "api_request_duration_seconds",
		Help:      "Time to answer an API request, by operation.",
		Buckets:   prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"operation"})
)

// observe counts and times every request by operation (the route) and
// status.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
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
