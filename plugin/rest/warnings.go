package rest

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// danglingTargets warns of the records of a change whose target is a name
// of the zone that cannot be reached there: an MX, SRV or NS whose target
// has no A or AAAA record (a mail server, a service or a name server
// without an address; for NS, missing glue), a CNAME whose target has no
// record at all. The change is still made: the address may come with the
// next change, or the name may be served elsewhere.
func danglingTargets(z *zone.Zone, added []dns.RR) []string {
	var out []string
	for _, rr := range added {
		var target, what string
		switch r := rr.(type) {
		case *dns.MX:
			target, what = r.Mx, "MX"
		case *dns.SRV:
			target, what = r.Target, "SRV"
		case *dns.NS:
			target, what = r.Ns, "NS"
		case *dns.CNAME:
			target, what = r.Target, "CNAME"
		default:
			continue
		}
		target = strings.ToLower(target)
		if target == "." || !dns.IsSubDomain(z.Origin(), target) {
			continue
		}
		owner := record.Relative(rr.Header().Name, z.Origin())
		n, ok := z.Node(target)
		switch {
		case what == "CNAME" && !ok:
			out = append(out, fmt.Sprintf("the CNAME at %s points to %s, which has no records in the zone", owner, target))
		case what != "CNAME" && (!ok || len(n.Type(dns.TypeA))+len(n.Type(dns.TypeAAAA)) == 0):
			out = append(out, fmt.Sprintf("the %s at %s names %s, which has no A or AAAA record in the zone", what, owner, target))
		}
	}
	return out
}
