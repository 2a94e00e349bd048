package httpapi

import (
	"context"
	"strings"

	"github.com/labstack/echo/v4"
)

type reasonKey struct{}

// ChangeReason is the middleware that puts the X-Change-Reason header (its
// length and characters checked by the API's spec) into the request's
// context, for the audit line and the commit message (Reason).
func ChangeReason(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := strings.TrimSpace(c.Request().Header.Get("X-Change-Reason")); r != "" {
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), reasonKey{}, r)))
		}
		return next(c)
	}
}

// Reason returns the X-Change-Reason of a request's context, or "".
func Reason(ctx context.Context) string {
	r, _ := ctx.Value(reasonKey{}).(string)
	return r
}
