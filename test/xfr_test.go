package test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

const primaryCorefile = `.:{PORT} {
    bind 127.0.0.1
    transfer {
        to %s
    }
    zoneapi %s {
        listen 127.0.0.1:%d
    }
}
`

func startKnotSecondary(t *testing.T, port int, primary string) *server {
	host, pport, _ := strings.Cut(primary, ":")
	sections := fmt.Sprintf("remote:\n  - id: primary\n    address: %s@%s\nacl:\n  - id: notify\n    address: %s\n    action: notify\n", host, pport, host)
	return runKnot(t, t.TempDir(), port, sections, secondaryTemplate, "  - domain: example.org\n    master: primary\n    acl: notify\n", "example.org.")
}

func startNSDSecondary(t *testing.T, port int, primary string) *server {
	host, pport, _ := strings.Cut(primary, ":")
	zone := fmt.Sprintf("zone:\n  name: \"example.org\"\n  zonefile: \"example.org.zone\"\n  request-xfr: %s@%s NOKEY\n  allow-notify: %s NOKEY\n", host, pport, host)
	return runNSD(t, t.TempDir(), port, zone, "example.org.")
}

func soaSerial(t *testing.T, addr string) uint32 {
	m := new(dns.Msg).SetQuestion("example.org.", dns.TypeSOA)
	r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
	if err != nil || len(r.Answer) == 0 {
		return 0
	}
	return r.Answer[0].(*dns.SOA).Serial
}

// waitFor polls cond until it holds or the time is up; it returns how long it took.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestKnotAndNSDFollowThePrimary makes Knot and NSD secondaries of
// bin/coredns: the first AXFR arrives, an API change reaches both through
// NOTIFY and IXFR within 2 s, and a burst of 100 changes converges.
func TestKnotAndNSDFollowThePrimary(t *testing.T) {
	knotPort, nsdPort, apiPort := freePort(t), freePort(t), freePort(t)
	dir := copyZones(t, "api/example.org.zone")
	to := fmt.Sprintf("127.0.0.1:%d 127.0.0.1:%d", knotPort, nsdPort)
	primary := startCoreDNS(t, fmt.Sprintf(primaryCorefile, to, dir, apiPort), "example.org.")
	knot := startKnotSecondary(t, knotPort, primary.addr)
	nsd := startNSDSecondary(t, nsdPort, primary.addr)

	e := &apiEnv{t: t, srv: primary, base: fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort), dir: dir}
	e.doer = newValidatingDoer(t, e.base)
	waitHealthy(t, e.base)
	c, _ := client.NewClientWithResponses(e.base, client.WithHTTPClient(e.doer))
	ctx := context.Background()

	if soaSerial(t, knot.addr) != soaSerial(t, primary.addr) || soaSerial(t, nsd.addr) != soaSerial(t, primary.addr) {
		t.Fatal("the secondaries do not serve the primary's serial after the first transfer")
	}
	ask := func(addr, name string) bool {
		m := new(dns.Msg).SetQuestion(name, dns.TypeA)
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
		return err == nil && len(r.Answer) == 1
	}

	// One change reaches both within 2 s.
	r, _ := c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: "pushed", Value: "192.0.2.44"})
	if r.StatusCode()/100 != 2 {
		t.Fatalf("upsert: %s", r.Body)
	}
	dk := waitFor(t, 2*time.Second, "Knot serves the change", func() bool { return ask(knot.addr, "pushed.example.org.") })
	dn := waitFor(t, 2*time.Second, "NSD serves the change", func() bool { return ask(nsd.addr, "pushed.example.org.") })
	t.Logf("change served by Knot after %s, by NSD after %s", dk.Round(time.Millisecond), dn.Round(time.Millisecond))

	// A burst of 100 changes converges.
	for i := range 100 {
		r, _ := c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "TXT", Name: fmt.Sprintf("burst%d", i), Value: "x"})
		if r.StatusCode()/100 != 2 {
			t.Fatalf("burst %d: %s", i, r.Body)
		}
	}
	want := soaSerial(t, primary.addr)
	waitFor(t, 10*time.Second, "Knot converges", func() bool { return soaSerial(t, knot.addr) == want })
	waitFor(t, 10*time.Second, "NSD converges", func() bool { return soaSerial(t, nsd.addr) == want })
	for _, s := range []*server{knot, nsd} {
		m := new(dns.Msg).SetQuestion("burst99.example.org.", dns.TypeTXT)
		if r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, s.addr); err != nil || len(r.Answer) != 1 {
			t.Errorf("%s does not serve the last change of the burst", s.name)
		}
	}
	// After the first AXFR each, the secondaries followed by IXFR only.
	log := primary.log.String()
	if n := strings.Count(log, "plugin/zoneapi: AXFR of example.org."); n != 2 {
		t.Errorf("want one AXFR per secondary, got %d:\n%s", n, log)
	}
	if strings.Contains(log, "not in the history") || !strings.Contains(log, "IXFR of example.org. from serial") {
		t.Errorf("the secondaries did not follow by IXFR:\n%s", log)
	}
}

