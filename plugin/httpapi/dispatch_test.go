package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// inner is an adapter that, as the MCP endpoint does, serves each of its
// requests by making another and dispatching it in process.
type inner struct {
	dispatch func(w http.ResponseWriter, r *http.Request, body []byte)
}

func (a *inner) Base() string       { return "/t" }
func (a *inner) Public(string) bool { return true }
func (a *inner) Error(c echo.Context, err error) {
	code := http.StatusInternalServerError
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
	}
	_ = c.String(code, "problem: "+err.Error())
}
func (a *inner) SetDispatch(d func(w http.ResponseWriter, r *http.Request, body []byte)) {
	a.dispatch = d
}
func (a *inner) Mount(e *echo.Echo) {
	e.POST("/t/outer", func(c echo.Context) error {
		body := Body(c)
		r := httptest.NewRequest(http.MethodPost, "/t/"+string(body), strings.NewReader(string(body))).WithContext(c.Request().Context())
		w := httptest.NewRecorder()
		a.dispatch(w, r, body)
		return c.String(http.StatusOK, w.Result().Status+" "+w.Body.String())
	})
	e.POST("/t/echo", func(c echo.Context) error { return c.String(http.StatusCreated, "got "+string(Body(c))) })
	e.POST("/t/panic", func(echo.Context) error { panic("boom") })
}

// TestDispatchServesAsTheListener: a request dispatched in process is
// routed, handled with the body it was given, and its errors, a panic
// among them, are its own answer, not the outer request's.
func TestDispatchServesAsTheListener(t *testing.T) {
	s := New(&inner{})
	for body, want := range map[string]string{
		"echo":   "201 Created got echo",
		"panic":  "500 Internal Server Error problem: boom",
		"nosuch": "404 Not Found problem: code=404, message=Not Found",
	} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/t/outer", strings.NewReader(body)))
		got, _ := io.ReadAll(w.Body)
		if w.Code != http.StatusOK || string(got) != want {
			t.Errorf("%s: %d %q, want 200 %q", body, w.Code, got, want)
		}
	}
}
