// Package record is the one place that turns a record as an API sends it
// (a name relative to the zone, a type mnemonic, RDATA in presentation
// format, a TTL) into a dns.RR, and a dns.RR back into what an API shows
// (with its stable id). Every adapter uses it: /v1, ACME, and the APIs that
// come next. It also keeps the index of record ids (index.go), a step after
// publication.
package record

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// DefaultTTL is the TTL of a record whose ttl is not given.
const DefaultTTL = 3600

// FieldError is a problem with one field of a record in a request.
type FieldError struct {
	Field   string // "name", "type", "value" or "ttl"
	Err     error
	Pointer string // where the field is in the body, when not at /Field
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// ErrNotFound: no record, RRset or name is what the request names.
var ErrNotFound = errors.New("not found")

// New builds the RR that a record of an API stands for, in zone origin.
// name is relative to origin, "@" or absolute; ttl nil is DefaultTTL. A
// TXT or SPF value that does not start with a quote is one literal string
// (LiteralTXT); any other value is RDATA in presentation format.
func New(origin, name, typ, value string, ttl *int) (dns.RR, error) {
	owner, err := Owner(name, origin)
	if err != nil {
		return nil, &FieldError{Field: "name", Err: err}
	}
	t, ok := Type(typ)
	if !ok {
		return nil, &FieldError{Field: "type", Err: fmt.Errorf("%q is not a type that a zone can hold", typ)}
	}
	tl := DefaultTTL
	if ttl != nil {
		tl = *ttl
	}
	if tl < 0 || tl > zone.MaxTTL {
		return nil, &FieldError{Field: "ttl", Err: zone.ErrBadTTL}
	}
	if strings.ContainsAny(value, "\n\r\x00") {
		return nil, &FieldError{Field: "value", Err: fmt.Errorf("contains a line break or NUL")}
	}
	hdr := dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: uint32(tl)}
	if (t == dns.TypeTXT || t == dns.TypeSPF) && !strings.HasPrefix(value, `"`) {
		rr, err := LiteralTXT(hdr, value)
		if err != nil {
			return nil, &FieldError{Field: "value", Err: err}
		}
		return rr, nil
	}
	if rr := addressRR(hdr, value); rr != nil {
		return rr, nil
	}
	if err := store.PlainRDATA(value); err != nil {
		return nil, &FieldError{Field: "value", Err: err}
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("@ %d IN %s %s\n", tl, dns.Type(t), store.EscapeRaw(value))), origin, "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil || !ok {
		return nil, &FieldError{Field: "value", Err: fmt.Errorf("not valid %s RDATA: %s", dns.Type(t), parseReason(err))}
	}
	if _, more := zp.Next(); more {
		return nil, &FieldError{Field: "value", Err: fmt.Errorf("holds more than one record")}
	}
	rr.Header().Name = owner
	if t == dns.TypeA || t == dns.TypeAAAA {
		return rr, nil // an address has no text to escape, and keeps the parser's form
	}
	// Kept in the form a restart reads, so that a retry finds it; read
	// back whatever the type, for `\# 0` gives any type's fields empty.
	rr, err = zone.ReadBack(rr)
	if err != nil {
		return nil, &FieldError{Field: "value", Err: err}
	}
	return rr, nil
}

// Type parses a type mnemonic or TYPEnnn of a type a zone can hold.
func Type(s string) (uint16, bool) {
	s = strings.ToUpper(s)
	if t, ok := dns.StringToType[s]; ok {
		return t, zone.Storable(t)
	}
	if n, err := strconv.ParseUint(strings.TrimPrefix(s, "TYPE"), 10, 16); err == nil && strings.HasPrefix(s, "TYPE") {
		return uint16(n), zone.Storable(uint16(n))
	}
	return 0, false
}

// addressRR is the A or AAAA record of hdr whose value is an address
// written plainly, read by the zone file parser's own rule (net.ParseIP;
// an A's address without a colon, an AAAA's with one) without the parser's
// cost, the larger part of an upsert's handling; nil for anything else,
// which the parser then reads or refuses.
func addressRR(hdr dns.RR_Header, value string) dns.RR {
	if hdr.Rrtype != dns.TypeA && hdr.Rrtype != dns.TypeAAAA {
		return nil
	}
	ip := net.ParseIP(value)
	switch v6 := strings.Contains(value, ":"); {
	case ip == nil:
		return nil
	case hdr.Rrtype == dns.TypeA && !v6:
		return &dns.A{Hdr: hdr, A: ip}
	case hdr.Rrtype == dns.TypeAAAA && v6:
		return &dns.AAAA{Hdr: hdr, AAAA: ip}
	}
	return nil
}

// fieldNames are miekg/dns's short names of RDATA fields, written out.
var fieldNames = map[string]string{"pref": "preference", "mx": "exchange", "srv": "target"}

// badField is miekg/dns's reason for a bad field of RDATA.
var badField = regexp.MustCompile(`^bad (\S+) (.+?): (".*")$`)

func parseReason(err error) string {
	if err == nil {
		return "empty"
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "dns: ")
	if i := strings.Index(s, " at line: "); i >= 0 {
		s = s[:i]
	}
	// miekg/dns says "bad A A: \"300.1.2.3\"" (the type, then the field):
	// the value, then what of it is bad.
	if m := badField.FindStringSubmatch(s); m != nil {
		field := strings.ToLower(m[2])
		if strings.EqualFold(m[1], m[2]) {
			field = "address"
		}
		if f, ok := fieldNames[field]; ok {
			field = f
		}
		return fmt.Sprintf("%s (bad %s)", m[3], field)
	}
	return s
}

// LiteralTXT is the TXT (or SPF) record of hdr that holds value, byte for
// byte (store.LiteralTXT).
func LiteralTXT(hdr dns.RR_Header, value string) (dns.RR, error) {
	return store.LiteralTXT(hdr, value)
}

// DefaultApex returns the SOA and NS a new zone gets when it is created
// without them: ns1 and hostmaster in the zone, a serial of today, and the
// timers of RFC 1912 §2.2.
func DefaultApex(origin string, serial uint32) (soa, ns dns.RR) {
	soa, _ = dns.NewRR(fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s %d 7200 3600 1209600 300", origin, origin, origin, serial))
	ns, _ = dns.NewRR(fmt.Sprintf("%s 3600 IN NS ns1.%s", origin, origin))
	return soa, ns
}
