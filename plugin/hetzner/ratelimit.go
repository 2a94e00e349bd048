package hetzner

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// limiter counts each token's requests in a bucket as Hetzner does: a
// token may make RateLimit requests an hour, refilled continuously, and
// every answer carries RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset (the Unix time at which the bucket is full again).
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*bucket{}} }

// take takes one request from name's bucket of limit an hour; it returns
// whether there was one, what is left and when the bucket is full.
func (l *limiter) take(name string, limit int, now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rate := float64(limit) / 3600 // per second
	b, found := l.buckets[name]
	if !found {
		b = &bucket{tokens: float64(limit), at: now}
		l.buckets[name] = b
	}
	b.tokens = math.Min(float64(limit), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		ok = true
	}
	missing := float64(limit) - b.tokens
	reset = now.Add(time.Duration(missing / rate * float64(time.Second)))
	return ok, int(b.tokens), reset
}

// rateLimit is the middleware of every route.
func (a *API) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := a.settings.Load().RateLimit
		if limit <= 0 {
			return next(c)
		}
		ok, remaining, reset := a.limits.take(token(c).Name, limit, time.Now())
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if !ok {
			return newError(http.StatusTooManyRequests, "rate_limit_exceeded", "the token's limit of %d requests an hour is used up", limit)
		}
		return next(c)
	}
}
