package httpapi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/auth"
)

// ErrIdempotencyKeyReused: an Idempotency-Key came again with another body.
var ErrIdempotencyKeyReused = errors.New("this Idempotency-Key was used with another body")

// Idempotency remembers the answers to POST and PATCH requests that carried
// an Idempotency-Key, so that a retry gets the first answer and the change
// is applied once. Keys are per token; they live 24 hours, in memory.
type Idempotency struct {
	mu      sync.Mutex
	done    *expirable.LRU[string, *savedResponse]
	pending map[string]chan struct{}
}

type savedResponse struct {
	bodyHash [32]byte
	status   int
	header   http.Header
	body     []byte
}

const (
	idempotencyTTL  = 24 * time.Hour
	idempotencyKeys = 10000
)

// NewIdempotency returns an empty memory of answers.
func NewIdempotency() *Idempotency {
	return &Idempotency{done: expirable.NewLRU[string, *savedResponse](idempotencyKeys, nil, idempotencyTTL), pending: map[string]chan struct{}{}}
}

// Middleware is the middleware. A second request with a key still in
// flight waits for the first; a key reused with another body is refused.
func (x *Idempotency) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get("Idempotency-Key")
		if key == "" || (req.Method != http.MethodPost && req.Method != http.MethodPatch) {
			return next(c)
		}
		sum := sha256.Sum256(Body(c))
		id := auth.From(req.Context()).Name + "\x00" + req.Method + "\x00" + req.URL.Path + "\x00" + key
		for {
			x.mu.Lock()
			if saved, ok := x.done.Get(id); ok {
				x.mu.Unlock()
				if saved.bodyHash != sum {
					return ErrIdempotencyKeyReused
				}
				for k, v := range saved.header {
					c.Response().Header()[k] = v
				}
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(saved.status, saved.header.Get(echo.HeaderContentType), saved.body)
			}
			wait, busy := x.pending[id]
			if !busy {
				x.pending[id] = make(chan struct{})
				x.mu.Unlock()
				break
			}
			x.mu.Unlock()
			<-wait
		}

		rec := &recorder{ResponseWriter: c.Response().Writer, status: http.StatusOK}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			c.Error(err) // write the error now, so that it is recorded
		}
		x.mu.Lock()
		// Only answers that say what happened are kept; a 5xx may be retried.
		if rec.status < 500 {
			x.done.Add(id, &savedResponse{bodyHash: sum, status: rec.status, header: c.Response().Header().Clone(), body: rec.buf.Bytes()})
		}
		close(x.pending[id])
		delete(x.pending, id)
		x.mu.Unlock()
		return nil
	}
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}
