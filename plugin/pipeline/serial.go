package pipeline

import (
	"strconv"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Now is the clock of serials; tests may set it.
var Now = time.Now

// NextSerial is the serial a zone gets on a change: today as YYYYMMDD00
// (UTC) when that is greater than cur in RFC 1982 arithmetic, else cur + 1.
// It is always greater than cur, so secondaries always see the change, and
// never 0, which some implementations treat as unset (RFC 1982 §3.1, §7).
func NextSerial(cur uint32, now time.Time) uint32 {
	day, _ := strconv.ParseUint(now.UTC().Format("20060102")+"00", 10, 32)
	if SerialGreater(uint32(day), cur) {
		return uint32(day)
	}
	next := cur + 1
	if next == 0 {
		next = 1
	}
	return next
}

// SerialGreater reports whether a > b in RFC 1982 serial number arithmetic.
func SerialGreater(a, b uint32) bool {
	return a != b && (a-b) < 1<<31
}

// bumpSerial sets the serial of the zone being built to the one after cur,
// unless the change itself set a higher one.
func bumpSerial(tx *zone.Txn, cur uint32) error {
	soa := tx.RRset(tx.Origin(), dns.TypeSOA)
	if len(soa) != 1 {
		return zone.ErrNoSOA
	}
	s := dns.Copy(soa[0]).(*dns.SOA)
	if SerialGreater(s.Serial, cur) {
		return nil
	}
	s.Serial = NextSerial(cur, Now())
	return tx.ReplaceRRset(tx.Origin(), dns.TypeSOA, []dns.RR{s})
}

// raise returns z with a serial above cur, for content read from a file
// whose serial is not: secondaries must never see a serial go backwards.
func raise(z *zone.Zone, cur uint32) (*zone.Zone, error) {
	tx := z.Txn()
	if err := bumpSerial(tx, cur); err != nil {
		return nil, err
	}
	return tx.Commit()
}
