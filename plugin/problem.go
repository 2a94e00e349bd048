package zoneapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// problem is an RFC 9457 problem detail. Every error of the API becomes one,
// here and nowhere else.
type problem struct {
	status  int
	code    string
	title   string
	detail  string
	hint    string
	pointer string
	file    string
	line    int
}

func (p *problem) Error() string { return p.code + ": " + p.detail }

// errPrecondition and friends are decided by handlers, not by lower layers.
var (
	errPrecondition = errors.New("version mismatch")
	errNotFound     = errors.New("not found")
	errForbidden    = errors.New("forbidden")
)

// rule maps a sentinel to what the client sees.
type rule struct {
	err    error
	status int
	code   string
	title  string
	hint   string
}

var rules = []rule{
	{ErrZoneNotFound, http.StatusNotFound, "zone-not-found", "Zone not found", "List the zones with listZones, or create it with createZone."},
	{errNotFound, http.StatusNotFound, "not-found", "Not found", "List what exists with getZoneRecords."},
	{ErrZoneExists, http.StatusConflict, "zone-exists", "Zone exists", "Change it with patchZone, or replace it with importZone."},
	{errPrecondition, http.StatusPreconditionFailed, "version-mismatch", "Zone has changed", "Read the zone again (its ETag) and retry with If-Match set to it."},
	{errForbidden, http.StatusForbidden, "forbidden", "Forbidden", "Use a token whose scope covers this zone, name and type."},
	{zone.ErrCNAMEConflict, http.StatusUnprocessableEntity, "cname-conflict", "CNAME conflict", "A CNAME must be alone at its name: delete the other records there first, or use another name."},
	{zone.ErrCNAMEAtApex, http.StatusUnprocessableEntity, "cname-at-apex", "CNAME at the apex", "The apex has an SOA and NS, so it cannot be an alias: use A/AAAA records (or an ALIAS-like HTTPS record) instead."},
	{zone.ErrDNAMEConflict, http.StatusUnprocessableEntity, "dname-conflict", "DNAME conflict", "A name has at most one DNAME: replace the RRset instead of adding to it."},
	{zone.ErrOutOfZone, http.StatusUnprocessableEntity, "out-of-zone", "Name outside the zone", "Use a name relative to the zone (\"www\", \"@\") or an absolute name that ends in the zone."},
	{zone.ErrSOANotAtApex, http.StatusUnprocessableEntity, "soa-not-at-apex", "SOA not at the apex", "Only the apex (\"@\") has an SOA."},
	{zone.ErrMultipleSOA, http.StatusUnprocessableEntity, "soa-exists", "Zone has an SOA", "Replace the SOA with replaceRRset on @/SOA."},
	{zone.ErrNoSOA, http.StatusUnprocessableEntity, "soa-required", "SOA required", "A zone has exactly one SOA at its apex; it can be replaced, not removed."},
	{zone.ErrBadTTL, http.StatusUnprocessableEntity, "bad-ttl", "Bad TTL", "Use a TTL from 0 to 2147483647 seconds."},
	{zone.ErrBadType, http.StatusUnprocessableEntity, "bad-type", "Type not storable", "Use a data type (A, AAAA, TXT, ...); meta types like ANY or OPT cannot be stored."},
	{zone.ErrBadRdata, http.StatusUnprocessableEntity, "bad-value", "Bad value", "Give the RDATA in RFC 1035 presentation format."},
	{zone.ErrTooManyRRs, http.StatusUnprocessableEntity, "too-many-records", "Too many records", "The zone is at its max_records limit: delete records first."},
	{errPropagationTimeout, http.StatusGatewayTimeout, "propagation-timeout", "Propagation timeout", "The record is published on this server; look at getPropagation for the secondaries."},
	{errTooManyZones, http.StatusUnprocessableEntity, "too-many-zones", "Too many zones", "The store is at its max_zones limit: delete a zone first."},
	{errTooManyChanges, http.StatusRequestEntityTooLarge, "too-many-changes", "Too many changes", "Split the change list into several PATCH requests (see max_changes)."},
	{errLastNS, http.StatusUnprocessableEntity, "ns-required", "Apex NS required", "A zone with NS records at its apex keeps at least one: add the new one before deleting the old."},
	{store.ErrBadZoneName, http.StatusBadRequest, "bad-zone-name", "Bad zone name", "Use a domain name such as example.org, without slashes, escapes or control characters."},
	{zone.ErrBadName, http.StatusBadRequest, "bad-zone-name", "Bad zone name", "Use a domain name such as example.org."},
}

var (
	errLastNS         = errors.New("the last apex NS record cannot be deleted")
	errTooManyZones   = errors.New("too many zones")
	errTooManyChanges = errors.New("too many changes")
)

