package rest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/zoneapi/zoneapi/plugin/problem"
)

// A page of a list: limit items from the cursor on, and the Link header of
// the next page. A zone's records are paged by position in one version of
// the zone (the cursor is the serial and the offset), so that the pages of
// a zone that did not change neither skip nor repeat a record, and those of
// one that changed say so (409 stale-cursor) instead of doing either.
// Zones are paged by name, the last one of the page, since a list of zones
// has no version: a zone made or deleted meanwhile is in the next pages or
// not, as it sorts.

// recordCursor is where a page of a zone's records starts.
type recordCursor struct {
	serial uint32
	offset int
}

func (c recordCursor) String() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d:%d", c.serial, c.offset))
}

// parseRecordCursor reads a cursor of the zone at serial.
func parseRecordCursor(s *string, serial uint32) (int, error) {
	if s == nil {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	a, b, ok := strings.Cut(string(raw), ":")
	ser, err1 := strconv.ParseUint(a, 10, 32)
	off, err2 := strconv.Atoi(b)
	if err != nil || !ok || err1 != nil || err2 != nil || off < 0 {
		return 0, badCursor()
	}
	if uint32(ser) != serial {
		return 0, &problem.Problem{Status: http.StatusConflict, Code: "stale-cursor", Title: "Stale cursor",
			Detail: fmt.Sprintf("the cursor is of serial %d; the zone is at %d", ser, serial), Pointer: "",
			Hint: "The zone changed since the first page: list it again without a cursor."}
	}
	return off, nil
}

// zoneCursor is where a page of zones starts: after the zone named.
func zoneCursor(name string) string { return base64.RawURLEncoding.EncodeToString([]byte(name)) }

func parseZoneCursor(s *string) (string, error) {
	if s == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(raw) == 0 {
		return "", badCursor()
	}
	return string(raw), nil
}

func badCursor() error {
	return &problem.Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request",
		Detail: "cursor is not one this server gave", Hint: "Use the cursor of the Link header of the previous page, as it is."}
}

// nextLink is the Link header of the page after this one: the request's
// path and query with the cursor replaced.
func nextLink(path string, query url.Values, cursor string) *string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("cursor", cursor)
	link := fmt.Sprintf("<%s?%s>; rel=\"next\"", path, q.Encode())
	return &link
}

// contains reports whether s holds the text search in any case (ASCII).
func contains(s, search string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(search))
}
