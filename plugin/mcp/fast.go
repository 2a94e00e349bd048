package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/tidwall/gjson"
)

// serve is the endpoint's handler. A tools/call of a client that has
// negotiated a protocol version before 2026-07-28 (as every client does
// today) is not given to the SDK's streamable HTTP transport: for such a
// request the transport, stateless, only makes a session for the request
// and writes the answer as JSON, and the session (four buffered channels)
// cost a call more than the call itself. A plain one (no _meta, no task,
// one of the tools) is the tool's call straight away, its answer written
// as the SDK would write it (TestAPlainToolCallIsAnsweredAsTheSDKWould):
// the SDK decodes the message four times over and encodes the result
// through maps and three passes of the JSON, which made a tool call cost
// three times the REST call it makes. Any other tools/call is given to
// the SDK's MCPServer.HandleMessage, and every other request
// (initialize, tools/list, notifications, another protocol era, anything
// unusual) to its transport.
//
// body is r's body if the listener has read it already (httpapi.Body),
// or nil.
func (a *Adapter) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	body, msg, ok := toolCall(r, body)
	if !ok {
		a.mcp.ServeHTTP(w, r)
		return
	}
	defer putMessage(msg)
	ctx := context.WithValue(r.Context(), remoteKey{}, r.RemoteAddr)
	var answer []byte
	if t, plain := a.plain(msg); plain {
		rec := recorders.Get().(*recorder)
		defer putRecorder(rec)
		o := a.call(ctx, t, msg.Params.Arguments, rec)
		rec.answer = appendAnswer(rec.answer[:0], msg.ID, o)
		answer = rec.answer
	} else {
		answer, _ = json.Marshal(a.server.HandleMessage(ctx, body))
		answer = append(answer, '\n')
	}
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(answer)
}

// jsonType is the Content-Type of every answer written here; shared, as
// nothing changes it.
var jsonType = []string{"application/json"}

// callMessage is a tools/call request: the fields of mcp.CallToolRequest
// that tell a plain call, read as encoding/json (the SDK's decoder) would
// read them into its types (readCall), the rest left raw.
type callMessage struct {
	JSONRPC string
	ID      json.RawMessage
	Method  string
	Params  struct {
		Name      string
		Arguments map[string]any
		// Meta is whether params has a _meta object (not null); Modern
		// whether that holds the protocol version of a modern client.
		Meta, Modern bool
		// Task, InputResponses and RequestState are whether params has them
		// (not null).
		Task, InputResponses, RequestState bool
	}
	spare map[string]any // an empty map for Arguments, kept from an earlier call
}

// toolCall returns the body of r and its message when r is a tools/call
// for MCPServer.HandleMessage: a POST of JSON, one request with an id, of
// a negotiated protocol version before 2026-07-28 (in its header, not in
// the body's _meta), without a session. Its body is body, or else read
// from r.
func toolCall(r *http.Request, body []byte) ([]byte, *callMessage, bool) {
	h := r.Header
	if r.Method != http.MethodPost || header(h, "Mcp-Session-Id") != "" || header(h, "Last-Event-Id") != "" {
		return nil, nil, false
	}
	v := header(h, "Mcp-Protocol-Version")
	if v == "" || !mcp.IsValidProtocolVersion(v) || mcp.IsModernProtocol(v) {
		return nil, nil, false
	}
	if ct := header(h, "Content-Type"); ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, nil, false
		}
	}
	if !strings.Contains(header(h, "Accept"), "application/json") {
		return nil, nil, false
	}
	if body == nil {
		var err error
		if body, err = readAll(r); err != nil {
			return nil, nil, false
		}
	}
	msg := messages.Get().(*callMessage)
	if !readCall(body, msg) || msg.Method != string(mcp.MethodToolsCall) || len(msg.ID) == 0 || string(msg.ID) == "null" || msg.Params.Modern {
		putMessage(msg)
		restore(r, body)
		return nil, nil, false
	}
	return body, msg, true
}

// messages are the callMessages of tool calls, given back (putMessage)
// once a call is answered, with their arguments' map.
var messages = sync.Pool{New: func() any { return new(callMessage) }}

// putMessage gives msg back for another call.
func putMessage(msg *callMessage) {
	spare := msg.Params.Arguments
	if spare == nil {
		spare = msg.spare
	}
	clear(spare)
	*msg = callMessage{spare: spare}
	messages.Put(msg)
}

