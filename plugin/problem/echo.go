package problem

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
)

// fromEcho maps Echo's own errors (routing, body limit, request
// validation) to problems.
func fromEcho(he *echo.HTTPError) *Problem {
	msg := fmt.Sprint(he.Message)
	switch he.Code {
	case http.StatusNotFound:
		return &Problem{Status: 404, Code: "no-such-path", Title: "No such path", Detail: msg, Hint: "See the paths in /v1/openapi.yaml."}
	case http.StatusMethodNotAllowed:
		return &Problem{Status: 405, Code: "method-not-allowed", Title: "Method not allowed", Detail: msg, Hint: "See the methods of this path in /v1/openapi.yaml."}
	case http.StatusRequestEntityTooLarge:
		return &Problem{Status: 413, Code: "too-large", Title: "Request too large", Detail: msg, Hint: "Send a smaller body: split the change into several requests."}
	case http.StatusUnauthorized:
		return &Problem{Status: 401, Code: "unauthorized", Title: "Unauthorized", Detail: msg, Hint: "Send Authorization: Bearer <token> with a token from the Corefile."}
	case http.StatusForbidden:
		return &Problem{Status: 403, Code: "forbidden", Title: "Forbidden", Detail: msg, Hint: "Use a token whose scope covers this request."}
	}
	if he.Code == http.StatusBadRequest {
		if p := validation(he); p != nil {
			return p
		}
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		return &Problem{Status: 400, Code: "invalid-request", Title: "Invalid request", Detail: strings.TrimPrefix(msg, "at '': "),
			Hint: "See the parameters and schema of this operation in openapi.yaml."}
	}
	return &Problem{Status: he.Code, Code: strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "-")), Title: http.StatusText(he.Code), Detail: msg}
}

// validation explains a request that the OpenAPI document refuses: which
// field (as a JSON pointer), what is wrong, and what the schema wants.
func validation(he *echo.HTTPError) *Problem {
	var re *openapi3filter.RequestError
	if !errors.As(he.Internal, &re) {
		return nil
	}
	switch {
	case re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type has unexpected value"):
		return &Problem{Status: http.StatusUnsupportedMediaType, Code: "unsupported-media-type", Title: "Unsupported media type",
			Detail: re.Reason, Hint: "Send the Content-Type this operation takes (application/json, or text/dns for zone files)."}
	case re.RequestBody != nil && errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return &Problem{Status: http.StatusBadRequest, Code: "body-required", Title: "Body required",
			Detail: "the request has no body", Hint: "Send a JSON body as the operation's schema in openapi.yaml describes."}
	case re.RequestBody != nil && re.Reason == "failed to decode request body":
		return &Problem{Status: http.StatusBadRequest, Code: "malformed-body", Title: "Malformed body",
			Detail: errText(re.Err), Hint: "Send well-formed JSON."}
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
		return &Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request", Detail: detail, Hint: hint, Pointer: pointer}
	}
	detail := re.Error()
	if i := strings.IndexByte(detail, '\n'); i > 0 {
		detail = detail[:i]
	}
	return &Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request", Detail: detail,
		Hint: "See the parameters and schema of this operation in openapi.yaml."}
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
