// Package problem turns the errors of the zoneapi APIs (/v1 and ACME
// httpreq) into RFC 9457 problem details, application/problem+json with a
// stable code, the JSON pointer of the field at fault and a hint. Every
// sentinel of the layers below (pipeline, zone, store, record, auth,
// gitops, notify, history) is mapped here and nowhere else.
package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
)

var log = clog.NewWithPlugin("zoneapi")

// Problem is an RFC 9457 problem detail. A handler may return one as its
// error; For makes one of any other.
type Problem struct {
	Status  int
	Code    string
	Title   string
	Detail  string
	Hint    string
	Pointer string
	File    string
	Line    int
}

func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

// Sentinels the /v1 and ACME handlers decide.
var (
	ErrTooManyChanges      = errors.New("too many changes")
	ErrRevisionWithoutZone = errors.New("the zone did not exist at that revision")
	ErrHistoryDisabled     = &Problem{Status: http.StatusConflict, Code: "history-disabled", Title: "No Git history",
		Detail: "the store has no Git history", Hint: "Add the git property to the zoneapi block of the Corefile."}
	ErrMirrorDisabled = &Problem{Status: http.StatusConflict, Code: "mirror-disabled", Title: "No mirror",
		Detail: "the Corefile has no hetzner block", Hint: "Add a hetzner block to the zoneapi block of the Corefile."}
)

// Upstream is the problem of a round of the mirror that failed.
func Upstream(err error) *Problem {
	return &Problem{Status: http.StatusBadGateway, Code: "upstream-failed", Title: "Upstream failed", Detail: err.Error(),
		Hint: "The zones are served and take changes as before; they go back when the upstream answers."}
}

// located places an error at a JSON pointer prefix of the request body.
type located struct {
	prefix string // /records/3
	label  string // what Error says first
	err    error
}

func (e *located) Error() string { return e.label + ": " + e.err.Error() }
func (e *located) Unwrap() error { return e.err }

// At places err at the JSON pointer prefix of the body (/records/3).
func At(prefix string, err error) error { return &located{prefix: prefix, label: prefix, err: err} }

// AtChange places err at change i of a PATCH (/changes/i).
func AtChange(i int, err error) error {
	return &located{prefix: fmt.Sprintf("/changes/%d", i), label: fmt.Sprintf("change %d", i), err: err}
}

// For turns any error of a handler into a problem.
func For(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	pointer := ""
	var fe *record.FieldError
	if errors.As(err, &fe) {
		pointer = "/" + fe.Field
		if fe.Pointer != "" {
			pointer = fe.Pointer
		}
	}
	// Prefixes nest: the outermost comes first, the field last.
	prefix := ""
	for e := err; e != nil; e = errors.Unwrap(e) {
		if l, ok := e.(*located); ok {
			prefix += l.prefix
		}
	}
	pointer = prefix + pointer
	for _, r := range rules {
		if errors.Is(err, r.err) {
			// The code says what the sentinel says: the detail is what
			// led to it ("nosuch.test. is not in the store", not "...:
			// zone not found").
			detail := strings.TrimSuffix(err.Error(), ": "+r.err.Error())
			return &Problem{Status: r.status, Code: r.code, Title: r.title, Detail: detail, Hint: r.hint, Pointer: pointer}
		}
	}
	if fe != nil {
		return &Problem{Status: http.StatusUnprocessableEntity, Code: "bad-" + fe.Field, Title: "Bad " + fe.Field, Detail: err.Error(), Pointer: pointer,
			Hint: "See the DNSRecord schema in openapi.yaml: name relative or absolute, a type mnemonic, RDATA in presentation format."}
	}
	var fileErr *store.FileError
	if errors.As(err, &fileErr) {
		return &Problem{Status: http.StatusUnprocessableEntity, Code: "bad-zone-file", Title: "Invalid zone file", Detail: err.Error(),
			File: fileErr.File, Line: fileErr.Line, Hint: "Fix the line named and retry; the zone keeps being served as it was."}
	}
	if p := storeProblem(err); p != nil {
		return p
	}
	return &Problem{Status: http.StatusInternalServerError, Code: "internal", Title: "Internal error", Detail: err.Error(), Hint: "Retry; if it persists, look at the server's log."}
}

// Body is p as the API sends it.
func (p *Problem) Body() api.Problem {
	out := api.Problem{Type: "https://zoneapi.dev/problems/" + p.Code, Title: p.Title, Status: p.Status, Code: p.Code}
	if p.Detail != "" {
		out.Detail = &p.Detail
	}
	if p.Hint != "" {
		out.Hint = &p.Hint
	}
	if p.Pointer != "" {
		out.Pointer = &p.Pointer
	}
	if p.File != "" {
		out.File = &p.File
	}
	if p.Line > 0 {
		out.Line = &p.Line
	}
	return out
}

// Write is an adapter's Error: whatever went wrong, before or in a
// handler, the client gets a problem.
func Write(c echo.Context, err error) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		err = fromEcho(he)
	}
	p := For(err)
	if p.Status >= 500 {
		log.Errorf("api %s %s: %v", c.Request().Method, c.Request().URL.Path, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	enc.Encode(p.Body())
}

// Pull is the problem of a refused pull or push.
func Pull(e *gitops.PullError) *Problem {
	p := &Problem{Status: http.StatusConflict, Code: e.Code, Title: "Pull refused", Detail: e.Err.Error()}
	switch e.Code {
	case "invalid-zone-file":
		p.Title, p.Hint = "Invalid zone file", "Fix the file in the remote repository and push again; the zones are served as before."
		var fe *store.FileError
		if errors.As(e.Err, &fe) {
			p.File, p.Line = fe.File, fe.Line
		}
	case "diverged":
		p.Hint = "The server and the remote both changed these zones: merge the server's branch (pushed with push, or read from the store) into the remote and push again."
	case "fetch-failed":
		p.Status, p.Title, p.Hint = http.StatusBadGateway, "Fetch failed", "Check the remote's URL and credentials; the zones are served as before."
	case "push-failed":
		p.Title, p.Hint = "Push failed", "The remote has commits the server does not: pull first."
	}
	return p
}
