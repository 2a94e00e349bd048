package zone

import "github.com/miekg/dns"

// Same reports whether a and b are the same record: the same name, type,
// class and RDATA, whatever their TTLs (RFC 2181 §5). It is dns.IsDuplicate,
// which compares RDATA by its text, but for the types whose text holds hex
// digits that may come in either case: miekg/dns prints a DS's digest or an
// SSHFP's fingerprint in upper case and keeps the case it read, so a digest
// written in lower case in a zone file, or read from an update's wire form,
// and the same digest read back from the zone's file after a restart differ
// as text. Those are compared on the wire as well.
func Same(a, b dns.RR) bool {
	if dns.IsDuplicate(a, b) {
		return true
	}
	ha, hb := a.Header(), b.Header()
	return hexCased[ha.Rrtype] && ha.Rrtype == hb.Rrtype && ha.Class == hb.Class && equalName(ha.Name, hb.Name) && compareRdata(a, b) == 0
}

// hexCased are the types with RDATA in hex that miekg/dns compares as text.
var hexCased = map[uint16]bool{
	dns.TypeDS: true, dns.TypeCDS: true, dns.TypeDLV: true, dns.TypeSSHFP: true, dns.TypeTLSA: true,
	dns.TypeSMIMEA: true, dns.TypeZONEMD: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true,
	dns.TypeHIP: true, dns.TypeEID: true, dns.TypeNIMLOC: true,
}
