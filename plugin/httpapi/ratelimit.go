package httpapi

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Limiter counts each token's requests in a bucket as Hetzner does: a
// token may make a limit of requests an hour, refilled continuously, and
// every answer carries RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset (the Unix time at which the bucket is full again).
type Limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter with every bucket full.
func NewLimiter() *Limiter { return &Limiter{buckets: map[string]*bucket{}} }

// Take takes one request from name's bucket of limit an hour; it returns
// whether there was one, what is left and when the bucket is full.
func (l *Limiter) Take(name string, limit int, now time.Time) (ok bool, remaining int, reset time.Time) {
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

// Limit is the middleware that takes a request of the caller's token from
// l, limit(c) an hour (0: no limit), with the RateLimit headers on every
// answer; past the limit it returns refuse(limit), with Retry-After.
func (l *Limiter) Limit(name func(c echo.Context) string, limit func() int, refuse func(limit int) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			n := limit()
			if n <= 0 {
				return next(c)
			}
			now := time.Now()
			ok, remaining, reset := l.Take(name(c), n, now)
			h := c.Response().Header()
			h.Set("RateLimit-Limit", strconv.Itoa(n))
			h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
			h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			if !ok {
				h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(3600/float64(n))))))
				return refuse(n)
			}
			return next(c)
		}
	}
}
