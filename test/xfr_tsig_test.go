package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	tsigName   = "xfr-key."
	tsigSecret = "X28hl0BOfAL5G0jsmJWSacrwn7YRm2f6U5brnzwWEus="
)

const tsigPrimaryCorefile = `.:{PORT} {
    bind 127.0.0.1
    tsig {
        secret %s %s
        require AXFR IXFR
    }
    transfer {
        to *
    }
    zoneapi %s {
        listen 127.0.0.1:%d
    }
}
`

// TestTSIGProtectsTransfers: with tsig requiring AXFR and IXFR to be signed,
// Knot with the key gets the zone, and an unsigned AXFR is refused.
func TestTSIGProtectsTransfers(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	primary := startCoreDNS(t, fmt.Sprintf(tsigPrimaryCorefile, tsigName, tsigSecret, dir, freePort(t)), "example.org.")

	// Unsigned: refused.
	env, err := (&dns.Transfer{}).In(new(dns.Msg).SetAxfr("example.org."), primary.addr)
	if err != nil {
		t.Fatal(err)
	}
	refused := false
	for e := range env {
		if e.Error == nil && len(e.RR) > 0 {
			t.Fatal("an unsigned AXFR got the zone")
		}
		refused = refused || (e.Error != nil && strings.Contains(e.Error.Error(), "rcode"))
	}
	if !refused {
		t.Fatal("an unsigned AXFR was not answered with an error rcode")
	}

	// Signed with the key: the whole zone.
	m := new(dns.Msg).SetAxfr("example.org.")
	m.SetTsig(tsigName, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{TsigSecret: map[string]string{tsigName: tsigSecret}}
	env, err = tr.In(m, primary.addr)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for e := range env {
		if e.Error != nil {
			t.Fatalf("signed AXFR: %v", e.Error)
		}
		n += len(e.RR)
	}
	if n != 6 {
		t.Fatalf("signed AXFR: %d RRs", n)
	}

	// Knot with the key follows the primary.
	sections := fmt.Sprintf("key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\nremote:\n  - id: primary\n    address: 127.0.0.1@%s\n    key: %s\n",
		tsigName, tsigSecret, portOf(primary.addr), tsigName)
	knot := runKnot(t, t.TempDir(), freePort(t), sections, secondaryTemplate, "  - domain: example.org\n    master: primary\n", "example.org.")
	if soaSerial(t, knot.addr) != soaSerial(t, primary.addr) {
		t.Fatal("Knot with the key does not serve the primary's serial")
	}
}

// TestThisBinaryAsASecondary: a second bin/coredns with the stock secondary
// plugin transfers the zone and follows a change through NOTIFY.
func TestThisBinaryAsASecondary(t *testing.T) {
	secPort, apiPort := freePort(t), freePort(t)
	dir := copyZones(t, "api/example.org.zone")
	primary := startCoreDNS(t, fmt.Sprintf(primaryCorefile, fmt.Sprintf("127.0.0.1:%d", secPort), dir, apiPort), "example.org.")
	secondary := fmt.Sprintf("example.org:%d {\n    bind 127.0.0.1\n    secondary {\n        transfer from %s\n    }\n}\n", secPort, primary.addr)
	sec := startCoreDNSOnPort(t, secondary, secPort, "example.org.")
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	postRecord(t, base, `{"type":"A","name":"tosecondary","value":"192.0.2.66"}`)
	waitFor(t, 5*time.Second, "the secondary serves the change", func() bool {
		m := new(dns.Msg).SetQuestion("tosecondary.example.org.", dns.TypeA)
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, sec.addr)
		return err == nil && len(r.Answer) == 1
	})
}
