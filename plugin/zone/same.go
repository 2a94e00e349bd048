package zone

import (
	"strings"

	"github.com/miekg/dns"
)

// Same reports whether a and b are the same record: the same name, type,
// class and RDATA, whatever their TTLs (RFC 2181 §5). It is dns.IsDuplicate,
// which compares names and RDATA by their text, but where one record can
// have two texts it compares the wire forms too: an owner spelled two ways
// (`\097bc` and `abc`, one name), and the types whose text holds hex digits
// that may come in either case (miekg/dns prints a DS's digest or an SSHFP's
// fingerprint in upper case and keeps the case it read, so a digest written
// in lower case in a zone file, or read from an update's wire form, and the
// same digest read back from the zone's file after a restart differ as
// text). Other RRsets never pay for it: their records share one owner text.
func Same(a, b dns.RR) bool {
	if dns.IsDuplicate(a, b) {
		return true
	}
	ha, hb := a.Header(), b.Header()
	if ha.Rrtype != hb.Rrtype || ha.Class != hb.Class || !hexCased[ha.Rrtype] && strings.EqualFold(ha.Name, hb.Name) {
		return false
	}
	return equalName(ha.Name, hb.Name) && compareRdata(a, b) == 0
}

// hexCased are the types with RDATA in hex that miekg/dns compares as text.
var hexCased = map[uint16]bool{
	dns.TypeDS: true, dns.TypeCDS: true, dns.TypeDLV: true, dns.TypeSSHFP: true, dns.TypeTLSA: true,
	dns.TypeSMIMEA: true, dns.TypeZONEMD: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true,
	dns.TypeHIP: true, dns.TypeEID: true, dns.TypeNIMLOC: true,
}

// Identical reports whether a and b hold the same RRs in the same order,
// TTLs included: two versions of an RRset of which one may be the other's
// copy.
func Identical(a, b []dns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && a[i].String() != b[i].String() {
			return false
		}
	}
	return true
}
