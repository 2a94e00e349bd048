package store

import (
	"strings"

	"github.com/miekg/dns"
)

// The YAML zone source is octoDNS's record format: a mapping of names
// relative to the zone ('' for the apex) to one record or a list of them,
// each an RRset: `type`, `ttl` (3600 when left out), and `value` or
// `values`. A value is a string for the types whose RDATA is one field (A,
// AAAA, CNAME, DNAME, NS, PTR, TXT and SPF, with `;` written `\;`), and a
// mapping with octoDNS's field names for the others (MX `preference` and
// `exchange`, SRV `priority`, `weight`, `port` and `target`, ...). A type
// octoDNS does not know (SOA, DNSKEY, RRSIG, HINFO, ...) takes its RDATA in
// RFC 1035 presentation format as a string, so that every record a zone
// can hold has a YAML form.

// octoField is one field of a type's RDATA in octoDNS's form.
type octoField struct {
	name   string
	quoted bool   // a character string in presentation format ("...")
	unit   string // a unit presentation format appends (LOC's m)
	num    bool   // a number, written as YAML's
	def    string // the value when the field is left out; "" for none
}

// octoTypes are the types whose values are mappings, with their fields in
// RDATA order.
var octoTypes = map[uint16][]octoField{
	dns.TypeMX:    {{name: "preference", num: true}, {name: "exchange"}},
	dns.TypeSRV:   {{name: "priority", num: true}, {name: "weight", num: true}, {name: "port", num: true}, {name: "target"}},
	dns.TypeCAA:   {{name: "flags", def: "0", num: true}, {name: "tag"}, {name: "value", quoted: true}},
	dns.TypeNAPTR: {{name: "order", num: true}, {name: "preference", num: true}, {name: "flags", quoted: true}, {name: "service", quoted: true}, {name: "regexp", quoted: true}, {name: "replacement"}},
	dns.TypeSSHFP: {{name: "algorithm", num: true}, {name: "fingerprint_type", num: true}, {name: "fingerprint"}},
	dns.TypeTLSA:  {{name: "certificate_usage", num: true}, {name: "selector", num: true}, {name: "matching_type", num: true}, {name: "certificate_association_data"}},
	dns.TypeDS:    {{name: "key_tag", num: true}, {name: "algorithm", num: true}, {name: "digest_type", num: true}, {name: "digest"}},
	dns.TypeLOC: {
		{name: "lat_degrees", num: true}, {name: "lat_minutes", num: true}, {name: "lat_seconds", num: true}, {name: "lat_direction"},
		{name: "long_degrees", num: true}, {name: "long_minutes", num: true}, {name: "long_seconds", num: true}, {name: "long_direction"},
		{name: "altitude", unit: "m", num: true}, {name: "size", unit: "m", num: true}, {name: "precision_horz", unit: "m", num: true}, {name: "precision_vert", unit: "m", num: true},
	},
	dns.TypeSVCB:  {{name: "svcpriority", num: true}, {name: "targetname"}}, // and svcparams
	dns.TypeHTTPS: {{name: "svcpriority", num: true}, {name: "targetname"}},
}

// octoNames are the types whose one field is a domain name, which octoDNS
// wants absolute.
var octoNames = map[uint16]bool{dns.TypeCNAME: true, dns.TypeDNAME: true, dns.TypeNS: true, dns.TypePTR: true}

// providerTypes are octoDNS's types that are not DNS records but a
// provider's features.
var providerTypes = map[string]string{
	"ALIAS":  "ALIAS is a provider's flattening of a CNAME, not a DNS record",
	"URLFWD": "URLFWD is a provider's HTTP redirect, not a DNS record",
}

// quote writes s as a character string of presentation format.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// unquote reads a character string of presentation format as miekg/dns
// writes it.
func unquote(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	return strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(s)
}
