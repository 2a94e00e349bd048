// Package mcp is the /v1 API as Model Context Protocol tools, at /v1/mcp
// over the streamable HTTP transport: one tool per operation of
// openapi.yaml, named by its operationId, described by its summary and
// description, whose input schema is the operation's parameters and
// request body. The tools are derived from the document when the listener
// is made, so a new operation is a new tool without code.
//
// A tool call is the operation's own request, served in-process by the
// same Echo server with the token the MCP request was authenticated with:
// the same validation, scopes, rate limit, audit line and Git trailer as
// the REST call, and its answer (the API's JSON, or its problem+json as a
// tool error) is the tool's result.
package mcp

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/mark3labs/mcp-go/server"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/problem"
)

// Base is where the MCP endpoint is served.
const Base = "/v1/mcp"

// Version is the server version an MCP client is told.
const Version = "1.0.0"

// Adapter is the MCP endpoint, an httpapi.Adapter.
type Adapter struct {
	tools  []tool
	byName map[string]tool
	server *server.MCPServer
	mcp    *server.StreamableHTTPServer
	api    http.Handler // the listener's Echo server, which serves each call
	// dispatch serves a call's request past the middleware that the MCP
	// request has passed (httpapi.Dispatcher); without, api does.
	dispatch func(w http.ResponseWriter, r *http.Request, body []byte)
}

var _ httpapi.Adapter = (*Adapter)(nil)

// New returns the MCP endpoint of the operations of the OpenAPI document
// spec, whose paths are
// served under base (/v1).
func New(spec []byte, base string) (*Adapter, error) {
	tools, err := toolsOf(spec, base)
	if err != nil {
		return nil, err
	}
	a := &Adapter{tools: tools, byName: make(map[string]tool, len(tools))}
	s := server.NewMCPServer("zoneapi", Version,
		server.WithToolCapabilities(false),
		server.WithInstructions(instructions))
	for _, t := range tools {
		s.AddTool(t.def, a.handler(t))
		a.byName[t.def.Name] = t
	}
	a.server = s
	// Stateless: every POST stands alone (the tools keep no state between
	// calls), so nothing is kept per session, and any server of a cluster
	// may answer. Answers are JSON, not an event stream: a tool call is one
	// request and one answer.
	a.mcp = server.NewStreamableHTTPServer(s,
		server.WithEndpointPath(Base),
		server.WithStateLess(true),
		server.WithDisableStreaming(true),
		// What the transport would log (a client's GET for an event
		// stream, refused with 405) the client is told itself.
		server.WithStreamableHTTPLogger(slog.New(slog.DiscardHandler)),
		server.WithHTTPContextFunc(func(ctx context.Context, r *http.Request) context.Context {
			return context.WithValue(ctx, remoteKey{}, r.RemoteAddr)
		}))
	return a, nil
}

// instructions tell an agent how the tools behave.
const instructions = `These tools are the operations of the zoneapi /v1 API (openapi.yaml), one per operationId.
Path, query and header parameters are arguments by their names; a request body is the argument "body".
A result is the API's JSON answer; an error is the API's problem+json (code, detail, pointer into "body", hint) as a tool error.
Records are {"name", "type", "ttl", "value"} with names relative to the zone ("@" is the apex).`

// Base implements httpapi.Adapter.
func (a *Adapter) Base() string { return Base }

// Mount implements httpapi.Adapter.
func (a *Adapter) Mount(e *echo.Echo) {
	a.api = e
	e.Any(Base, func(c echo.Context) error {
		a.serve(c.Response(), c.Request(), httpapi.Body(c))
		return nil
	})
}

// SetDispatch implements httpapi.Dispatcher.
func (a *Adapter) SetDispatch(d func(w http.ResponseWriter, r *http.Request, body []byte)) {
	a.dispatch = d
}

// Public implements httpapi.Adapter: every MCP request needs a token, as
// every tool call would.
func (a *Adapter) Public(string) bool { return false }

// Error implements httpapi.Adapter: the errors of the endpoint itself
// (authentication, the body limit) are problems, as in the rest of /v1.
func (a *Adapter) Error(c echo.Context, err error) { problem.Write(c, err) }