// TestAXFRAndIXFROverTCP asks the primary directly, as dig would.
func TestAXFRAndIXFROverTCP(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	apiPort := freePort(t)
	primary := startCoreDNS(t, fmt.Sprintf(primaryCorefile, "*", dir, apiPort), "example.org.")
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	start := soaSerial(t, primary.addr)
	for i := range 3 {
		resp, err := http.Post(base+"/zones/example.org/records", "application/json", strings.NewReader(fmt.Sprintf(`{"type":"A","name":"x%d","value":"192.0.2.%d"}`, i, i+1)))
		if err != nil || resp.StatusCode != 201 {
			t.Fatal(err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	tr := &dns.Transfer{}
	axfr := new(dns.Msg).SetAxfr("example.org.")
	env, err := tr.In(axfr, primary.addr)
	if err != nil {
		t.Fatal(err)
	}
	var rrs []dns.RR
	for e := range env {
		if e.Error != nil {
			t.Fatal(e.Error)
		}
		rrs = append(rrs, e.RR...)
	}
	if len(rrs) != 5+3+1 || rrs[0].Header().Rrtype != dns.TypeSOA || rrs[len(rrs)-1].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("AXFR: %d RRs:\n%v", len(rrs), rrs)
	}
	ixfr := new(dns.Msg).SetIxfr("example.org.", start, "ns1.example.org.", "hostmaster.example.org.")
	env, err = (&dns.Transfer{}).In(ixfr, primary.addr)
	if err != nil {
		t.Fatal(err)
	}
	rrs = nil
	for e := range env {
		if e.Error != nil {
			t.Fatal(e.Error)
		}
		rrs = append(rrs, e.RR...)
	}
	// SOA(new), then per change: SOA(old) [deleted], SOA(next) added A; SOA(new).
	if len(rrs) != 1+3*3+1 {
		t.Fatalf("IXFR: want 11 RRs (3 differences), got %d:\n%v", len(rrs), rrs)
	}
	// UDP is refused for transfers.
	m := new(dns.Msg).SetAxfr("example.org.")
	if r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, primary.addr); err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("AXFR over UDP: want REFUSED, got %v (%v)", r, err)
	}
}

// TestPropagationShowsEachSecondary: zoneapi notifies the secondaries it
// lists and reports, per secondary, its serial and the NOTIFY's fate.
func TestPropagationShowsEachSecondary(t *testing.T) {
	knotPort, deadPort, apiPort := freePort(t), freePort(t), freePort(t)
	dir := copyZones(t, "api/example.org.zone")
	corefile := fmt.Sprintf(`.:{PORT} {
    bind 127.0.0.1
    transfer {
        to *
    }
    zoneapi %s {
        listen 127.0.0.1:%d
        secondaries 127.0.0.1:%d 127.0.0.1:%d
    }
}
`, dir, apiPort, knotPort, deadPort)
	primary := startCoreDNS(t, corefile, "example.org.")
	knot := startKnotSecondary(t, knotPort, primary.addr)
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	doer := newValidatingDoer(t, base)
	c, _ := client.NewClientWithResponses(base, client.WithHTTPClient(doer))
	ctx := context.Background()

	postRecord(t, base, `{"type":"A","name":"prop","value":"192.0.2.5"}`)
	var knotStatus, deadStatus client.SecondaryStatus
	waitFor(t, 3*time.Second, "propagation shows Knot in sync", func() bool {
		r, err := c.GetPropagationWithResponse(ctx, "example.org")
		if err != nil || r.JSON200 == nil || len(r.JSON200.Secondaries) != 2 {
			return false
		}
		knotStatus, deadStatus = r.JSON200.Secondaries[0], r.JSON200.Secondaries[1]
		return knotStatus.InSync && knotStatus.LastNotifyAcked != nil
	})
	if *knotStatus.Serial != int64(soaSerial(t, primary.addr)) || soaSerial(t, knot.addr) != soaSerial(t, primary.addr) {
		t.Errorf("Knot: %+v", knotStatus)
	}
	if deadStatus.InSync || deadStatus.Serial != nil || deadStatus.Error == nil {
		t.Errorf("a secondary that does not answer: %+v", deadStatus)
	}
}