// problemFor turns any error of a handler into a problem.
func problemFor(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	pointer := ""
	var fe *fieldError
	if errors.As(err, &fe) {
		pointer = "/" + fe.field
		if fe.pointer != "" {
			pointer = fe.pointer
		}
	}
	var ce *changeError
	if errors.As(err, &ce) {
		pointer = fmt.Sprintf("/changes/%d%s", ce.index, pointer)
	}
	var ie *indexedError
	if errors.As(err, &ie) {
		pointer = ie.prefix + pointer
	}
	for _, r := range rules {
		if errors.Is(err, r.err) {
			return &problem{status: r.status, code: r.code, title: r.title, detail: err.Error(), hint: r.hint, pointer: pointer}
		}
	}
	if fe != nil {
		return &problem{status: http.StatusUnprocessableEntity, code: "bad-" + fe.field, title: "Bad " + fe.field, detail: err.Error(), pointer: pointer,
			hint: "See the DNSRecord schema in openapi.yaml: name relative or absolute, a type mnemonic, RDATA in presentation format."}
	}
	var fileErr *store.FileError
	if errors.As(err, &fileErr) {
		return &problem{status: http.StatusUnprocessableEntity, code: "bad-zone-file", title: "Invalid zone file", detail: err.Error(),
			file: fileErr.File, line: fileErr.Line, hint: "Fix the line named and retry; the zone keeps being served as it was."}
	}
	switch {
	case errors.Is(err, store.ErrJournalBad):
		return &problem{status: http.StatusServiceUnavailable, code: "store-recovering", title: "Store recovering", detail: err.Error(), hint: "Retry in a second; the zone's file is being rewritten after a failed write."}
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &problem{status: http.StatusInsufficientStorage, code: "store-full", title: "Store full", detail: err.Error(), hint: "Free space on the store's file system and retry; nothing changed."}
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return &problem{status: http.StatusServiceUnavailable, code: "store-read-only", title: "Store not writable", detail: err.Error(), hint: "Make the store writable and retry; nothing changed."}
	}
	return &problem{status: http.StatusInternalServerError, code: "internal", title: "Internal error", detail: err.Error(), hint: "Retry; if it persists, look at the server's log."}
}

// body is p as the API sends it.
func (p *problem) body() api.Problem {
	out := api.Problem{Type: "https://zoneapi.dev/problems/" + p.code, Title: p.title, Status: p.status, Code: p.code}
	if p.detail != "" {
		out.Detail = &p.detail
	}
	if p.hint != "" {
		out.Hint = &p.hint
	}
	if p.pointer != "" {
		out.Pointer = &p.pointer
	}
	if p.file != "" {
		out.File = &p.file
	}
	if p.line > 0 {
		out.Line = &p.line
	}
	return out
}

// writeProblem sends p as application/problem+json.
func writeProblem(c echo.Context, p *problem) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.status)
	return jsonEncode(c.Response(), p.body())
}

// httpErrorHandler is Echo's error handler: whatever went wrong, before or
// in a handler, the client gets a problem.
func httpErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		err = httpProblem(he)
	}
	p := problemFor(err)
	if p.status >= 500 {
		log.Errorf("api %s %s: %v", c.Request().Method, c.Request().URL.Path, err)
	}
	writeProblem(c, p)
}

// httpProblem maps Echo's own errors (routing, body limit, request
// validation) to problems.
func httpProblem(he *echo.HTTPError) *problem {
	msg := fmt.Sprint(he.Message)
	switch he.Code {
	case http.StatusNotFound:
		return &problem{status: 404, code: "no-such-path", title: "No such path", detail: msg, hint: "See the paths in /v1/openapi.yaml."}
	case http.StatusMethodNotAllowed:
		return &problem{status: 405, code: "method-not-allowed", title: "Method not allowed", detail: msg, hint: "See the methods of this path in /v1/openapi.yaml."}
	case http.StatusRequestEntityTooLarge:
		return &problem{status: 413, code: "too-large", title: "Request too large", detail: msg, hint: "Send a smaller body: split the change into several requests."}
	case http.StatusUnauthorized:
		return &problem{status: 401, code: "unauthorized", title: "Unauthorized", detail: msg, hint: "Send Authorization: Bearer <token> with a token from the Corefile."}
	case http.StatusForbidden:
		return &problem{status: 403, code: "forbidden", title: "Forbidden", detail: msg, hint: "Use a token whose scope covers this request."}
	}
	if he.Code == http.StatusBadRequest {
		if p := validationProblem(he); p != nil {
			return p
		}
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		return &problem{status: 400, code: "invalid-request", title: "Invalid request", detail: strings.TrimPrefix(msg, "at '': "),
			hint: "See the parameters and schema of this operation in openapi.yaml."}
	}
	return &problem{status: he.Code, code: strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "-")), title: http.StatusText(he.Code), detail: msg}
}
