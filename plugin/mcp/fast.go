package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
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
func (a *Adapter) serve(w http.ResponseWriter, r *http.Request) {
	body, msg, ok := toolCall(r)
	if !ok {
		a.mcp.ServeHTTP(w, r)
		return
	}
	ctx := context.WithValue(r.Context(), remoteKey{}, r.RemoteAddr)
	var answer []byte
	if t, plain := a.plain(msg); plain {
		answer = appendAnswer(make([]byte, 0, 512), msg.ID, a.call(ctx, t, msg.Params.Arguments))
	} else {
		answer, _ = json.Marshal(a.server.HandleMessage(ctx, body))
		answer = append(answer, '\n')
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(answer)
}

// callMessage is a tools/call request: the fields of mcp.CallToolRequest
// that tell a plain call, the rest left raw (the SDK's own decoding goes
// over the parameters twice). Arguments that are not an object (which the
// SDK would give a tool as none) fail its decoding: such a call goes to
// the SDK's transport.
type callMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  struct {
		Name           string                     `json:"name"`
		Arguments      map[string]any             `json:"arguments"`
		Meta           map[string]json.RawMessage `json:"_meta"`
		Task           json.RawMessage            `json:"task"`
		InputResponses json.RawMessage            `json:"inputResponses"`
		RequestState   json.RawMessage            `json:"requestState"`
	} `json:"params"`
}

// toolCall returns the body of r and its message when r is a tools/call
// for MCPServer.HandleMessage: a POST of JSON, one request with an id, of
// a negotiated protocol version before 2026-07-28 (in its header, not in
// the body's _meta), without a session.
func toolCall(r *http.Request) ([]byte, *callMessage, bool) {
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" || r.Header.Get("Last-Event-ID") != "" {
		return nil, nil, false
	}
	v := r.Header.Get(mcp.HeaderProtocolVersion)
	if v == "" || !mcp.IsValidProtocolVersion(v) || mcp.IsModernProtocol(v) {
		return nil, nil, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, nil, false
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		return nil, nil, false
	}
	body, err := readAll(r)
	if err != nil {
		return nil, nil, false
	}
	msg := new(callMessage)
	if json.Unmarshal(body, msg) != nil || msg.Method != string(mcp.MethodToolsCall) || len(msg.ID) == 0 || string(msg.ID) == "null" {
		restore(r, body)
		return nil, nil, false
	}
	if _, modern := msg.Params.Meta[mcp.MetaKeyProtocolVersion]; modern {
		restore(r, body)
		return nil, nil, false
	}
	return body, msg, true
}

// plain returns msg's tool when msg is a call the SDK would only hand to
// the tool's handler and answer with its result: JSON-RPC 2.0, an id that
// is a string or a number, no _meta (a progress token, a trace), no task,
// no answers to a server's questions, and one of the tools.
func (a *Adapter) plain(msg *callMessage) (tool, bool) {
	p := msg.Params
	if msg.JSONRPC != mcp.JSONRPC_VERSION || p.Meta != nil || !absent(p.Task) || !absent(p.InputResponses) || !absent(p.RequestState) {
		return tool{}, false
	}
	if c := msg.ID[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
		return tool{}, false
	}
	t, ok := a.byName[p.Name]
	return t, ok
}

// absent tells a field that was not sent, or sent as null.
func absent(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

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
	text, _ := json.Marshal(o.text)
	b = append(b, `"content":[{"type":"text","text":`...)
	b = append(b, text...)
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
