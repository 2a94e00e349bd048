package mcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"go.yaml.in/yaml/v3"
)

// tool is one operation of the document as an MCP tool.
type tool struct {
	def      mcp.Tool
	method   string
	path     string   // the operation's path under the base, with {parameters}
	segments []string // path cut at its {parameters}: text, a parameter's name, text, ...
	params   []param  // path, query and header parameters
	bodyType string   // the request body's media type; "" without a body
}

// param is one parameter of an operation.
type param struct {
	name, in string
	array    bool // a query parameter that may repeat
}

// methods are the HTTP methods an OpenAPI path item may have, in the order
// a tool list shows them.
var methods = []string{"get", "put", "post", "patch", "delete", "head", "options", "trace"}

// toolsOf returns a tool for every operation of the OpenAPI document
// spec, whose paths are served under base, by name.
func toolsOf(spec []byte, base string) ([]tool, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("mcp: openapi document: %w", err)
	}
	r := &resolver{doc: doc}
	paths, _ := doc["paths"].(map[string]any)
	var tools []tool
	for path, item := range paths {
		item, _ := item.(map[string]any)
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			t, err := r.tool(base+path, strings.ToUpper(m), item, op)
			if err != nil {
				return nil, fmt.Errorf("mcp: %s %s: %w", strings.ToUpper(m), path, err)
			}
			tools = append(tools, t)
		}
	}
	slices.SortFunc(tools, func(a, b tool) int { return strings.Compare(a.def.Name, b.def.Name) })
	for i := 1; i < len(tools); i++ {
		if tools[i].def.Name == tools[i-1].def.Name {
			return nil, fmt.Errorf("mcp: two operations are %s", tools[i].def.Name)
		}
	}
	return tools, nil
}

// segmentsOf cuts a path at its {parameters}: the text before the first,
// its name, the text up to the next, and so on, the text after the last.
func segmentsOf(path string) []string {
	var out []string
	for {
		before, rest, ok := strings.Cut(path, "{")
		name, after, closed := strings.Cut(rest, "}")
		if !ok || !closed {
			return append(out, path)
		}
		out = append(out, before, name)
		path = after
	}
}

// tool makes the tool of the operation op of the path item.
func (r *resolver) tool(path, method string, item, op map[string]any) (tool, error) {
	name, _ := op["operationId"].(string)
	if name == "" {
		return tool{}, fmt.Errorf("no operationId")
	}
	t := tool{method: method, path: path, segments: segmentsOf(path)}
	props := map[string]any{}
	var required []string
	// The path item's parameters, unless the operation has its own of the
	// same name and place.
	var all []any
	own, _ := op["parameters"].([]any)
	shared, _ := item["parameters"].([]any)
	seen := map[string]bool{}
	for _, p := range own {
		p := r.deref(p)
		seen[str(p, "in")+" "+str(p, "name")] = true
		all = append(all, p)
	}
	for _, p := range shared {
		if p := r.deref(p); !seen[str(p, "in")+" "+str(p, "name")] {
			all = append(all, p)
		}
	}
	for _, p := range all {
		p, _ := p.(map[string]any)
		pname, in := str(p, "name"), str(p, "in")
		if in == "cookie" {
			continue
		}
		schema, _ := r.inline(p["schema"], nil).(map[string]any)
		if schema == nil {
			schema = map[string]any{}
		}
		schema = describe(schema, str(p, "description"))
		props[pname] = schema
		if b, _ := p["required"].(bool); b || in == "path" {
			required = append(required, pname)
		}
		t.params = append(t.params, param{name: pname, in: in, array: schema["type"] == "array"})
	}
	if rb, ok := r.deref(op["requestBody"]).(map[string]any); ok {
		content, _ := rb["content"].(map[string]any)
		t.bodyType = "application/json"
		if _, ok := content[t.bodyType]; !ok {
			types := make([]string, 0, len(content))
			for ct := range content {
				types = append(types, ct)
			}
			slices.Sort(types)
			if len(types) > 0 {
				t.bodyType = types[0]
			}
		}
		media, _ := content[t.bodyType].(map[string]any)
		schema, _ := r.inline(media["schema"], nil).(map[string]any)
		if schema == nil {
			schema = map[string]any{}
		}
		schema = requestOnly(schema)
		desc := str(rb, "description")
		if t.bodyType != "application/json" {
			desc = strings.TrimSpace(desc + " Sent as " + t.bodyType + ".")
		}
		props["body"] = describe(schema, desc)
		if b, _ := rb["required"].(bool); b {
			required = append(required, "body")
		}
	}
	input := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		input["required"] = required
	}
	raw, err := json.Marshal(input)
	if err != nil {
		return tool{}, err
	}
	desc := str(op, "summary")
	if d := str(op, "description"); d != "" {
		desc = strings.TrimSpace(desc + "\n\n" + d)
	}
	t.def = mcp.NewToolWithRawSchema(name, desc, raw)
	t.def.Title = str(op, "summary")
	if out := r.output(op); out != nil {
		if raw, err := json.Marshal(out); err == nil {
			t.def.RawOutputSchema = raw
		}
	}
	readOnly := method == http.MethodGet || method == http.MethodHead
	t.def.Annotations = mcp.ToolAnnotation{
		Title:           str(op, "summary"),
		ReadOnlyHint:    &readOnly,
		DestructiveHint: ptr(method == http.MethodDelete),
		IdempotentHint:  ptr(readOnly || method == http.MethodPut || method == http.MethodDelete),
		OpenWorldHint:   ptr(false),
	}
	return t, nil
}

