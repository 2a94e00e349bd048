package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/tidwall/gjson"
	"github.com/zoneapi/zoneapi/plugin/problem"
)

// handler serves a call of t through the SDK.
func (a *Adapter) handler(t tool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return a.call(ctx, t, req.GetArguments(), newRecorder()).result(), nil
	}
}

// call serves a call of t with args: the operation's request, made from
// the arguments and served by the listener in-process with the context of
// the MCP request (which carries its token), and its answer as the
// outcome, which refers to w until w is used again.
func (a *Adapter) call(ctx context.Context, t tool, args map[string]any, w *recorder) outcome {
	r, body, err := t.request(ctx, args)
	if err != nil {
		return errorOutcome(err)
	}
	if a.dispatch != nil {
		a.dispatch(w, r, body)
	} else {
		a.api.ServeHTTP(w, r)
	}
	return t.outcome(w)
}

// request makes the HTTP request of a call of t with args, and returns
// its body too.
func (t tool) request(ctx context.Context, args map[string]any) (*http.Request, []byte, error) {
	for k := range args {
		if k != "body" && !slices.ContainsFunc(t.params, func(p param) bool { return p.name == k }) {
			return nil, nil, &problem.Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request",
				Detail: fmt.Sprintf("%s has no argument %q", t.def.Name, k), Pointer: "/" + k,
				Hint: "Send only the arguments of the tool's input schema."}
		}
	}
	var query url.Values
	var header http.Header
	for _, p := range t.params {
		v, ok := args[p.name]
		if !ok || v == nil {
			continue
		}
		switch p.in {
		case "query":
			if query == nil {
				query = url.Values{}
			}
			if list, ok := v.([]any); ok && p.array {
				for _, x := range list {
					query.Add(p.name, text(x))
				}
			} else {
				query.Set(p.name, text(v))
			}
		case "header":
			if header == nil {
				header = http.Header{}
			}
			header.Set(p.name, text(v))
		}
	}
	var path strings.Builder
	path.Grow(len(t.path) + 64)
	for i, s := range t.segments {
		if i%2 == 0 {
			path.WriteString(s)
			continue
		}
		v := args[s]
		if v == nil || !slices.ContainsFunc(t.params, func(p param) bool { return p.in == "path" && p.name == s }) {
			return nil, nil, &problem.Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request",
				Detail: fmt.Sprintf("%s needs the argument %q", t.def.Name, s), Pointer: "/" + s,
				Hint: "Send every required argument of the tool's input schema."}
		}
		path.WriteString(url.PathEscape(text(v)))
	}
	var body io.Reader = http.NoBody
	var data []byte
	contentType := ""
	if b, ok := args["body"]; ok && t.bodyType != "" {
		if s, isText := b.(string); isText && t.bodyType != "application/json" {
			data = []byte(s)
		} else {
			var err error
			if data, err = json.Marshal(b); err != nil {
				return nil, nil, err
			}
		}
		body = bytes.NewReader(data)
		contentType = t.bodyType
	}
	u := path.String()
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	r, err := http.NewRequestWithContext(ctx, t.method, u, body)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		r.Header[k] = v
	}
	if contentType != "" {
		r.Header["Content-Type"] = []string{contentType}
	}
	r.Header["Accept"] = acceptAny
	if addr, ok := ctx.Value(remoteKey{}).(string); ok {
		r.RemoteAddr = addr
	}
	return r, data, nil
}

// acceptAny is the Accept header of a call's request: any answer of the
// operation, JSON or not. Shared by every call; nothing changes it.
var acceptAny = []string{"application/json, application/problem+json, */*"}

// text is an argument as a parameter's text.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		data, _ := json.Marshal(v)
		return string(data)
	}
}

// outcome is the outcome of the answer w: its body as text and, when the
// tool has an output schema (its answers are one JSON object), as
// structured content too. An error answer is a tool error whose text is
// the problem+json; it has no structured content, which clients check
// against the output schema even then. The status and the headers a
// client acts on (ETag, Location) are in _meta, as "http".
func (t tool) outcome(w *recorder) outcome {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	body := w.body.Bytes()
	o := outcome{isError: status >= 400, text: string(body)}
	if len(body) == 0 {
		o.text = fmt.Sprintf("%d %s", status, http.StatusText(status))
	}
	// The body is the structured content as it is, not decoded and made
	// again: an object, whatever its JSON.
	ct := header(w.header, "Content-Type")
	if !o.isError && t.def.RawOutputSchema != nil && strings.Contains(ct, "json") {
		if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
			o.structured = trimmed
		}
	}
	w.meta = appendMeta(w.meta[:0], status, w.header, ct)
	o.meta = w.meta
	return o
}

// appendMeta appends _meta's "http" to b: the status and the headers a
// client acts on, those the answer has (TestMetaAsJSON).
func appendMeta(b []byte, status int, h http.Header, contentType string) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	for _, f := range [...]struct{ key, value string }{
		{"etag", header(h, "Etag")},
		{"location", header(h, "Location")},
		{"content-type", contentType},
		{"ratelimit-remaining", header(h, "Ratelimit-Remaining")},
		{"retry-after", header(h, "Retry-After")},
	} {
		if f.value != "" {
			b = append(b, ',', '"')
			b = append(b, f.key...)
			b = append(b, '"', ':')
			b = gjson.AppendJSONString(b, f.value)
		}
	}
	return append(b, '}')
}

// outcome is what a tool call gave: the parts of its result.
type outcome struct {
	isError    bool
	text       string          // the one text content
	structured json.RawMessage // the structured content, a JSON object; nil without
	meta       json.RawMessage // _meta's "http"; nil without
}

// result is o as the SDK's result.
func (o outcome) result() *mcp.CallToolResult {
	res := &mcp.CallToolResult{IsError: o.isError, Content: []mcp.Content{mcp.NewTextContent(o.text)}}
	if o.structured != nil {
		res.StructuredContent = o.structured
	}
	if o.meta != nil {
		res.Meta = &mcp.Meta{AdditionalFields: map[string]any{"http": o.meta}}
	}
	return res
}

// errorOutcome is the tool error of a call that could not be made.
func errorOutcome(err error) outcome {
	p, ok := err.(*problem.Problem)
	if !ok {
		p = &problem.Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request", Detail: err.Error()}
	}
	data, _ := json.Marshal(p.Body())
	return outcome{isError: true, text: string(data)}
}

// recorder is the http.ResponseWriter of an in-process call, and the
// buffers its answer is made in.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	meta   []byte // the outcome's _meta
	answer []byte // the JSON-RPC answer (fast.go)
}

func newRecorder() *recorder {
	w := &recorder{header: make(http.Header, 4)}
	w.body.Grow(512)
	return w
}

// recorders are the recorders of plain tool calls, whose answer is written
// before the recorder is put back: each call's map and buffers were a
// quarter of what a call allocated more than its REST call.
var recorders = sync.Pool{New: func() any { return newRecorder() }}

// putRecorder gives w back for another call, unless an answer made its
// buffers large (a zone's export).
func putRecorder(w *recorder) {
	if w.body.Cap() > 64<<10 || cap(w.answer) > 128<<10 {
		return
	}
	clear(w.header)
	w.status = 0
	w.body.Reset()
	w.meta, w.answer = w.meta[:0], w.answer[:0]
	recorders.Put(w)
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// remoteKey carries the MCP request's client address to its calls.
type remoteKey struct{}
