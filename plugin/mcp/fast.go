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
// today) is handed to the SDK's MCPServer.HandleMessage straight away:
// for such a request the SDK's streamable HTTP transport, stateless, only
// makes a session for the request and writes the answer as JSON, and the
// session (four buffered channels) cost a call more than the call itself.
// Every other request (initialize, tools/list, notifications, another
// protocol era, anything unusual) goes to the SDK's transport.
func (a *Adapter) serve(w http.ResponseWriter, r *http.Request) {
	if body, ok := toolCall(r); ok {
		ctx := context.WithValue(r.Context(), remoteKey{}, r.RemoteAddr)
		resp := a.server.HandleMessage(ctx, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	a.mcp.ServeHTTP(w, r)
}

// toolCall returns the body of r when r is a plain tools/call: a POST of
// JSON, one request with an id, of a negotiated protocol version before
// 2026-07-28 (in its header, not in the body's _meta), without a session.
func toolCall(r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost || r.Header.Get("Mcp-Session-Id") != "" || r.Header.Get("Last-Event-ID") != "" {
		return nil, false
	}
	v := r.Header.Get(mcp.HeaderProtocolVersion)
	if v == "" || !mcp.IsValidProtocolVersion(v) || mcp.IsModernProtocol(v) {
		return nil, false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, false
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		return nil, false
	}
	body, err := readAll(r)
	if err != nil {
		return nil, false
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Meta map[string]json.RawMessage `json:"_meta"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method != string(mcp.MethodToolsCall) || len(msg.ID) == 0 || string(msg.ID) == "null" {
		restore(r, body)
		return nil, false
	}
	if _, modern := msg.Params.Meta[mcp.MetaKeyProtocolVersion]; modern {
		restore(r, body)
		return nil, false
	}
	return body, true
}

// readAll reads r's body, which the listener has limited already.
func readAll(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

// restore gives r its body back, for the SDK's transport to read.
func restore(r *http.Request, body []byte) { r.Body = io.NopCloser(bytes.NewReader(body)) }
