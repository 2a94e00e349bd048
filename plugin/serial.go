package zoneapi

import (
	"strconv"
	"time"
)

// timeNow is the clock of serials; tests may set it.
var timeNow = time.Now

// nextSerial is the serial a zone gets on a change: today as YYYYMMDD00 (UTC)
// when that is greater than cur in RFC 1982 arithmetic, else cur + 1. It is
// always greater than cur, so secondaries always see the change, and never 0,
// which some implementations treat as unset (RFC 1982 §3.1 and §7).
func nextSerial(cur uint32, now time.Time) uint32 {
	day, _ := strconv.ParseUint(now.UTC().Format("20060102")+"00", 10, 32)
	if serialGreater(uint32(day), cur) {
		return uint32(day)
	}
	next := cur + 1
	if next == 0 {
		next = 1
	}
	return next
}

// serialGreater reports whether a > b in RFC 1982 serial number arithmetic.
func serialGreater(a, b uint32) bool {
	return a != b && (a-b) < 1<<31
}
