package zoneapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// validationProblem explains a request that openapi.yaml refuses: which
// field (as a JSON pointer), what is wrong, and what the schema wants.
func validationProblem(he *echo.HTTPError) *problem {
	var re *openapi3filter.RequestError
	if !errors.As(he.Internal, &re) {
		return nil
	}
	switch {
	case re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type has unexpected value"):
		return &problem{status: http.StatusUnsupportedMediaType, code: "unsupported-media-type", title: "Unsupported media type",
			detail: re.Reason, hint: "Send the Content-Type this operation takes (application/json, or text/dns for zone files)."}
	case re.RequestBody != nil && errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return &problem{status: http.StatusBadRequest, code: "body-required", title: "Body required",
			detail: "the request has no body", hint: "Send a JSON body as the operation's schema in openapi.yaml describes."}
	case re.RequestBody != nil && re.Reason == "failed to decode request body":
		return &problem{status: http.StatusBadRequest, code: "malformed-body", title: "Malformed body",
			detail: errText(re.Err), hint: "Send well-formed JSON."}
	}
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		pointer := ""
		if re.RequestBody != nil {
			pointer = "/" + strings.Join(se.JSONPointer(), "/")
			// An unknown property is named in the reason, not in the path.
			if name, ok := unsupportedProperty(se.Reason); ok {
				pointer = strings.TrimSuffix(pointer, "/") + "/" + name
			}
		}
		detail := se.Reason
		if re.Parameter != nil {
			detail = "parameter " + re.Parameter.Name + ": " + detail
		}
		hint := "See the schema of this operation in openapi.yaml."
		if se.SchemaField == "additionalProperties" || strings.Contains(se.Reason, "unsupported") {
			hint = "Remove the field: this object takes only the properties its schema lists."
		}
		return &problem{status: http.StatusBadRequest, code: "invalid-request", title: "Invalid request", detail: detail, hint: hint, pointer: pointer}
	}
	detail := re.Error()
	if i := strings.IndexByte(detail, '\n'); i > 0 {
		detail = detail[:i]
	}
	return &problem{status: http.StatusBadRequest, code: "invalid-request", title: "Invalid request", detail: detail,
		hint: "See the parameters and schema of this operation in openapi.yaml."}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// unsupportedProperty extracts NAME from kin-openapi's `property "NAME" is unsupported`.
func unsupportedProperty(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, `property "`)
	if !ok {
		return "", false
	}
	name, _, ok := strings.Cut(rest, `" is unsupported`)
	return name, ok
}
