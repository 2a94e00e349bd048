package record

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Owner turns an API name (relative, "@", or absolute) into an absolute
// name in origin, or says why it cannot be one. A name is absolute when it
// ends in a dot that is not escaped (`www\.` is relative); bytes over 0x7F
// are taken as their \DDD escapes, as in a zone file (store.EscapeRaw).
func Owner(name, origin string) (string, error) {
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

// Relative is owner as an API shows it: relative to origin, "@" for it.
func Relative(owner, origin string) string {
	if strings.EqualFold(owner, origin) {
		return "@"
	}
	if suffix := "." + origin; len(owner) > len(suffix) && strings.EqualFold(owner[len(owner)-len(suffix):], suffix) {
		return owner[:len(owner)-len(suffix)]
	}
	return owner
}
