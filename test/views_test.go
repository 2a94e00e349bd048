package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

const viewZone = `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.53
www 300 IN A %s
`

// TestSplitHorizonWithViews: two server blocks on one port, the first for
// 127.0.0.2 only (CoreDNS's view plugin), each with a store of its own:
// example.org has its inside records for 127.0.0.2 and its outside ones for
// everyone else. Each view's API changes its own zone, its Git history
// keeps its own commits, and each view's Knot secondary serves that view.
func TestSplitHorizonWithViews(t *testing.T) {
	// The view decided by CoreDNS's view plugin, or by zoneapi's own view
	// property (a prefix match).
	for name, block := range map[string][2]string{
		"view plugin":  {"    view inside {\n        expr incidr(client_ip(), '127.0.0.2/32')\n    }\n", ""},
		"zoneapi view": {"", "        view inside 127.0.0.2/32\n"},
	} {
		t.Run(name, func(t *testing.T) { splitHorizon(t, block[0], block[1]) })
	}
}

func splitHorizon(t *testing.T, viewPlugin, zoneapiView string) {
	inDir, outDir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(inDir, "example.org.zone"), []byte(fmt.Sprintf(viewZone, "10.0.0.80")), 0o644)
	os.WriteFile(filepath.Join(outDir, "example.org.zone"), []byte(fmt.Sprintf(viewZone, "192.0.2.80")), 0o644)
	inAPI, outAPI := freePort(t), freePort(t)
	corefile := fmt.Sprintf(`.:{PORT} {
    bind 127.0.0.1
%s    transfer {
        to *
    }
    zoneapi %s {
        listen 127.0.0.1:%d
%s        git
    }
}
.:{PORT} {
    bind 127.0.0.1
    transfer {
        to *
    }
    zoneapi %s {
        listen 127.0.0.1:%d
        git
    }
}
`, viewPlugin, inDir, inAPI, zoneapiView, outDir, outAPI)
	s := startCoreDNS(t, corefile, "example.org.")
	inside, outside := "127.0.0.2", "127.0.0.1"
	www := func(src string) []string {
		t.Helper()
		var out []string
		for _, rr := range askFrom(t, src, s.addr, "www.example.org.", dns.TypeA).Answer {
			out = append(out, rr.(*dns.A).A.String())
		}
		return out
	}
	if got := www(inside); !slices.Equal(got, []string{"10.0.0.80"}) {
		t.Fatalf("inside: %v", got)
	}
	if got := www(outside); !slices.Equal(got, []string{"192.0.2.80"}) {
		t.Fatalf("outside: %v", got)
	}
	// Each view's API changes its own zone.
	in := apiClient(t, fmt.Sprintf("http://127.0.0.1:%d/v1", inAPI))
	ctx := context.Background()
	if r, err := in.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Name: "db", Type: "A", Value: "10.0.0.5"}); err != nil || r.StatusCode()/100 != 2 {
		t.Fatalf("upsert inside: %v", err)
	}
	if r := askFrom(t, inside, s.addr, "db.example.org.", dns.TypeA); len(r.Answer) != 1 {
		t.Fatalf("the inside change, from inside: %v", r)
	}
	if r := askFrom(t, outside, s.addr, "db.example.org.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("the inside change, from outside: %v", r)
	}
	// Each view's history is its own.
	eventually(t, 10*time.Second, "the inside commit", func() bool {
		return strings.Contains(git(t, inDir, "log", "--format=%s"), "upsertRecord")
	})
	if strings.Contains(git(t, outDir, "log", "--format=%s"), "upsertRecord") {
		t.Fatal("the outside history has the inside change")
	}
	// A transfer from inside gets the inside zone, from outside the
	// outside one; a Knot secondary of each view (the inside one asking
	// from 127.0.0.2) serves its view.
	if got := axfrFrom(t, inside, s.addr, "example.org."); !strings.Contains(got, "10.0.0.5") || strings.Contains(got, "192.0.2.80") {
		t.Fatalf("AXFR from inside:\n%s", got)
	}
	if got := axfrFrom(t, outside, s.addr, "example.org."); !strings.Contains(got, "192.0.2.80") || strings.Contains(got, "10.0.0.") {
		t.Fatalf("AXFR from outside:\n%s", got)
	}
	host, port, _ := strings.Cut(s.addr, ":")
	knot := func(via string) *server {
		sections := fmt.Sprintf("remote:\n  - id: primary\n    address: %s@%s\n    via: %s\n", host, port, via)
		return runKnot(t, t.TempDir(), freePort(t), sections, secondaryTemplate, "  - domain: example.org\n    master: primary\n", "example.org.")
	}
	for _, c := range []struct{ via, want string }{{inside, "10.0.0.80"}, {outside, "192.0.2.80"}} {
		k := knot(c.via)
		if got := askFrom(t, "127.0.0.1", k.addr, "www.example.org.", dns.TypeA); len(got.Answer) != 1 || got.Answer[0].(*dns.A).A.String() != c.want {
			t.Errorf("Knot transferring from %s serves %v, want %s", c.via, got.Answer, c.want)
		}
	}
}

// TestOverlappingViewsAreRefused: two views of one port whose networks
// overlap are a Corefile error naming both, and the server does not start.
func TestOverlappingViewsAreRefused(t *testing.T) {
	port := freePort(t)
	corefile := fmt.Sprintf(`.:%d {
    bind 127.0.0.1
    zoneapi %s {
        listen 127.0.0.1:%d
        view inside 10.0.0.0/8
    }
}
.:%d {
    bind 127.0.0.1
    zoneapi %s {
        listen 127.0.0.1:%d
        view lab 10.1.0.0/16
    }
}
`, port, t.TempDir(), freePort(t), port, t.TempDir(), freePort(t))
	dir := t.TempDir()
	conf := filepath.Join(dir, "Corefile")
	os.WriteFile(conf, []byte(corefile), 0o644)
	cmd := exec.Command(corednsBinary(t), "-conf", conf)
	done := make(chan []byte, 1)
	go func() { out, _ := cmd.CombinedOutput(); done <- out }()
	select {
	case out := <-done:
		if !strings.Contains(string(out), "view lab: 10.1.0.0/16 overlaps 10.0.0.0/8 of view inside") || !strings.Contains(string(out), "Corefile:") {
			t.Fatalf("the error does not name the views and the line:\n%s", out)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("coredns started with overlapping views")
	}
}
