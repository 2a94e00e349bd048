package powerdns

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// search answers search-data: the zones, and the records by name or
// content, that match q (* any text, ? one character, in any case), at
// most max (100 by default) of them, of the zones the key may read.
func (a *API) search(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	q := strings.ToLower(c.QueryParam("q"))
	if q == "" {
		return &apiError{http.StatusUnprocessableEntity, "Query q can't be blank"}
	}
	limit := 100
	if m := c.QueryParam("max"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 {
			return &apiError{http.StatusUnprocessableEntity, "max is not a number above 0"}
		}
		limit = n
	}
	kind := c.QueryParam("object_type")
	if kind == "" {
		kind = "all"
	}
	if kind != "all" && kind != "zone" && kind != "record" && kind != "comment" {
		return &apiError{http.StatusUnprocessableEntity, "object_type is all, zone, record or comment"}
	}
	match := func(s string) bool { ok, _ := path.Match(q, strings.ToLower(s)); return ok }
	tok := auth.From(c.Request().Context())
	out := []map[string]any{}
	for _, z := range a.pipe.Zones().Zones() {
		if len(out) >= limit {
			break
		}
		if !tok.CanRead(z.Origin()) {
			continue
		}
		if (kind == "all" || kind == "zone") && match(z.Origin()) {
			out = append(out, map[string]any{"object_type": "zone", "name": z.Origin(), "zone_id": z.Origin()})
		}
		if kind != "all" && kind != "record" {
			continue
		}
		z.Walk(func(n *zone.Node) bool {
			for _, s := range n.Sets {
				if store.Derived(s.Type) {
					continue
				}
				for _, rr := range s.RRs {
					content := store.RDATA(rr)
					if len(out) >= limit {
						return false
					}
					if match(n.Name) || match(content) {
						out = append(out, map[string]any{"object_type": "record", "name": strings.ToLower(n.Name), "zone": z.Origin(), "zone_id": z.Origin(),
							"type": typeName(s.Type), "content": content, "ttl": rr.Header().Ttl, "disabled": false})
					}
				}
			}
			return true
		})
	}
	return c.JSON(http.StatusOK, out)
}
