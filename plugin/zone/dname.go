package zone

import "github.com/miekg/dns"

// dname answers a qname below the owner of n's DNAME d by substitution (RFC 6672
// §2.2, §3.1): the DNAME, a CNAME synthesized from it, and what the new name
// leads to.
func (z *Zone) dname(a *Answer, qname string, n *Node, qtype uint16, depth int) {
	d := n.Type(dns.TypeDNAME)[0].(*dns.DNAME)
	a.Answer = append(a.Answer[:len(a.Answer):len(a.Answer)], d)
	a.sign(&a.Answer, n, dns.TypeDNAME, "", false) // the synthesized CNAME is not signed (RFC 6672 §5.3.1)
	keep := dns.CountLabel(qname) - dns.CountLabel(d.Hdr.Name)
	cut := 0
	if idx := dns.Split(qname); keep < len(idx) {
		cut = idx[keep]
	}
	target := qname[:cut] + d.Target
	if d.Target == "." {
		target = qname[:cut]
	}
	if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
		a.Result = NameTooLong
		return
	}
	cname := &dns.CNAME{
		Hdr:    dns.RR_Header{Name: qname, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: d.Hdr.Ttl},
		Target: target,
	}
	a.Answer = append(a.Answer, cname)
	if qtype == dns.TypeCNAME {
		a.Result = Success
		return
	}
	z.chase(a, target, qtype, depth)
}
