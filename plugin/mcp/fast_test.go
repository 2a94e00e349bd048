package mcp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

const getDoc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things/{thingName}:
    get:
      operationId: getThing
      summary: Get a thing
      parameters:
        - {name: thingName, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {name: {type: string}}}
`

// TestAToolCallIsAnsweredAsTheSDKTransportWould: a tools/call of a client
// of an earlier protocol version is served past the SDK's transport, with
// the answer the transport gives; anything else goes to the transport.
func TestAToolCallIsAnsweredAsTheSDKTransportWould(t *testing.T) {
	a, err := New([]byte(getDoc), "/v1")
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	a.Mount(e)
	e.GET("/v1/things/:thingName", func(c echo.Context) error {
		c.Response().Header().Set("ETag", `"7"`)
		return c.JSON(200, map[string]string{"name": c.Param("thingName")})
	})
	call := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"getThing","arguments":{"thingName":"a b"}}}`
	post := func(body string, header ...string) (*httptest.ResponseRecorder, bool) {
		r := httptest.NewRequest("POST", "/v1/mcp", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		probe := r.Clone(r.Context())
		probe.Body = http.NoBody
		if body != "" {
			probe = httptest.NewRequest("POST", "/v1/mcp", strings.NewReader(body))
			probe.Header = r.Header.Clone()
		}
		_, fast := toolCall(probe)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w, fast
	}
	fastW, fast := post(call, "Mcp-Protocol-Version", "2025-06-18")
	slowW, slow := post(call)
	if !fast || slow {
		t.Fatalf("the fast path: %v with a protocol version, %v without", fast, slow)
	}
	var a1, a2 map[string]any
	json.Unmarshal(fastW.Body.Bytes(), &a1)
	json.Unmarshal(slowW.Body.Bytes(), &a2)
	if fastW.Code != slowW.Code || fastW.Header().Get("Content-Type") != slowW.Header().Get("Content-Type") || !reflect.DeepEqual(a1, a2) || a1["result"] == nil {
		t.Errorf("past the transport:\n%d %v %s\nthrough it:\n%d %v %s", fastW.Code, fastW.Header(), fastW.Body, slowW.Code, slowW.Header(), slowW.Body)
	}
	for _, tc := range []struct {
		name, body string
		header     []string
	}{
		{"initialize", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a notification", `{"jsonrpc":"2.0","method":"tools/call","params":{}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a modern request", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, []string{"Mcp-Protocol-Version", "2026-07-28"}},
		{"an unknown version", call, []string{"Mcp-Protocol-Version", "1999-01-01"}},
		{"a session", call, []string{"Mcp-Protocol-Version", "2025-06-18", "Mcp-Session-Id", "x"}},
		{"not JSON", "{", []string{"Mcp-Protocol-Version", "2025-06-18"}},
	} {
		if _, fast := post(tc.body, tc.header...); fast {
			t.Errorf("%s: served past the SDK's transport", tc.name)
		}
	}
}
