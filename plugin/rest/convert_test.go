package rest

import (
	"errors"
	"testing"

	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

// If-Match takes the zone's ETag as etag writes it, or *; any other tag
// matches no version and is refused before the change is made.
func TestIfMatchTakesTheZonesETagOnly(t *testing.T) {
	for _, tc := range []struct {
		tag    string
		serial uint32 // 0: no expectation
		stale  bool
	}{
		{`*`, 0, false},
		{`"2024010101"`, 2024010101, false},
		{`2024010101`, 0, true},
		{`W/"2024010101"`, 0, true},
		{"`2024010101`", 0, true},
		{`"02024010101"`, 0, true},
		{`"+1"`, 0, true},
		{`"4294967296"`, 0, true},
		{`"abc"`, 0, true},
	} {
		got, err := expected(&tc.tag)
		switch {
		case tc.stale:
			if !errors.Is(err, pipeline.ErrStale) {
				t.Errorf("%s: %v, %v; want a stale version", tc.tag, got, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.tag, err)
		case tc.serial == 0 && got != nil, tc.serial != 0 && (got == nil || *got != tc.serial):
			t.Errorf("%s: %v, want %d", tc.tag, got, tc.serial)
		}
	}
	if got, err := expected(nil); got != nil || err != nil {
		t.Errorf("no If-Match: %v %v", got, err)
	}
}
