package hetzner

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// apiError is an error as Hetzner's API writes it: a status, a code, a
// message and, for invalid_input, the fields at fault.
type apiError struct {
	status  int
	code    string
	message string
	fields  map[string][]string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// invalid is invalid_input with the field at fault.
func invalid(field, format string, args ...any) *apiError {
	msg := fmt.Sprintf(format, args...)
	return &apiError{status: http.StatusBadRequest, code: "invalid_input", message: "invalid input in field '" + field + "'", fields: map[string][]string{field: {msg}}}
}

func notFound(what string) *apiError {
	return newError(http.StatusNotFound, "not_found", "%s not found", what)
}

// Error implements httpapi.Adapter: every error in Hetzner's envelope,
// {"error": {"code", "message", "details"}}, with its code and status.
func (a *API) Error(c echo.Context, err error) {
	e := toAPIError(c, err)
	if e.status >= 500 {
		log.Errorf("hetzner api %s %s: %v", c.Request().Method, c.Request().URL.Path, err)
	}
	var details any
	if len(e.fields) > 0 {
		type field struct {
			Name     string   `json:"name"`
			Messages []string `json:"messages"`
		}
		d := struct {
			Fields []field `json:"fields"`
		}{}
		for _, name := range sortedKeys(e.fields) {
			d.Fields = append(d.Fields, field{Name: name, Messages: e.fields[name]})
		}
		details = d
	}
	body := struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Details any    `json:"details"`
		} `json:"error"`
	}{}
	body.Error.Code, body.Error.Message, body.Error.Details = e.code, e.message, details
	c.JSON(e.status, body)
}

// toAPIError maps every error a route or middleware returns, the
// pipeline's sentinels among them, to Hetzner's code and status.
func toAPIError(c echo.Context, err error) *apiError {
	var (
		ae  *apiError
		he  *echo.HTTPError
		fe  *record.FieldError
		fle *store.FileError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, httpapi.ErrNoToken), errors.Is(err, httpapi.ErrUnknownToken):
		return newError(http.StatusUnauthorized, "unauthorized", "%v", err)
	case errors.Is(err, auth.ErrForbidden):
		if token(c).ReadOnly && c.Request().Method != http.MethodGet {
			return newError(http.StatusForbidden, "token_readonly", "the token is read-only")
		}
		return newError(http.StatusForbidden, "forbidden", "%v", err)
	case errors.Is(err, pipeline.ErrZoneNotFound):
		return notFound("zone")
	case errors.Is(err, record.ErrNotFound):
		return notFound("rrset")
	case errors.Is(err, pipeline.ErrZoneExists):
		return &apiError{status: http.StatusConflict, code: "uniqueness_error", message: "zone name is already used", fields: map[string][]string{"name": {"zone name is already used"}}}
	case errors.Is(err, pipeline.ErrProtected):
		return newError(http.StatusForbidden, "protected", "%v", err)
	case errors.Is(err, pipeline.ErrTooManyZones):
		return newError(http.StatusForbidden, "resource_limit_exceeded", "%v", err)
	case errors.Is(err, pipeline.ErrClosed):
		return newError(http.StatusServiceUnavailable, "unavailable", "the server is shutting down; nothing changed")
	case errors.Is(err, pipeline.ErrPersist):
		return newError(http.StatusServiceUnavailable, "unavailable", "the store could not be written; nothing changed")
	case errors.As(err, &fe):
		return invalid(fe.Field, "%v", fe.Err)
	case errors.As(err, &fle):
		return invalid("zonefile", "%v", fle)
	case errors.As(err, &he):
		return httpError(he)
	case isBadInput(err):
		return newError(http.StatusBadRequest, "invalid_input", "%v", err)
	}
	return newError(http.StatusInternalServerError, "server_error", "internal error")
}

func httpError(he *echo.HTTPError) *apiError {
	switch he.Code {
	case http.StatusNotFound:
		return notFound("resource")
	case http.StatusMethodNotAllowed:
		return newError(he.Code, "method_not_allowed", "method not allowed")
	case http.StatusRequestEntityTooLarge:
		return newError(he.Code, "invalid_input", "request body too large")
	}
	if he.Code < 500 {
		return newError(he.Code, "invalid_input", "%v", he.Message)
	}
	return newError(http.StatusInternalServerError, "server_error", "internal error")
}

// isBadInput reports whether err is a rule that the change broke (a CNAME
// beside other data, a TTL out of range, ...): /v1's mapping (package
// problem) says so, with a status of 400 or 422, and Hetzner's API calls
// all of them invalid_input.
func isBadInput(err error) bool {
	s := problem.For(err).Status
	return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity
}

// decode reads the request's JSON body into v: bad JSON is json_error, a
// field of the wrong type invalid_input naming it.
func decode(c echo.Context, v any) error {
	body := httpapi.Body(c)
	if len(body) == 0 {
		return newError(http.StatusBadRequest, "json_error", "the request needs a JSON body")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(te.Field, "must be %s, not %s", te.Type, te.Value)
		}
		return newError(http.StatusBadRequest, "json_error", "invalid JSON: %v", err)
	}
	return nil
}

// checkTTL refuses a TTL given (nil: none) out of the range of a zone's.
func checkTTL(ttl *int) error {
	if ttl != nil && (*ttl < 0 || *ttl > zone.MaxTTL) {
		return invalid("ttl", "must be from 0 to %d", zone.MaxTTL)
	}
	return nil
}
