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
    delete:
      operationId: deleteThing
      summary: Delete a thing
      parameters:
        - {name: thingName, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: gone}
  /things:
    get:
      operationId: listThings
      summary: List things
      parameters:
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: string}}
    post:
      operationId: makeThing
      summary: Make a thing
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object}
`

// TestAToolCallIsAnsweredAsTheSDKTransportWould: a tools/call of a client
// of an earlier protocol version is served past the SDK's transport, a
// plain one past the SDK's message handling too, with the answer the
// transport gives; anything else goes to the transport.
func TestAToolCallIsAnsweredAsTheSDKTransportWould(t *testing.T) {
	a, err := New([]byte(getDoc), "/v1")
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	a.Mount(e)
	e.GET("/v1/things/:thingName", func(c echo.Context) error {
		if c.Param("thingName") == "missing" {
			c.Response().Header().Set("Content-Type", "application/problem+json")
			return c.String(404, `{"status":404,"code":"not-found","detail":"no <thing> & no \"other\""}`)
		}
		c.Response().Header().Set("ETag", `"7"`)
		return c.JSON(200, map[string]string{"name": c.Param("thingName"), "html": "<b>&</b>", "unicode": "é\u2028"})
	})
	e.DELETE("/v1/things/:thingName", func(c echo.Context) error { return c.NoContent(204) })
	e.GET("/v1/things", func(c echo.Context) error { return c.JSON(200, append([]string{"a", "b"}, c.QueryParams()["tag"]...)) })
	e.POST("/v1/things", func(c echo.Context) error {
		var body any
		if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
			return c.String(400, err.Error())
		}
		return c.JSON(200, map[string]any{"got": body})
	})
	post := func(body string, header ...string) (w *httptest.ResponseRecorder, fast, plain bool) {
		r := httptest.NewRequest("POST", "/v1/mcp", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", "application/json, text/event-stream")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		probe := httptest.NewRequest("POST", "/v1/mcp", strings.NewReader(body))
		probe.Header = r.Header.Clone()
		_, msg, fast := toolCall(probe, nil)
		if fast {
			_, plain = a.plain(msg)
		}
		w = httptest.NewRecorder()
		e.ServeHTTP(w, r)
		return w, fast, plain
	}
	call := func(id, name, args string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
	}
	for _, tc := range []struct {
		name, body string
		plain      bool
	}{
		{"an answer with structured content", call("3", "getThing", `{"thingName":"a b"}`), true},
		{"a string id", call(`"x\"y"`, "getThing", `{"thingName":"a"}`), true},
		{"a large id", call("12345678901", "getThing", `{"thingName":"a"}`), true},
		{"an answer without output schema", call("4", "listThings", `{}`), true},
		{"an answer without a body", call("5", "deleteThing", `{"thingName":"a"}`), true},
		{"a problem", call("6", "getThing", `{"thingName":"missing"}`), true},
		{"an argument the tool does not have", call("7", "getThing", `{"thingName":"a","other":1}`), true},
		{"a missing argument", call("8", "getThing", `{}`), true},
		{"no arguments", `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"getThing"}}`, true},
		{"a number as an argument", call("14", "getThing", `{"thingName":-1.5e3}`), true},
		{"an escaped argument", call("15", "getThing", `{"thing\u004eame":"\u00e9\"\n"}`), true},
		{"an array as an argument", call("16", "listThings", `{"tag":["x","y"]}`), true},
		{"a body", call("17", "makeThing", `{"body":{"z":[1,{"b":null}],"a":"é","a":true}}`), true},
		{"keys in other case", `{"JSONRPC":"2.0","Id":18,"METHOD":"tools/call","Params":{"NAME":"getThing","Arguments":{"thingName":"a"}}}`, true},
		{"keys twice", `{"jsonrpc":"2.0","id":1,"id":19,"method":"x","method":"tools/call","params":{"name":"listThings","arguments":{"thingName":"a"}},"params":{"name":"getThing","arguments":{"thingName":"b"}}}`, true},
		{"null fields", `{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"getThing","arguments":{"thingName":"a"},"_meta":null,"task":null}}`, true},
		{"an unknown tool", call("10", "noSuchThing", `{}`), false},
		{"a progress token", `{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"getThing","arguments":{"thingName":"a"},"_meta":{"progressToken":"p"}}}`, false},
		{"another JSON-RPC", `{"jsonrpc":"1.0","id":12,"method":"tools/call","params":{"name":"getThing","arguments":{"thingName":"a"}}}`, false},
		{"a task", `{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"getThing","arguments":{"thingName":"a"},"task":{"ttl":1000}}}`, false},
		{"an object as id", call(`{"a":1}`, "getThing", `{"thingName":"a"}`), false},
	} {
		fastW, fast, plain := post(tc.body, "Mcp-Protocol-Version", "2025-06-18")
		slowW, slow, _ := post(tc.body)
		if !fast || slow || plain != tc.plain {
			t.Errorf("%s: past the transport %v with a protocol version, %v without; plain %v", tc.name, fast, slow, plain)
		}
		var a1, a2 any
		json.Unmarshal(fastW.Body.Bytes(), &a1)
		json.Unmarshal(slowW.Body.Bytes(), &a2)
		if fastW.Code != slowW.Code || fastW.Header().Get("Content-Type") != slowW.Header().Get("Content-Type") || !reflect.DeepEqual(a1, a2) || a1 == nil {
			t.Errorf("%s: past the transport:\n%d %v %s\nthrough it:\n%d %v %s", tc.name, fastW.Code, fastW.Header(), fastW.Body, slowW.Code, slowW.Header(), slowW.Body)
		}
	}
	for _, tc := range []struct {
		name, body string
		header     []string
	}{
		{"arguments not an object", call("1", "getThing", `[1]`), []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"initialize", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a notification", `{"jsonrpc":"2.0","method":"tools/call","params":{}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a modern request", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`, []string{"Mcp-Protocol-Version", "2026-07-28"}},
		{"an unknown version", call("1", "getThing", `{}`), []string{"Mcp-Protocol-Version", "1999-01-01"}},
		{"a session", call("1", "getThing", `{}`), []string{"Mcp-Protocol-Version", "2025-06-18", "Mcp-Session-Id", "x"}},
		{"not JSON", "{", []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"not UTF-8", call("1", "getThing", "{\"thingName\":\"\xff\"}"), []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a method not a string", `{"jsonrpc":"2.0","id":1,"method":5,"params":{}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"params not an object", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"_meta not an object", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getThing","_meta":1}}`, []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a number out of range", call("1", "getThing", `{"thingName":1e999}`), []string{"Mcp-Protocol-Version", "2025-06-18"}},
		{"a batch", "[" + call("1", "getThing", `{}`) + "]", []string{"Mcp-Protocol-Version", "2025-06-18"}},
	} {
		if _, fast, _ := post(tc.body, tc.header...); fast {
			t.Errorf("%s: served past the SDK's transport", tc.name)
		}
	}
}

// httpMeta is _meta's "http" as encoding/json would write it.
type httpMeta struct {
	Status             int    `json:"status"`
	ETag               string `json:"etag,omitempty"`
	Location           string `json:"location,omitempty"`
	ContentType        string `json:"content-type,omitempty"`
	RateLimitRemaining string `json:"ratelimit-remaining,omitempty"`
	RetryAfter         string `json:"retry-after,omitempty"`
}

// TestMetaAsJSON: a result's _meta and text, written without
// encoding/json, are what it would write, whatever the header values and
// the body hold.
func TestMetaAsJSON(t *testing.T) {
	for _, v := range []string{"", `"7"`, `W/"a\\b"`, "/v1/zones/a.example", "<b>&</b>", "é\u2028\u2029", "tab\tnl\n\x01", "bad \xff utf-8", "10"} {
		h := http.Header{}
		h.Set("ETag", v)
		h.Set("Location", v+"x")
		h.Set("RateLimit-Remaining", v)
		h.Set("Retry-After", v)
		got := appendMeta(nil, 201, h, v)
		want, _ := json.Marshal(httpMeta{Status: 201, ETag: v, Location: v + "x", ContentType: v, RateLimitRemaining: v, RetryAfter: v})
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%q: %s: %v", v, got, err)
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%q: %s, encoding/json %s", v, got, want)
		}
		text := appendAnswer(nil, json.RawMessage("1"), outcome{text: v})
		var answer struct {
			Result struct {
				Content []struct{ Text string }
			}
		}
		if err := json.Unmarshal(text, &answer); err != nil || len(answer.Result.Content) != 1 {
			t.Fatalf("%q: %s: %v", v, text, err)
		}
		var wantText string
		data, _ := json.Marshal(v)
		json.Unmarshal(data, &wantText)
		if answer.Result.Content[0].Text != wantText {
			t.Errorf("%q: text %q, encoding/json %q", v, answer.Result.Content[0].Text, wantText)
		}
	}
}
