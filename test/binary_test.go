package test

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func startStore(t *testing.T) *server {
	t.Helper()
	dir := copyZones(t, "store/example.org.zone", "store/2.0.192.in-addr.arpa.zone", "store/broken.example.zone", "store/big.example.zone")
	return startCoreDNS(t, fmt.Sprintf(zoneCorefile, dir), "example.org.")
}

func ask(t *testing.T, addr, network, name string, qtype uint16, edns uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	if edns > 0 {
		m.SetEdns0(edns, false)
	}
	c := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: 65535}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s: %v", network, name, dns.Type(qtype), err)
	}
	return r
}

func TestBinaryServesEveryGoodZoneOverUDPAndTCP(t *testing.T) {
	s := startStore(t)
	for _, network := range []string{"udp", "tcp"} {
		r := ask(t, s.addr, network, "www.example.org.", dns.TypeA, 0)
		if !r.Authoritative || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.80" {
			t.Errorf("%s: www.example.org. A: %v", network, r)
		}
		r = ask(t, s.addr, network, "80.2.0.192.in-addr.arpa.", dns.TypePTR, 1232)
		if len(r.Answer) != 1 || r.Answer[0].(*dns.PTR).Ptr != "www.example.org." {
			t.Errorf("%s: PTR: %v", network, r)
		}
	}
}

func TestBinaryRefusesABrokenZoneAndSaysWhere(t *testing.T) {
	s := startStore(t)
	r := ask(t, s.addr, "udp", "www.broken.example.", dns.TypeA, 0)
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("a zone that failed to load must not be served: got %s", dns.RcodeToString[r.Rcode])
	}
	if !strings.Contains(s.log.String(), "broken.example.zone:5:") {
		t.Errorf("the log does not name the file and line:\n%s", s.log.String())
	}
}

func TestBinaryTruncatesOverUDPAndAnswersInFullOverTCP(t *testing.T) {
	s := startStore(t)
	r := ask(t, s.addr, "udp", "big.big.example.", dns.TypeTXT, 1232)
	if !r.Truncated {
		t.Errorf("UDP: want TC for a 2.8 kB answer, got %d RRs", len(r.Answer))
	}
	r = ask(t, s.addr, "tcp", "big.big.example.", dns.TypeTXT, 1232)
	if r.Truncated || len(r.Answer) != 40 {
		t.Errorf("TCP: want all 40 RRs, got TC=%v and %d", r.Truncated, len(r.Answer))
	}
	// A huge advertised size does not make a UDP reply bigger than 1232 bytes.
	r = ask(t, s.addr, "udp", "big.big.example.", dns.TypeTXT, 65535)
	if !r.Truncated {
		t.Errorf("UDP with EDNS 65535: want TC, got %d RRs", len(r.Answer))
	}
}

// rawExchange sends b over UDP and returns the reply, or nil after a short wait.
func rawExchange(t *testing.T, addr string, b []byte) *dns.Msg {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65535)
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	r := new(dns.Msg)
	if err := r.Unpack(buf[:n]); err != nil {
		t.Fatalf("unparseable reply: %v", err)
	}
	if n > 1232 {
		t.Errorf("UDP reply of %d bytes", n)
	}
	return r
}

func TestBinarySurvivesHostileQueries(t *testing.T) {
	s := startStore(t)
	pack := func(m *dns.Msg) []byte {
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	q := func() *dns.Msg { return new(dns.Msg).SetQuestion("www.example.org.", dns.TypeA) }
	withOpcode := func(op int) []byte { m := q(); m.Opcode = op; return pack(m) }
	twoQuestions := q()
	twoQuestions.Question = append(twoQuestions.Question, twoQuestions.Question[0])
	noQuestion := q()
	noQuestion.Question = nil
	badVersion := q()
	badVersion.SetEdns0(1232, false)
	badVersion.IsEdns0().SetVersion(1)
	response := q()
	response.Response = true
	chaos := q()
	chaos.Question[0].Qclass = dns.ClassCHAOS
	full := pack(q())

	// An rcode of -1 is a drop. For a packet that breaks off, miekg/dns answers
	// FORMERR when it can read a header; a header that promises a question
	// and ends is passed on without one, and CoreDNS's server answers
	// SERVFAIL (core/dnsserver, before any plugin).
	tests := []struct {
		name string
		b    []byte
		want []int // acceptable rcodes
	}{
		{"opcode STATUS", withOpcode(dns.OpcodeStatus), []int{dns.RcodeNotImplemented}},
		{"UPDATE with an A question as zone", withOpcode(dns.OpcodeUpdate), []int{dns.RcodeFormatError}},
		{"opcode 15", withOpcode(15), []int{dns.RcodeNotImplemented}},
		{"two questions", pack(twoQuestions), []int{dns.RcodeFormatError}},
		{"no question", pack(noQuestion), []int{dns.RcodeFormatError}},
		{"EDNS version 1", pack(badVersion), []int{dns.RcodeBadVers}},
		{"a response", pack(response), []int{-1}},
		{"truncated packet", full[:len(full)-3], []int{dns.RcodeFormatError, -1}},
		{"header only", full[:12], []int{dns.RcodeFormatError, dns.RcodeServerFailure}},
		{"short header", full[:5], []int{-1}},
		{"class CH", pack(chaos), []int{dns.RcodeRefused}},
		{"AXFR over UDP", pack(new(dns.Msg).SetQuestion("example.org.", dns.TypeAXFR)), []int{dns.RcodeRefused}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rawExchange(t, s.addr, tc.b)
			got := -1
			if r != nil {
				got = r.Rcode
			}
			if !slices.Contains(tc.want, got) {
				t.Errorf("want rcode in %v, got %d (-1 is no reply)", tc.want, got)
			}
			// The server is still there.
			if r := ask(t, s.addr, "udp", "www.example.org.", dns.TypeA, 0); len(r.Answer) != 1 {
				t.Fatalf("server stopped answering after %s", tc.name)
			}
		})
	}
}
