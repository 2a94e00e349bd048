// Package zone holds one authoritative zone as an immutable tree of names and
// answers queries from it. A *Zone is never modified once built: writers go
// through a Txn, which shares every untouched part with the zone it started
// from and returns a new *Zone.
package zone

import (
	"bytes"
	"errors"

	"github.com/miekg/dns"
)

// ErrBadName is returned for a name that is not a valid domain name.
var ErrBadName = errors.New("invalid domain name")

// A key is a domain name encoded so that byte order is DNS canonical order
// (RFC 4034 §6.1): labels from the right, each lower-cased, each followed by
// a 0x00 terminator. A label byte 0x00 or 0x01 is escaped as 0x01 0x01 or
// 0x01 0x02, which keeps both the order and the terminator unambiguous, so a
// name's key is a byte prefix of the keys of all names below it, and of no
// others. The root is the empty key.
const (
	keyEnd = 0x00
	keyEsc = 0x01
)

// AppendKey appends the key of the presentation-format name to dst.
// The name must be fully qualified.
func AppendKey(dst []byte, name string) ([]byte, error) {
	if len(name) == 0 || name[len(name)-1] != '.' {
		return dst, ErrBadName
	}
	if name == "." {
		return dst, nil
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '\\' {
			return appendKeySlow(dst, name)
		}
	}
	// Fast path: no escapes, so each byte is a label byte and dots separate.
	if len(name) > 254 {
		return dst, ErrBadName
	}
	end := len(name) - 1 // index of the trailing dot
	for end > 0 {
		start := end - 1
		for start >= 0 && name[start] != '.' {
			start--
		}
		label := name[start+1 : end]
		if len(label) == 0 || len(label) > 63 {
			return dst, ErrBadName
		}
		dst = appendLabel(dst, label)
		end = start
	}
	return dst, nil
}

// appendKeySlow handles names with escapes by going through the wire form.
func appendKeySlow(dst []byte, name string) ([]byte, error) {
	var buf [256]byte
	n, err := dns.PackDomainName(name, buf[:], 0, nil, false)
	if err != nil {
		return dst, ErrBadName
	}
	var offs [128]int
	labels := 0
	for off := 0; off < n && buf[off] != 0; off += int(buf[off]) + 1 {
		offs[labels] = off
		labels++
	}
	for i := labels - 1; i >= 0; i-- {
		off := offs[i]
		dst = appendLabel(dst, string(buf[off+1:off+1+int(buf[off])]))
	}
	return dst, nil
}

func appendLabel(dst []byte, label string) []byte {
	for i := 0; i < len(label); i++ {
		c := label[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == keyEnd || c == keyEsc:
			dst = append(dst, keyEsc)
			c++
		}
		dst = append(dst, c)
	}
	return append(dst, keyEnd)
}

// Key returns the key of name.
func Key(name string) ([]byte, error) { return AppendKey(make([]byte, 0, len(name)+1), name) }

// ParentKey returns the key of the parent of the name whose key is k.
func ParentKey(k []byte) []byte { return parentKey(k) }

// parentKey returns the key of the parent of the name whose key is k.
func parentKey(k []byte) []byte {
	if len(k) == 0 {
		return k
	}
	i := len(k) - 2
	for i >= 0 && k[i] != keyEnd {
		i--
	}
	return k[:i+1]
}

// NameOf returns the name whose key is k, lower case, in presentation
// format: the name of an empty non-terminal, whose Node has none.
func NameOf(k []byte) string {
	if len(k) == 0 {
		return "."
	}
	var labels [][]byte
	for len(k) > 0 {
		i := bytes.IndexByte(k, keyEnd)
		var label []byte
		for j := 0; j < i; j++ {
			c := k[j]
			if c == keyEsc && j+1 < i {
				j++
				c = k[j] - 1
			}
			label = append(label, c)
		}
		labels = append(labels, label)
		k = k[i+1:]
	}
	wire := make([]byte, 0, 256)
	for i := len(labels) - 1; i >= 0; i-- {
		wire = append(append(wire, byte(len(labels[i]))), labels[i]...)
	}
	name, _, err := dns.UnpackDomainName(append(wire, 0), 0)
	if err != nil {
		return ""
	}
	return name
}
