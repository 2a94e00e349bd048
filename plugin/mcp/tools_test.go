package mcp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	spec "github.com/zoneapi/zoneapi"
)

// A document of two operations, one of which is new to the tools: it
// becomes a tool by being in the document, with no code.
const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things/{thingName}:
    parameters:
      - $ref: '#/components/parameters/ThingName'
    put:
      operationId: putThing
      summary: Put a thing
      description: Puts it.
      parameters:
        - name: If-Match
          in: header
          schema: {type: string}
        - name: tag
          in: query
          schema: {type: array, items: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /brand-new:
    post:
      operationId: brandNewOperation
      summary: Appeared in the document today
      requestBody:
        content:
          text/dns:
            schema: {type: string}
      responses:
        '204': {description: done}
components:
  parameters:
    ThingName:
      name: thingName
      in: path
      required: true
      description: The thing.
      schema: {type: string}
  schemas:
    Thing:
      type: object
      required: [id, size]
      properties:
        id: {type: string, readOnly: true}
        size: {$ref: '#/components/schemas/Size'}
        parts: {type: array, items: {$ref: '#/components/schemas/Thing'}}
    Size: {type: integer, minimum: 1, example: 3}
`

func TestEveryOperationIsATool(t *testing.T) {
	tools, err := toolsOf([]byte(doc), "/v1")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.def.Name)
	}
	if !slices.Equal(names, []string{"brandNewOperation", "putThing"}) {
		t.Fatalf("tools %v", names)
	}
	put := tools[1]
	if put.def.Description != "Put a thing\n\nPuts it." || put.method != "PUT" || put.path != "/v1/things/{thingName}" {
		t.Errorf("putThing: %q %s %s", put.def.Description, put.method, put.path)
	}
	var in struct {
		Properties map[string]map[string]any
		Required   []string
	}
	if err := json.Unmarshal(put.def.RawInputSchema, &in); err != nil {
		t.Fatal(err)
	}
	if in.Properties["thingName"]["description"] != "The thing." || !slices.Equal(in.Required, []string{"thingName", "body"}) {
		t.Errorf("the path item's parameter: %v, required %v", in.Properties["thingName"], in.Required)
	}
	body := in.Properties["body"]
	props := body["properties"].(map[string]any)
	if _, ok := props["id"]; ok {
		t.Errorf("a readOnly property is in the request's schema: %v", body)
	}
	if size := props["size"].(map[string]any); size["minimum"] != 1.0 || size["example"] != nil {
		t.Errorf("the reference is not inlined as JSON Schema: %v", size)
	}
	if parts := props["parts"].(map[string]any)["items"].(map[string]any); len(parts) != 0 {
		t.Errorf("a recursive reference: want the empty schema, got %v", parts)
	}
	if req := body["required"].([]any); !slices.Equal(req, []any{"size"}) {
		t.Errorf("required keeps a readOnly property: %v", req)
	}
	if put.def.RawOutputSchema == nil || !strings.Contains(string(put.def.RawOutputSchema), `"id"`) {
		t.Errorf("output schema: %s", put.def.RawOutputSchema)
	}
	if ro := put.def.Annotations.ReadOnlyHint; ro == nil || *ro || !*put.def.Annotations.IdempotentHint {
		t.Errorf("annotations of a PUT: %+v", put.def.Annotations)
	}
	if tools[0].bodyType != "text/dns" || tools[0].def.RawOutputSchema != nil {
		t.Errorf("brandNewOperation: body %q, output %s", tools[0].bodyType, tools[0].def.RawOutputSchema)
	}
}

func TestACallIsTheOperationsRequest(t *testing.T) {
	tools, err := toolsOf([]byte(doc), "/v1")
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := tools[1].request(context.Background(), map[string]any{
		"thingName": "a b", "If-Match": `"7"`, "tag": []any{"x", "y"}, "body": map[string]any{"size": 2.0},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(r.Body)
	if r.Method != "PUT" || r.URL.EscapedPath() != "/v1/things/a%20b" || r.URL.RawQuery != "tag=x&tag=y" ||
		r.Header.Get("If-Match") != `"7"` || r.Header.Get("Content-Type") != "application/json" || string(data) != `{"size":2}` {
		t.Errorf("request: %s %s?%s %v %s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, data)
	}
	r, _, _ = tools[0].request(context.Background(), map[string]any{"body": "@ IN A 192.0.2.1\n"})
	data, _ = io.ReadAll(r.Body)
	if r.Header.Get("Content-Type") != "text/dns" || string(data) != "@ IN A 192.0.2.1\n" {
		t.Errorf("a text body: %v %q", r.Header, data)
	}
	for _, args := range []map[string]any{{"body": map[string]any{}}, {"thingName": "a", "nosuch": 1}} {
		if _, _, err := tools[1].request(context.Background(), args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestTheToolsOfOpenAPIYAML: the served document gives a tool for each
// of its operations.
func TestTheToolsOfOpenAPIYAML(t *testing.T) {
	tools, err := toolsOf(spec.OpenAPI, "/v1")
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(string(spec.OpenAPI), "operationId:")
	if len(tools) != n {
		t.Errorf("%d tools for %d operations", len(tools), n)
	}
	for _, tl := range tools {
		if tl.def.Description == "" || !json.Valid(tl.def.RawInputSchema) {
			t.Errorf("%s: description %q, schema %s", tl.def.Name, tl.def.Description, tl.def.RawInputSchema)
		}
		if ro := *tl.def.Annotations.ReadOnlyHint; ro != (tl.method == http.MethodGet) {
			t.Errorf("%s: readOnlyHint %v for %s", tl.def.Name, ro, tl.method)
		}
	}
}
