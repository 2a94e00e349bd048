package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	spec "github.com/zoneapi/zoneapi"
)

// BenchmarkRequestValidation measures the request validator alone: an
// upsertRecord request through it to a handler that does nothing.
func BenchmarkRequestValidation(b *testing.B) {
	doc, err := LoadSpec(spec.OpenAPI)
	if err != nil {
		b.Fatal(err)
	}
	e := echo.New()
	e.POST("/v1/zones/:zoneName/records", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, Validator(doc, "/v1"))
	body := `{"type":"A","name":"bench1","value":"192.0.2.1","ttl":300}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/v1/zones/example.org/records", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