// header is h.Get(key) for a key in canonical form, which h.Get would
// make again (and, for one that is not, such as ETag, allocate).
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readCall reads the JSON-RPC message body into msg, and reports whether
// it could: as encoding/json would decode it into callMessage's types
// (keys matched without regard to case, the last of two the same winning,
// a second object merged into the first), which is how the SDK reads it;
// a body that encoding/json would refuse (not JSON, not UTF-8, a field of
// the wrong type, a number out of range) is refused. The message is read
// with gjson, without reflection or a map for every object, as decoding
// it was a fifth of a tool call.
func readCall(body []byte, msg *callMessage) bool {
	if !utf8.Valid(body) || !gjson.ValidBytes(body) {
		return false
	}
	top := gjson.ParseBytes(body)
	if !top.IsObject() {
		return false
	}
	ok := true
	top.ForEach(func(k, v gjson.Result) bool {
		switch {
		case strings.EqualFold(k.Str, "jsonrpc"):
			ok = readString(v, &msg.JSONRPC)
		case strings.EqualFold(k.Str, "id"):
			msg.ID = json.RawMessage(v.Raw)
		case strings.EqualFold(k.Str, "method"):
			ok = readString(v, &msg.Method)
		case strings.EqualFold(k.Str, "params"):
			ok = v.Type == gjson.Null || v.IsObject() && readParams(v, msg)
		}
		return ok
	})
	return ok
}

// readParams reads a tools/call's params into msg.
func readParams(params gjson.Result, msg *callMessage) bool {
	p := &msg.Params
	ok := true
	params.ForEach(func(k, v gjson.Result) bool {
		switch {
		case strings.EqualFold(k.Str, "name"):
			ok = readString(v, &p.Name)
		case strings.EqualFold(k.Str, "arguments"):
			ok = readArguments(v, msg)
		case strings.EqualFold(k.Str, "_meta"):
			switch {
			case v.Type == gjson.Null:
			case v.IsObject():
				p.Meta = true
				p.Modern = p.Modern || v.Get(gjson.Escape(mcp.MetaKeyProtocolVersion)).Exists()
			default:
				ok = false
			}
		case strings.EqualFold(k.Str, "task"):
			p.Task = v.Type != gjson.Null
		case strings.EqualFold(k.Str, "inputResponses"):
			p.InputResponses = v.Type != gjson.Null
		case strings.EqualFold(k.Str, "requestState"):
			p.RequestState = v.Type != gjson.Null
		}
		return ok
	})
	return ok
}

// readArguments reads a call's arguments into msg: a string, a number, a
// boolean or null as encoding/json gives it in a map[string]any; an array
// decoded as it would be; an object (a request body) left as its JSON,
// which the call sends on as it is.
func readArguments(args gjson.Result, msg *callMessage) bool {
	if args.Type == gjson.Null {
		msg.Params.Arguments = nil
		return true
	}
	if !args.IsObject() {
		return false
	}
	if msg.Params.Arguments == nil {
		msg.Params.Arguments, msg.spare = msg.spare, nil
		if msg.Params.Arguments == nil {
			msg.Params.Arguments = map[string]any{}
		}
	}
	ok := true
	args.ForEach(func(k, v gjson.Result) bool {
		var x any
		switch {
		case v.Type == gjson.String:
			x = v.Str
		case v.Type == gjson.Number:
			f, err := strconv.ParseFloat(v.Raw, 64)
			x, ok = f, err == nil
		case v.Type == gjson.True || v.Type == gjson.False:
			x = v.Type == gjson.True
		case v.IsObject():
			x = json.RawMessage(v.Raw)
		case v.IsArray():
			ok = json.Unmarshal([]byte(v.Raw), &x) == nil
		}
		msg.Params.Arguments[k.Str] = x
		return ok
	})
	return ok
}

// readString reads a JSON string, or null (which leaves s as it is).
func readString(v gjson.Result, s *string) bool {
	switch v.Type {
	case gjson.String:
		*s = v.Str
	case gjson.Null:
	default:
		return false
	}
	return true
}

// plain returns msg's tool when msg is a call the SDK would only hand to
// the tool's handler and answer with its result: JSON-RPC 2.0, an id that
// is a string or a number, no _meta (a progress token, a trace), no task,
// no answers to a server's questions, and one of the tools.
func (a *Adapter) plain(msg *callMessage) (tool, bool) {
	p := msg.Params
	if msg.JSONRPC != mcp.JSONRPC_VERSION || p.Meta || p.Task || p.InputResponses || p.RequestState {
		return tool{}, false
	}
	if c := msg.ID[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
		return tool{}, false
	}
	t, ok := a.byName[p.Name]
	return t, ok
}

// appendAnswer appends the JSON-RPC answer to the request id of the
// outcome o to b, as the SDK encodes a CallToolResult (its keys in the
// order it writes them) and a newline after it.
func appendAnswer(b []byte, id json.RawMessage, o outcome) []byte {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"result":{`...)
	if o.meta != nil {
		b = append(b, `"_meta":{"http":`...)
		b = append(b, o.meta...)
		b = append(b, `},`...)
	}
	b = append(b, `"content":[{"type":"text","text":`...)
	b = gjson.AppendJSONString(b, o.text)
	b = append(b, `}]`...)
	if o.isError {
		b = append(b, `,"isError":true`...)
	}
	if o.structured != nil {
		b = append(b, `,"structuredContent":`...)
		b = append(b, o.structured...)
	}
	return append(b, "}}\n"...)
}

// readAll reads r's body, which the listener has limited already.
func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

// restore gives r its body back, for the SDK's transport to read.
func restore(r *http.Request, body []byte) { r.Body = io.NopCloser(bytes.NewReader(body)) }
