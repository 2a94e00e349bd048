package zone

import "errors"

// Sentinel errors of zone validation. Callers match them with errors.Is to
// decide how to report a refused change (a zone file line, a 422, an rcode).
var (
	ErrOutOfZone     = errors.New("name is outside the zone")
	ErrBadType       = errors.New("type cannot be stored in a zone")
	ErrBadClass      = errors.New("class must be IN")
	ErrBadTTL        = errors.New("TTL must be between 0 and 2147483647")
	ErrSOANotAtApex  = errors.New("SOA is only allowed at the zone apex")
	ErrMultipleSOA   = errors.New("zone already has an SOA")
	ErrNoSOA         = errors.New("zone has no SOA at its apex")
	ErrCNAMEAtApex   = errors.New("CNAME is not allowed at the zone apex")
	ErrCNAMEConflict = errors.New("CNAME cannot coexist with other data at the same name")
	ErrDNAMEConflict = errors.New("only one DNAME is allowed at a name")
	ErrTooManyRRs    = errors.New("zone exceeds its record limit")
	ErrBadRdata      = errors.New("RDATA is missing or malformed")
)

// MaxTTL is the largest TTL a zone accepts (RFC 2181 §8).
const MaxTTL = 1<<31 - 1
