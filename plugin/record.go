package zoneapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// defaultTTL is the TTL of a record whose ttl is not given.
const defaultTTL = 3600

// ownerName turns an API name (relative, "@", or absolute) into an absolute
// name in origin, or says why it cannot be one. A name is absolute when it
// ends in a dot that is not escaped (`www\.` is relative); bytes over 0x7F
// are taken as their \DDD escapes, as in a zone file (store.EscapeRaw).
func ownerName(name, origin string) (string, error) {
	name = store.EscapeRaw(name)
	switch {
	case name == "@":
		return origin, nil
	case dns.IsFqdn(name):
	default:
		name = name + "." + origin
	}
	if _, ok := dns.IsDomainName(name); !ok { // at most 255 octets on the wire, however many escapes
		return "", fmt.Errorf("%q is not a valid domain name", name)
	}
	name = plainName(name)
	if !dns.IsSubDomain(origin, name) {
		return "", fmt.Errorf("%s: %w %s", name, zone.ErrOutOfZone, origin)
	}
	return name, nil
}

// plainName is name with its bytes escaped as miekg/dns escapes a name it
// reads from the wire, which is also how it prints one, so that the name
// is kept as a restart reads it (zone.ReadBack says why): a name of
// letters, digits, hyphens, underscores, asterisks and dots is returned as
// it is.
func plainName(name string) string {
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '*', c == '.':
		default:
			var buf [256]byte
			n, err := dns.PackDomainName(name, buf[:], 0, nil, false)
			if err != nil {
				return name
			}
			if s, _, err := dns.UnpackDomainName(buf[:n], 0); err == nil {
				return s
			}
			return name
		}
	}
	return name
}

// rrType parses a type mnemonic or TYPEnnn.
func rrType(s string) (uint16, bool) {
	s = strings.ToUpper(s)
	if t, ok := dns.StringToType[s]; ok {
		return t, zone.Storable(t)
	}
	if n, err := strconv.ParseUint(strings.TrimPrefix(s, "TYPE"), 10, 16); err == nil && strings.HasPrefix(s, "TYPE") {
		return uint16(n), zone.Storable(uint16(n))
	}
	return 0, false
}

// fieldError is a problem with one field of a record in a request.
type fieldError struct {
	field   string // "name", "type", "value" or "ttl"
	err     error
	pointer string // where the field is in the body, when not at /field
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// newRR builds the RR that a record of the API stands for, in zone origin.
func newRR(origin, name, typ, value string, ttl *int) (dns.RR, error) {
	owner, err := ownerName(name, origin)
	if err != nil {
		return nil, &fieldError{field: "name", err: err}
	}
	t, ok := rrType(typ)
	if !ok {
		return nil, &fieldError{field: "type", err: fmt.Errorf("%q is not a type that a zone can hold", typ)}
	}
	tl := defaultTTL
	if ttl != nil {
		tl = *ttl
	}
	if tl < 0 || tl > zone.MaxTTL {
		return nil, &fieldError{field: "ttl", err: zone.ErrBadTTL}
	}
	if strings.ContainsAny(value, "\n\r\x00") {
		return nil, &fieldError{field: "value", err: fmt.Errorf("contains a line break or NUL")}
	}
	hdr := dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: uint32(tl)}
	if (t == dns.TypeTXT || t == dns.TypeSPF) && !strings.HasPrefix(value, `"`) {
		rr, err := literalTXT(hdr, value)
		if err != nil {
			return nil, &fieldError{field: "value", err: err}
		}
		return rr, nil
	}
	if rr := addressRR(hdr, value); rr != nil {
		return rr, nil
	}
	if err := plainRdata(value); err != nil {
		return nil, &fieldError{field: "value", err: err}
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("@ %d IN %s %s\n", tl, dns.Type(t), store.EscapeRaw(value))), origin, "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil || !ok {
		return nil, &fieldError{field: "value", err: fmt.Errorf("not valid %s RDATA: %s", dns.Type(t), parseReason(err))}
	}
	if _, more := zp.Next(); more {
		return nil, &fieldError{field: "value", err: fmt.Errorf("holds more than one record")}
	}
	rr.Header().Name = owner
	if t == dns.TypeA || t == dns.TypeAAAA {
		return rr, nil // an address has no text to escape, and keeps the parser's form
	}
	// Kept in the form a restart reads, so that a retry finds it; read
	// back whatever the type, for `\# 0` gives any type's fields empty.
	rr, err = zone.ReadBack(rr)
	if err != nil {
		return nil, &fieldError{field: "value", err: err}
	}
	return rr, nil
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

