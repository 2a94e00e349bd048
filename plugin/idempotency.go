package zoneapi

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/labstack/echo/v4"
)

// idempotency remembers the answers to POST and PATCH requests that carried
// an Idempotency-Key, so that a retry gets the first answer and the change is
// applied once. Keys are per token; they live 24 hours, in memory.
type idempotency struct {
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

func newIdempotency() *idempotency {
	return &idempotency{done: expirable.NewLRU[string, *savedResponse](idempotencyKeys, nil, idempotencyTTL), pending: map[string]chan struct{}{}}
}

// idempotent is the middleware. A second request with a key still in
// flight waits for the first; a key reused with another body is refused.
func (a *apiServer) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get("Idempotency-Key")
		if key == "" || (req.Method != http.MethodPost && req.Method != http.MethodPatch) {
			return next(c)
		}
		body, _ := c.Get(bodyKey).([]byte) // limitBody read it already
		sum := sha256.Sum256(body)
		id := tokenFrom(req.Context()).name + "\x00" + req.Method + "\x00" + req.URL.Path + "\x00" + key

		for {
			a.idem.mu.Lock()
			if saved, ok := a.idem.done.Get(id); ok {
				a.idem.mu.Unlock()
				if saved.bodyHash != sum {
					return &problem{status: http.StatusUnprocessableEntity, code: "idempotency-key-reused", title: "Idempotency key reused",
						detail: "this Idempotency-Key was used with another body", hint: "Use a new key for a new request."}
				}
				for k, v := range saved.header {
					c.Response().Header()[k] = v
				}
				c.Response().Header().Set("Idempotent-Replayed", "true")
				return c.Blob(saved.status, saved.header.Get(echo.HeaderContentType), saved.body)
			}
			wait, busy := a.idem.pending[id]
			if !busy {
				a.idem.pending[id] = make(chan struct{})
				a.idem.mu.Unlock()
				break
			}
			a.idem.mu.Unlock()
			<-wait
		}

		rec := &recorder{ResponseWriter: c.Response().Writer, status: http.StatusOK}
		c.Response().Writer = rec
		err := next(c)
		if err != nil {
			c.Error(err) // write the problem now, so that it is recorded
		}
		a.idem.mu.Lock()
		// Only answers that say what happened are kept; a 5xx may be retried.
		if rec.status < 500 {
			a.idem.done.Add(id, &savedResponse{bodyHash: sum, status: rec.status, header: c.Response().Header().Clone(), body: rec.buf.Bytes()})
		}
		close(a.idem.pending[id])
		delete(a.idem.pending, id)
		a.idem.mu.Unlock()
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
