package test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

const internalZone = `$ORIGIN corp.internal.
@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns
ns 3600 IN A 10.0.0.53
db 300 IN A 10.0.0.5
`

// askFrom asks the server at addr for name from the source address src.
func askFrom(t *testing.T, src, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Timeout: 2 * time.Second, Dialer: &net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(src)}}}
	r, _, err := c.Exchange(new(dns.Msg).SetQuestion(name, qtype), addr)
	if err != nil {
		t.Fatalf("%s from %s: %v", name, src, err)
	}
	return r
}

// TestAnInternalZoneIsAnsweredOnlyToItsNetwork: with CoreDNS's acl plugin
// in the server block, corp.internal is answered to 127.0.0.2 only (as if
// it were the inside network); any other client gets REFUSED, as for a
// zone that is not here, transfers too; example.org is answered to all.
func TestAnInternalZoneIsAnsweredOnlyToItsNetwork(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	os.WriteFile(filepath.Join(dir, "corp.internal.zone"), []byte(internalZone), 0o644)
	port := freePort(t)
	corefile := fmt.Sprintf(apiCorefile, dir, port, "")
	corefile = strings.Replace(corefile, "    bind 127.0.0.1\n", `    bind 127.0.0.1
    acl corp.internal {
        allow net 127.0.0.2/32
        block
    }
    transfer {
        to *
    }
`, 1)
	s := startCoreDNS(t, corefile, "example.org.")
	inside, outside := "127.0.0.2", "127.0.0.1"
	if r := askFrom(t, inside, s.addr, "db.corp.internal.", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("from inside: %v", r)
	}
	for _, q := range []string{"db.corp.internal.", "corp.internal.", "nothere.corp.internal."} {
		if r := askFrom(t, outside, s.addr, q, dns.TypeA); r.Rcode != dns.RcodeRefused || len(r.Answer) != 0 {
			t.Errorf("%s from outside: %s %v", q, dns.RcodeToString[r.Rcode], r.Answer)
		}
	}
	for _, src := range []string{inside, outside} {
		if r := askFrom(t, src, s.addr, "www.example.org.", dns.TypeA); r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 {
			t.Errorf("example.org from %s: %v", src, r)
		}
	}
	// A transfer from outside is refused too; from inside it works.
	if got := axfrFrom(t, outside, s.addr, "corp.internal."); got != "" {
		t.Errorf("an AXFR of the internal zone from outside worked:\n%s", got)
	}
	if got := axfrFrom(t, inside, s.addr, "corp.internal."); !strings.Contains(got, "10.0.0.5") {
		t.Errorf("an AXFR of the internal zone from inside: %q", got)
	}
}

// axfrFrom transfers origin from the server at addr, from the source
// address src, and returns the records as text; "" if it was refused or
// failed.
func axfrFrom(t *testing.T, src, addr, origin string) string {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tr := &dns.Transfer{Conn: &dns.Conn{Conn: conn}}
	env, err := tr.In(new(dns.Msg).SetAxfr(origin), addr)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for e := range env {
		if e.Error != nil {
			return ""
		}
		for _, rr := range e.RR {
			b.WriteString(rr.String() + "\n")
		}
	}
	return b.String()
}

// apiClient is a /v1 client of the API at base, once it answers.
func apiClient(t *testing.T, base string) *client.ClientWithResponses {
	t.Helper()
	waitHealthy(t, base)
	c, err := client.NewClientWithResponses(base, client.WithHTTPClient(newValidatingDoer(t, base)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
