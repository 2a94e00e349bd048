package test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestShutdownIsGraceful sends SIGTERM while an API request is in flight
// (an ACME present that waits for a secondary that never answers): the
// client still gets its whole answer, the process then exits, and the
// change is there after a restart.
func TestShutdownIsGraceful(t *testing.T) {
	dir := copyZones(t, "store/example.org.zone")
	port := freePort(t)
	extra := fmt.Sprintf("        secondaries 127.0.0.1:%d\n        acme_wait 3s\n", freePort(t))
	s := startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port, extra), "example.org.")
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", port)
	waitHealthy(t, base)

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		resp, err := http.Post(base+"/acme/httpreq/present", "application/json",
			strings.NewReader(`{"fqdn":"_acme-challenge.example.org.","value":"graceful"}`))
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(b), err}
	}()
	time.Sleep(500 * time.Millisecond) // the request is waiting for the secondary
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.status != http.StatusGatewayTimeout || !strings.Contains(r.body, "propagation-timeout") {
		t.Fatalf("the in-flight request was not answered in full: %d %q %v", r.status, r.body, r.err)
	}
	if waited := time.Since(start); waited < 2500*time.Millisecond {
		t.Errorf("answered after %s: the shutdown cut the wait short", waited)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatal("the process did not exit after SIGTERM")
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Error("the API still answers after the shutdown")
	}

	// The change was acknowledged as published (504 says the secondaries
	// lag, not that it failed): it is there after a restart.
	port2 := freePort(t)
	s2 := startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port2, ""), "example.org.")
	m := new(dns.Msg).SetQuestion("_acme-challenge.example.org.", dns.TypeTXT)
	in, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, s2.addr)
	if err != nil || len(in.Answer) != 1 {
		t.Fatalf("the change made before the shutdown is gone: %v %v", in, err)
	}
}
