package apidocs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	spec "github.com/zoneapi/zoneapi"
)

func serve(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	a, err := New(spec.OpenAPI, "/v1")
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	a.Mount(e)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestTheBundleIsSentGzippedOrPlain(t *testing.T) {
	gz := serve(t, "/docs/ui/swagger-ui-bundle.js", "Accept-Encoding", "gzip, br")
	plain := serve(t, "/docs/ui/swagger-ui-bundle.js")
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" || gz.Body.Len() > 600000 {
		t.Errorf("to a client of gzip: %d %v, %d bytes", gz.Code, gz.Header(), gz.Body.Len())
	}
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Body.String(), "SwaggerUIBundle") {
		t.Errorf("to a client without gzip: %d %v", plain.Code, plain.Header())
	}
	etag := gz.Header().Get("ETag")
	if again := serve(t, "/docs/ui/swagger-ui-bundle.js", "If-None-Match", etag); etag == "" || again.Code != http.StatusNotModified {
		t.Errorf("ETag %q: a second fetch got %d", etag, again.Code)
	}
}

func TestTheDocumentNamesThisServer(t *testing.T) {
	rec := serve(t, "/docs/openapi.json")
	var doc struct {
		Servers []struct{ URL string }
		Paths   map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/v1" || doc.Paths["/zones"] == nil {
		t.Errorf("servers %v, %d paths", doc.Servers, len(doc.Paths))
	}
	if page := serve(t, "/docs"); !strings.Contains(page.Body.String(), "/docs/ui/swagger-ui-bundle.js") || page.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("the page: %s %v", page.Body, page.Header())
	}
}
