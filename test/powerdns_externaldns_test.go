package test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestExternalDNSThroughThePowerDNSAPI: external-dns v0.23.0's own pdns
// provider (built from its module into test/externaldns) creates records
// of a fixed set of endpoints through /api, updates one and deletes
// others, each served over DNS at once, and reads them back as it would
// to plan; a hostname at the apex, which it sends as ALIAS, is refused
// with the reason and changes nothing.
func TestExternalDNSThroughThePowerDNSAPI(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "externaldns")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "externaldns"
	// external-dns v0.23.0 needs Go 1.27: the go command takes that
	// toolchain from the module proxy for this module alone.
	build.Env = append(os.Environ(), "GOTOOLCHAIN=go1.27.3")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building test/externaldns: %v\n%s", err, out)
	}
	e := startAPI(t, "        token externaldns-key\n", "store/example.org.zone")
	server := strings.TrimSuffix(e.base, "/v1")
	type rec struct {
		Name, Type string
		TTL        int
		Targets    []string
	}
	step := func(name string) (map[string]rec, string, error) {
		cmd := exec.Command(bin, "-server", server, "-key", "externaldns-key", "-step", name)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		recs := map[string]rec{}
		dec := json.NewDecoder(&stdout)
		for {
			var r rec
			if dec.Decode(&r) != nil {
				break
			}
			slices.Sort(r.Targets)
			recs[r.Name+" "+r.Type] = r
		}
		return recs, stderr.String(), err
	}
	recs, stderr, err := step("create")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, stderr)
	}
	for _, c := range []struct {
		name  string
		qtype uint16
		want  []string
	}{
		{"app.example.org.", dns.TypeA, []string{"192.0.2.50", "192.0.2.51"}},
		{"app.example.org.", dns.TypeAAAA, []string{"2001:db8::50"}},
		{"app.example.org.", dns.TypeTXT, []string{`"heritage=external-dns,external-dns/owner=test"`}},
		{"www2.example.org.", dns.TypeCNAME, []string{"app.example.org."}},
		{"example.org.", dns.TypeMX, []string{"10 mail.example.org."}},
	} {
		got := e.dig(c.name, c.qtype)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("after create, %s %s: %v, want %v", c.name, dns.TypeToString[c.qtype], got, c.want)
		}
	}
	if r := recs["app.example.org A"]; r.TTL != 120 || !slices.Equal(r.Targets, []string{"192.0.2.50", "192.0.2.51"}) {
		t.Errorf("external-dns reads back app A as %+v", r)
	}
	if r := recs["www2.example.org CNAME"]; !slices.Equal(r.Targets, []string{"app.example.org."}) && !slices.Equal(r.Targets, []string{"app.example.org"}) {
		t.Errorf("external-dns reads back www2 CNAME as %+v (all: %v)", r, recs)
	}

	if _, stderr, err := step("update"); err != nil {
		t.Fatalf("update: %v\n%s", err, stderr)
	}
	if got := e.dig("app.example.org.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.60"}) {
		t.Errorf("after update, app A: %v", got)
	}

	recs, stderr, err = step("delete")
	if err != nil {
		t.Fatalf("delete: %v\n%s", err, stderr)
	}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{{"www2.example.org.", dns.TypeCNAME}, {"app.example.org.", dns.TypeTXT}, {"app.example.org.", dns.TypeAAAA}} {
		if got := e.dig(q.name, q.qtype); len(got) != 0 {
			t.Errorf("after delete, %s %s: %v", q.name, dns.TypeToString[q.qtype], got)
		}
	}
	if _, ok := recs["www2.example.org CNAME"]; ok {
		t.Errorf("external-dns still reads www2 CNAME: %v", recs)
	}
	if got := e.dig("app.example.org.", dns.TypeA); !slices.Equal(got, []string{"192.0.2.60"}) {
		t.Errorf("after delete, app A: %v", got)
	}

	soa := e.dig("example.org.", dns.TypeSOA)
	if _, stderr, err := step("apex"); err == nil || !strings.Contains(stderr, "ALIAS is not served here") {
		t.Errorf("a hostname at the apex: %v, %s; want the provider's error with the reason", err, stderr)
	}
	if got := e.dig("example.org.", dns.TypeSOA); !slices.Equal(got, soa) {
		t.Errorf("the refused ALIAS changed the zone: SOA %v, was %v", got, soa)
	}
}
