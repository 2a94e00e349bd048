package test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestMultisocketAnswersEveryChangeOnEverySocket: with CoreDNS's
// multisocket, several UDP sockets share the DNS port and the kernel
// spreads queries over them by source address; each socket's server runs
// the same zoneapi, so a change made through the API is answered on every
// one of them at once.
func TestMultisocketAnswersEveryChangeOnEverySocket(t *testing.T) {
	e := startAPIWith(t, "    multisocket 4\n", "", "api/example.org.zone")
	_, port, _ := net.SplitHostPort(e.srv.addr)
	if n := udpSockets(t, port); n != 4 {
		t.Fatalf("%d UDP sockets on port %s, want the 4 multisocket opens", n, port)
	}
	postRecord(t, e.base, `{"type":"A","name":"spread","ttl":300,"value":"192.0.2.44"}`)
	// Every query from a new socket, so from a new source port: the
	// kernel's hash sends them to the four sockets in turn.
	for i := range 64 {
		m := new(dns.Msg).SetQuestion("spread.example.org.", dns.TypeA)
		r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, e.srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.44" {
			t.Fatalf("query %d: the change is not answered: %v", i, r)
		}
	}
}

// udpSockets counts the UDP sockets bound to port on 127.0.0.1.
func udpSockets(t *testing.T, port string) int {
	t.Helper()
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p int
	fmt.Sscan(port, &p)
	local := fmt.Sprintf("0100007F:%04X", p)
	n := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) > 1 && fields[1] == local {
			n++
		}
	}
	return n
}
