package dnsserve

import (
	"encoding/binary"
	"sync"

	"github.com/coredns/coredns/plugin/pkg/edns"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// direct reports whether a reply to r may be written as bytes (writeWire)
// rather than as a message: where nothing but CoreDNS's server is between
// the plugin and the client (the writer is the server's ScrubWriter: no
// log, metrics, dnstap or cache plugin reads the message), for a query
// without TSIG and without an EDNS option that a plugin handles.
func direct(w dns.ResponseWriter, r *dns.Msg, opt *dns.OPT) bool {
	if _, ok := w.(*request.ScrubWriter); !ok {
		return false
	}
	if opt != nil {
		if opt.Version() != 0 {
			return false
		}
		// CoreDNS's server copies to the reply only the options a plugin
		// said it handles (edns.SetSupportedOption), and drops the rest,
		// such as a client's DNS cookie: so does a reply written here, and
		// a query with one of the others takes the message path.
		for _, o := range opt.Option {
			if edns.SupportedOption(o.Option()) {
				return false
			}
		}
	}
	return len(r.Extra) == 0 || r.IsTsig() == nil
}

// writeNegative writes the answer a when it is the zone's plain negative
// answer (zone.Zone.Negative): NXDOMAIN or NODATA, the SOA alone in the
// authority section, or a signed one (writeSignedNegative). It reports
// whether it did.
func writeNegative(w dns.ResponseWriter, r *dns.Msg, q dns.Question, opt *dns.OPT, z *zone.Zone, a *zone.Answer) bool {
	if wire, ok := z.Negative(a); ok {
		return writeWire(w, r, q, opt, a.Rcode(), 0, 1, wire)
	}
	return writeSignedNegative(w, r, q, opt, z, a)
}

// writeSignedNegative writes the answer a when it is a negative answer
// with DO of a signed zone (zone.Zone.AppendNegative), and reports whether
// it did: its SOA, NSEC or NSEC3 records and their RRSIGs copied from the
// zone's wire forms, not packed for each query.
func writeSignedNegative(w dns.ResponseWriter, r *dns.Msg, q dns.Question, opt *dns.OPT, z *zone.Zone, a *zone.Answer) bool {
	bp := negativeBufs.Get().(*[]byte)
	b, ns, ok := z.AppendNegative((*bp)[:0], a)
	ok = ok && writeWire(w, r, q, opt, a.Rcode(), 0, ns, b)
	*bp = b[:0]
	negativeBufs.Put(bp)
	return ok
}

// negativeBufs hold the authority sections of signed negative answers
// while they are written.
var negativeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeWire writes the reply to r with rcode, whose answer (an RRs) and
// then authority (ns RRs) sections are wire, and reports whether it did.
// The reply is the one the message path gives, byte for byte once
// unpacked (TestPackedAnswersAsTheMessagePath): AA, the query's ID, RD and
// CD, the question as asked, the sections, and the query's OPT as
// CoreDNS's server returns it; it is not written, and false returned,
// unless it fits the client's UDP size without truncation.
func writeWire(w dns.ResponseWriter, r *dns.Msg, q dns.Question, opt *dns.OPT, rcode, an, ns int, wire []byte) bool {
	// Every reply's goroutine starts on a small stack, and the writes below
	// go deep into the net package: this frame is kept small (no array for
	// the name, no defer), as a reply that grows the stack costs it a copy.
	bp := packedBufs.Get().(*[]byte)
	b := (*bp)[:12]
	flags := uint16(1<<15 | uint16(r.Opcode&0xF)<<11 | 1<<10 | uint16(rcode&0xF)) // QR, opcode, AA, rcode
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
	binary.BigEndian.PutUint16(b[0:], r.Id)
	binary.BigEndian.PutUint16(b[2:], flags)
	binary.BigEndian.PutUint16(b[4:], 1)
	binary.BigEndian.PutUint16(b[6:], uint16(an))
	binary.BigEndian.PutUint16(b[8:], uint16(ns))
	binary.BigEndian.PutUint16(b[10:], arcount)
	n, err := dns.PackDomainName(q.Name, b[:cap(b)], 12, nil, false)
	if err != nil {
		packedBufs.Put(bp)
		return false
	}
	b = b[:n]
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
	*bp = b
	limit, _ := replySize(opt, w)
	ok := len(b) <= limit
	if ok {
		w.Write(b)
	}
	packedBufs.Put(bp)
	return ok
}

// packedBufs are the buffers replies are written from; the writer has
// sent the bytes when Write returns.
var packedBufs = sync.Pool{New: func() any { b := make([]byte, 0, maxUDPSize); return &b }}
