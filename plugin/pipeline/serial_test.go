package pipeline

import (
	"testing"
	"time"
)

func TestNextSerialNeverGoesBackwards(t *testing.T) {
	day := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct{ cur, want uint32 }{
		{1, 2026112500},                                    // a counter jumps to today's date
		{2026112400, 2026112500},                           // yesterday's serial
		{2026112500, 2026112501},                           // a second change today
		{2026112599, 2026112600},                           // a hundredth change today spills over
		{3000000000, 3000000001},                           // ahead of the date: count up
		{4294967295, 2026112500},                           // greater in RFC 1982 arithmetic: the date wraps past it
		{2147483647 + 2026112500, 2147483647 + 2026112501}, // the date is not greater: count up
	}
	for _, tc := range tests {
		got := NextSerial(tc.cur, day)
		if got != tc.want || !SerialGreater(got, tc.cur) {
			t.Errorf("NextSerial(%d) = %d, want %d", tc.cur, got, tc.want)
		}
	}
}