// plainRdata refuses what the zone file syntax would read as something else
// than RDATA: a comment, parentheses or a directive outside quotes.
func plainRdata(value string) error {
	quoted, escaped := false, false
	for _, c := range value {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ';' || c == '(' || c == ')'):
			return fmt.Errorf("%q outside double quotes: quote it or escape it with a backslash", c)
		}
	}
	if quoted {
		return fmt.Errorf("unbalanced double quote")
	}
	return nil
}

func parseReason(err error) string {
	if err == nil {
		return "empty"
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "dns: ")
	if i := strings.Index(s, " at line: "); i >= 0 {
		s = s[:i]
	}
	return s
}

// literalTXT is the TXT (or SPF) record of hdr that holds value, byte for
// byte, in strings of at most 255 bytes (RFC 1035 §3.3.14). It is read from
// the wire form, so that its strings are escaped as miekg/dns escapes them
// when it reads a zone file (a quote, a backslash, a byte outside printable
// ASCII): miekg/dns compares TXT records by that text, and a value sent
// again after a restart must be the same record, not a second one.
func literalTXT(hdr dns.RR_Header, value string) (dns.RR, error) {
	rdata := make([]byte, 0, len(value)+len(value)/255+1)
	for {
		n := min(len(value), 255)
		rdata = append(rdata, byte(n))
		rdata = append(rdata, value[:n]...)
		if value = value[n:]; value == "" {
			break
		}
	}
	if len(rdata) > 0xFFFF {
		return nil, fmt.Errorf("is %d bytes in strings of 255; a record holds at most 65535", len(rdata))
	}
	hdr.Rdlength = uint16(len(rdata))
	rr, _, err := dns.UnpackRRWithHeader(hdr, rdata, 0)
	return rr, err
}

// recordID is a record's id: a hash of its owner (without case), type and
// RDATA. It is the same after a restart, with no state to keep.
func recordID(rr dns.RR) string { return idOf(rr.Header(), store.RDATA(rr)) }

// idOf is recordID of the RR with header hdr and RDATA text rdata: the
// first 8 bytes, in hex, of the SHA-256 of its lower-case owner, a zero
// byte, its type's number in decimal, a zero byte and rdata.
func idOf(hdr *dns.RR_Header, rdata string) string {
	b := make([]byte, 0, len(hdr.Name)+len(rdata)+8)
	b = append(b, strings.ToLower(hdr.Name)...)
	b = append(b, 0)
	b = strconv.AppendUint(b, uint64(hdr.Rrtype), 10)
	b = append(b, 0)
	b = append(b, rdata...)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// relativeName is owner as the API shows it: relative to origin, "@" for it.
func relativeName(owner, origin string) string {
	if strings.EqualFold(owner, origin) {
		return "@"
	}
	if suffix := "." + origin; len(owner) > len(suffix) && strings.EqualFold(owner[len(owner)-len(suffix):], suffix) {
		return owner[:len(owner)-len(suffix)]
	}
	return owner
}

// toRecord is rr as the API shows it.
func toRecord(rr dns.RR, origin string) api.DNSRecord {
	h := rr.Header()
	value := store.RDATA(rr) // once: the id hashes it too
	id := idOf(h, value)
	ttl := int(h.Ttl)
	return api.DNSRecord{Id: &id, Name: relativeName(h.Name, origin), Type: dns.Type(h.Rrtype).String(), Value: value, Ttl: &ttl}
}

// toRecords is rrs as the API shows them; never nil.
func toRecords(rrs []dns.RR, origin string) []api.DNSRecord {
	out := make([]api.DNSRecord, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, toRecord(rr, origin))
	}
	return out
}
