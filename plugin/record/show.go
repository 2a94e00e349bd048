package record

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// Shown is a record as an API shows it.
type Shown struct {
	ID    string
	Name  string // relative to the zone, "@" for the apex
	Type  string
	Value string // the RDATA in presentation format
	TTL   int
}

// Show is rr, a record of the zone origin, as an API shows it.
func Show(rr dns.RR, origin string) Shown {
	h := rr.Header()
	value := store.RDATA(rr) // once: the id hashes it too
	return Shown{ID: idOf(h, value), Name: Relative(h.Name, origin), Type: dns.Type(h.Rrtype).String(), Value: value, TTL: int(h.Ttl)}
}

// ID is a record's id: a hash of its owner (without case), type and RDATA.
// It is the same after a restart, with no state to keep, and does not
// change with the TTL.
func ID(rr dns.RR) string { return idOf(rr.Header(), store.RDATA(rr)) }

// idOf is ID of the RR with header hdr and RDATA text rdata: the first 8
// bytes, in hex, of the SHA-256 of its lower-case owner, a zero byte, its
// type's number in decimal, a zero byte and rdata.
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
