package test

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	updateKey    = "update-key."
	updateSecret = "HlbbyyxAfk7DqrFhKYfdpfPQtT2rrtG1gwDQW3kDkBk="
	acmeKey      = "acme-key."
	acmeSecret   = "vzQUTRk9PGkxjK3glf7AiUS+WNLOxqGW8Zgy+C0BJuw="
)

const updateCorefile = `.:{PORT} {
    bind 127.0.0.1
    tsig {
        secret %s %s
        secret %s %s
        require_opcode UPDATE
    }
    zoneapi %s {
        listen 127.0.0.1:%d
        update %s
        update %s {
            names _acme-challenge.*
            types TXT
        }
        git
    }
}
`

// nsupdate runs a script through a client (nsupdate or knsupdate) and
// returns its output and whether it succeeded.
func runUpdate(t *testing.T, tool, addr, key, secret, script string) (string, bool) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	header := fmt.Sprintf("server %s %s\nzone example.org.\n", host, port)
	if key != "" {
		header += fmt.Sprintf("key hmac-sha256:%s %s\n", key, secret)
	}
	cmd := exec.Command(needTool(t, tool))
	cmd.Stdin = strings.NewReader(header + script + "send\n")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil && !strings.Contains(string(out), "update failed")
}

func TestRFC2136UpdatesWithTSIG(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	apiPort := freePort(t)
	s := startCoreDNS(t, fmt.Sprintf(updateCorefile, updateKey, updateSecret, acmeKey, acmeSecret, dir, apiPort, updateKey, acmeKey), "example.org.")
	e := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort), dir: dir}
	waitHealthy(t, e.base)

	for _, tool := range []string{"nsupdate", "knsupdate"} {
		t.Run(tool, func(t *testing.T) {
			e.t = t
			n := tool[:1] // a name prefix per client
			ok := func(script string) {
				t.Helper()
				if out, good := runUpdate(t, tool, s.addr, updateKey, updateSecret, script); !good {
					t.Fatalf("%s:\n%s", script, out)
				}
			}
			fails := func(script, rcode string) {
				t.Helper()
				out, good := runUpdate(t, tool, s.addr, updateKey, updateSecret, script)
				if good || !strings.Contains(out, rcode) {
					t.Fatalf("want %s for\n%s\ngot:\n%s", rcode, script, out)
				}
			}
			name := n + "new.example.org."
			// add, with a prerequisite that the name is free
			ok(fmt.Sprintf("prereq nxdomain %s\nupdate add %s 300 A 192.0.2.77\n", name, name))
			if got := e.dig(name, dns.TypeA); len(got) != 1 || got[0] != "192.0.2.77" {
				t.Fatalf("added record not served: %v", got)
			}
			fails(fmt.Sprintf("prereq nxdomain %s\nupdate add %s 300 A 192.0.2.78\n", name, name), "YXDOMAIN")
			ok(fmt.Sprintf("prereq yxdomain www.example.org.\nupdate add %s 300 TXT first\n", name))
			fails(fmt.Sprintf("prereq nxrrset www.example.org. A\nupdate add %s 300 TXT no\n", name), "YXRRSET")
			ok(fmt.Sprintf("prereq yxrrset www.example.org. A\nupdate add %s 300 TXT second\n", name))
			ok(fmt.Sprintf("prereq yxrrset www.example.org. A 192.0.2.80\nupdate add %s 300 TXT third\n", name))
			fails(fmt.Sprintf("prereq yxrrset www.example.org. A 192.0.2.99\nupdate add %s 300 TXT no\n", name), "NXRRSET")
			fails(fmt.Sprintf("prereq yxdomain %snothere.example.org.\nupdate add %s 300 TXT no\n", n, name), "NXDOMAIN")
			if got := e.dig(name, dns.TypeTXT); len(got) != 3 {
				t.Fatalf("want the 3 TXT whose prerequisites held, got %v", got)
			}
			// delete one RR, then an RRset, then a name
			ok(fmt.Sprintf("update delete %s TXT \"first\"\n", name))
			if got := e.dig(name, dns.TypeTXT); len(got) != 2 {
				t.Fatalf("after deleting one TXT: %v", got)
			}
			ok(fmt.Sprintf("update delete %s TXT\n", name))
			if got := e.dig(name, dns.TypeTXT); len(got) != 0 {
				t.Fatalf("after deleting the TXT RRset: %v", got)
			}
			ok(fmt.Sprintf("update add %s 300 AAAA 2001:db8::77\nupdate delete %s\n", name, name))
			if got := e.dig(name, dns.TypeA); len(got) != 0 {
				t.Fatalf("after deleting the name: %v", got)
			}
			// The apex keeps its SOA and its last NS.
			ok("update delete example.org. NS\nupdate delete example.org. SOA\nupdate add " + n + "x.example.org. 60 A 192.0.2.1\n")
			if len(e.dig("example.org.", dns.TypeNS)) != 1 || len(e.dig("example.org.", dns.TypeSOA)) != 1 {
				t.Fatal("the apex lost its SOA or NS")
			}
		})
	}
	e.t = t

	// The key of the ACME client may only touch TXT at _acme-challenge.
	if out, good := runUpdate(t, "nsupdate", s.addr, acmeKey, acmeSecret, "update add _acme-challenge.example.org. 60 TXT tok\n"); !good {
		t.Fatalf("acme key, its TXT:\n%s", out)
	}
	before := e.storeSnapshot()
	for _, script := range []string{"update add www.example.org. 60 A 192.0.2.9\n", "update add other.example.org. 60 TXT x\n", "update delete www.example.org.\n"} {
		if out, good := runUpdate(t, "nsupdate", s.addr, acmeKey, acmeSecret, script); good || !strings.Contains(out, "REFUSED") {
			t.Errorf("acme key: want REFUSED for %q, got:\n%s", script, out)
		}
	}
	// Unsigned: REFUSED. A zone we do not hold: NOTAUTH.
	if out, good := runUpdate(t, "nsupdate", s.addr, "", "", "update add x.example.org. 60 A 192.0.2.9\n"); good || !strings.Contains(out, "REFUSED") {
		t.Errorf("unsigned: want REFUSED, got:\n%s", out)
	}
	m := new(dns.Msg)
	m.SetUpdate("example.com.")
	rr, _ := dns.NewRR("x.example.com. 60 IN A 192.0.2.1")
	m.Insert([]dns.RR{rr})
	m.SetTsig(updateKey, dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{TsigSecret: map[string]string{updateKey: updateSecret}, Timeout: 2 * time.Second}
	// miekg/dns's client reports any signed NOTAUTH as a TSIG failure
	// (RFC 8945 uses that rcode too), so judge the reply's rcode itself.
	if r, _, err := c.Exchange(m, s.addr); r == nil || r.Rcode != dns.RcodeNotAuth {
		t.Errorf("another zone: want NOTAUTH, got %v (error %v)", r, err)
	}
	if e.storeSnapshot() != before {
		t.Error("refused updates changed the store")
	}

	// The updates are in the API, the audit log, and, once compacted, the zone file.
	resp, err := http.Get(e.base + "/zones/example.org/records?name=_acme-challenge&type=TXT")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"value":"\"tok\""`) {
		t.Errorf("the update is not in the API: %d %s", resp.StatusCode, body)
	}
	e.waitCompacted("example.org")
	file := e.storeFile("example.org")
	if !strings.Contains(file, "_acme-challenge\t60\tIN\tTXT\t\"tok\"") || !strings.Contains(file, "nx\t60\tIN\tA\t192.0.2.1") {
		t.Errorf("updates missing from the zone file:\n%s", file)
	}
	if !strings.Contains(s.log.String(), "audit token=acme-key. op=update zone=example.org.") {
		t.Errorf("no audit line for the updates:\n%s", s.log.String())
	}
	// And in Git: one commit per applied update, with its key; the refused
	// ones made none.
	var last string
	eventually(t, 5*time.Second, "the updates are not all committed", func() bool {
		last = git(t, dir, "log", "-1", "--format=%B", "--", "example.org.zone")
		return strings.Contains(last, "Token: acme-key.")
	})
	if !strings.Contains(last, "Operation: update") || !strings.Contains(git(t, dir, "show", "HEAD:example.org.zone"), "_acme-challenge\t60\tIN\tTXT\t\"tok\"") {
		t.Errorf("the last update's commit:\n%s", last)
	}
	// nsupdate and knsupdate each sent 8 updates that applied (the 5 whose
	// prerequisites failed changed nothing), the ACME key 1; with the
	// startup commit: 18.
	if n := strings.Count(git(t, dir, "log", "--format=%s", "--", "example.org.zone"), "\n"); n != 18 {
		t.Errorf("want 18 commits of example.org.zone, got %d:\n%s", n, git(t, dir, "log", "--format=%s"))
	}
}