// output is the schema of the operation's JSON answers, when all of them
// are one object schema: what a tool's structured result is.
func (r *resolver) output(op map[string]any) map[string]any {
	responses, _ := op["responses"].(map[string]any)
	var out map[string]any
	for code, resp := range responses {
		if !strings.HasPrefix(code, "2") {
			continue
		}
		resp, _ := r.deref(resp).(map[string]any)
		content, _ := resp["content"].(map[string]any)
		if len(content) == 0 {
			continue // 204: no body, no structure
		}
		media, ok := content["application/json"].(map[string]any)
		if !ok {
			return nil
		}
		schema, _ := r.inline(media["schema"], nil).(map[string]any)
		if schema == nil || schema["type"] != "object" {
			return nil
		}
		if out != nil && !reflect.DeepEqual(out, schema) {
			return nil
		}
		out = schema
	}
	return out
}

// resolver inlines the references of an OpenAPI document, so that each
// tool's schema stands alone (agents and their models read it whole).
type resolver struct{ doc map[string]any }

// deref returns what v refers to, when it is a reference.
func (r *resolver) deref(v any) any {
	for range 8 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = r.at(ref)
	}
	return v
}

// at returns what a local JSON pointer (#/components/...) points at.
func (r *resolver) at(ref string) any {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var v any = r.doc
	for _, part := range strings.Split(p, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// inline returns a copy of the schema v with its references replaced by
// what they refer to; a reference back into itself (a recursive schema)
// becomes the empty schema, which allows anything.
func (r *resolver) inline(v any, stack []string) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			if slices.Contains(stack, ref) {
				return map[string]any{}
			}
			target := r.inline(r.at(ref), append(stack, ref))
			// Keywords beside the reference (3.1 allows a description)
			// win over the target's.
			if m, ok := target.(map[string]any); ok && len(v) > 1 {
				for k, x := range v {
					if k != "$ref" {
						m[k] = r.inline(x, stack)
					}
				}
			}
			return target
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			if k == "example" || k == "xml" || k == "externalDocs" || k == "discriminator" {
				continue // OpenAPI's, not JSON Schema's
			}
			out[k] = r.inline(x, stack)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = r.inline(x, stack)
		}
		return out
	default:
		return v
	}
}

// requestOnly removes from an (inlined) object schema the properties that
// only answers have (readOnly), which a request does not send.
func requestOnly(s map[string]any) map[string]any {
	props, ok := s["properties"].(map[string]any)
	if ok {
		for k, p := range props {
			if p, ok := p.(map[string]any); ok {
				if ro, _ := p["readOnly"].(bool); ro {
					delete(props, k)
					continue
				}
				props[k] = requestOnly(p)
			}
		}
		if req, ok := s["required"].([]any); ok {
			s["required"] = slices.DeleteFunc(req, func(x any) bool { _, ok := props[fmt.Sprint(x)]; return !ok })
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		s["items"] = requestOnly(items)
	}
	return s
}

// describe gives schema a description, unless it has one.
func describe(schema map[string]any, d string) map[string]any {
	if _, ok := schema["description"]; !ok && d != "" {
		schema["description"] = d
	}
	return schema
}

// str returns the string at key k of v, a map.
func str(v any, k string) string {
	m, _ := v.(map[string]any)
	s, _ := m[k].(string)
	return s
}

func ptr[T any](v T) *T { return &v }
