package dnsserve

import (
	"net"

	"github.com/miekg/dns"
)

// maxUDPSize caps UDP replies whatever a client advertises, against IP
// fragmentation (DNS Flag Day 2020; NSD and Knot use the same default).
const maxUDPSize = 1232

// fit makes m fit in one UDP reply to a query whose OPT is opt (nil
// without EDNS) (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
// Additional data that does not fit is left out without setting TC (RFC 2181
// §9), except the glue of a referral, which the client needs to go on
// (RFC 9471 §3); when the answer or authority does not fit, the reply is TC
// with empty sections, and the client retries over TCP. Over TCP everything
// is sent.
func fit(m *dns.Msg, opt *dns.OPT, w dns.ResponseWriter, glueRequired bool) {
	size, udp := replySize(opt, w)
	if !udp {
		return
	}
	if opt != nil {
		// Room for the OPT the server adds to the reply: at most the query's.
		size -= dns.Len(opt)
	}
	// Most replies fit uncompressed, and measuring that needs no
	// compression map; CoreDNS's server sends them uncompressed too.
	m.Compress = false
	if m.Len() <= size {
		return
	}
	m.Compress = true
	if m.Len() <= size {
		return
	}
	if !glueRequired && len(m.Extra) > 0 {
		m.Extra = nil
		if m.Len() <= size {
			return
		}
	}
	m.Truncated = true
	m.Answer, m.Ns, m.Extra = nil, nil, nil
}

// replySize is the size a reply to a query whose OPT is opt (nil without
// EDNS) may have, its OPT included, and whether it goes over UDP: over TCP
// any size goes.
func replySize(opt *dns.OPT, w dns.ResponseWriter) (int, bool) {
	if _, tcp := w.RemoteAddr().(*net.TCPAddr); tcp {
		return dns.MaxMsgSize, false
	}
	if opt == nil {
		return dns.MinMsgSize, true
	}
	return min(max(int(opt.UDPSize()), dns.MinMsgSize), maxUDPSize), true
}
