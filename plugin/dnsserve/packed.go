package dnsserve

import (
	"encoding/binary"
	"sync"

	"github.com/coredns/coredns/plugin/pkg/edns"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// writePacked answers q from the wire form of the RRset that answers it
// (zone.Zone.Packed), writing the reply's bytes itself, and reports whether
// it did. The reply is the one the message path gives, byte for byte once
// unpacked (TestPackedAnswersAsTheMessagePath): AA, the query's ID, RD and
// CD, the question as asked, the RRset (with its signatures for a query
// with DO to a signed zone), and the query's OPT as CoreDNS's server
// returns it. It answers only where nothing but CoreDNS's server is
// between it and the client (the writer is the server's ScrubWriter: no
// log, metrics, dnstap or cache plugin reads the message), for a query
// without TSIG and without an EDNS option that a plugin handles, and a
// reply that fits the client's UDP size without truncation.
func writePacked(w dns.ResponseWriter, r *dns.Msg, q dns.Question, opt *dns.OPT, z *zone.Zone, qk []byte) bool {
	if _, ok := w.(*request.ScrubWriter); !ok {
		return false
	}
	if opt != nil {
		if opt.Version() != 0 {
			return false
		}
		// CoreDNS's server copies to the reply only the options a plugin
		// said it handles (edns.SetSupportedOption), and drops the rest,
		// such as a client's DNS cookie: so does the packed reply, and a
		// query with one of the others takes the message path.
		for _, o := range opt.Option {
			if edns.SupportedOption(o.Option()) {
				return false
			}
		}
	}
	if len(r.Extra) > 0 && r.IsTsig() != nil {
		return false
	}
	wire, count, ok := z.Packed(qk, q.Qtype, opt != nil && opt.Do())
	if !ok {
		return false
	}
	limit, _ := replySize(opt, w)
	bp := packedBufs.Get().(*[]byte)
	defer packedBufs.Put(bp)
	b := (*bp)[:0]
	flags := uint16(1<<15 | uint16(r.Opcode&0xF)<<11 | 1<<10) // QR, opcode, AA
	if r.RecursionDesired {
		flags |= 1 << 8
	}
	if r.CheckingDisabled {
		flags |= 1 << 4
	}
	arcount := uint16(0)
	if opt != nil {
		arcount = 1
	}
	b = binary.BigEndian.AppendUint16(b, r.Id)
	b = binary.BigEndian.AppendUint16(b, flags)
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(count))
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, arcount)
	var name [256]byte
	n, err := dns.PackDomainName(q.Name, name[:], 0, nil, false)
	if err != nil {
		return false
	}
	b = append(b, name[:n]...)
	b = binary.BigEndian.AppendUint16(b, q.Qtype)
	b = binary.BigEndian.AppendUint16(b, q.Qclass)
	b = append(b, wire...)
	if opt != nil {
		// The query's OPT, as CoreDNS's server returns it (request.SizeAndDo):
		// its UDP size, version 0, the extended rcode cleared, DO kept.
		b = append(b, 0, byte(dns.TypeOPT>>8), byte(dns.TypeOPT))
		b = binary.BigEndian.AppendUint16(b, opt.Hdr.Class)
		b = binary.BigEndian.AppendUint32(b, opt.Hdr.Ttl&0xff00)
		b = binary.BigEndian.AppendUint16(b, 0)
	}
	if len(b) > limit {
		return false
	}
	*bp = b
	w.Write(b)
	return true
}

// packedBufs are the buffers replies are written from; the writer has
// sent the bytes when Write returns.
var packedBufs = sync.Pool{New: func() any { b := make([]byte, 0, maxUDPSize); return &b }}
