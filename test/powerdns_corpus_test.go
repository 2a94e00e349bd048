package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// startPowerDNS runs PowerDNS 4.7's authoritative server (Debian's
// pdns-server, gsqlite3) with its API on a free loopback port, holding the
// zone of the master file zoneFile as example.org., and returns the API's
// base URL and key.
func startPowerDNS(t *testing.T, zoneFile string) (string, string) {
	t.Helper()
	for _, tool := range []string{"pdns_server", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (apt-get install pdns-server pdns-backend-sqlite3 sqlite3; test/run.sh installs them)", tool)
		}
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "pdns.sqlite3")
	schema, err := os.Open("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer schema.Close()
	mk := exec.Command("sqlite3", db)
	mk.Stdin = schema
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v %s", err, out)
	}
	wport := freePort(t)
	conf := fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%s
local-address=127.0.0.1
local-port=%d
socket-dir=%s
api=yes
api-key=corpus
webserver=yes
webserver-address=127.0.0.1
webserver-port=%d
webserver-allow-from=127.0.0.1
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
`, db, freePort(t), dir, wport)
	if err := os.WriteFile(filepath.Join(dir, "pdns.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdns_server", "--config-dir="+dir)
	log, _ := os.Create(filepath.Join(dir, "log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := fmt.Sprintf("http://127.0.0.1:%d", wport)
	eventually(t, 10*time.Second, "PowerDNS's API answers", func() bool {
		s, _ := rawCall(base, "GET", "/api/v1/servers/localhost", "corpus", "")
		return s == 200
	})
	text, err := os.ReadFile(zoneFile)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"name": "example.org.", "kind": "Native", "zone": "$ORIGIN example.org.\n" + string(text)})
	if s, b := rawCall(base, "POST", "/api/v1/servers/localhost/zones", "corpus", string(body)); s != 201 {
		t.Fatalf("PowerDNS's zone: %d %s", s, b)
	}
	return base, "corpus"
}

// rawCall sends a request with an X-API-Key (none when key is "") and
// returns its status and body; status 0 and the error when it got none.
func rawCall(base, method, path, key, body string) (int, []byte) {
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// rrsetsOf returns a zone's RRsets but the SOA (whose serial each server
// keeps its own way) as sorted lines "name type ttl content".
func rrsetsOf(t *testing.T, base, key string) []string {
	t.Helper()
	s, b := rawCall(base, "GET", "/api/v1/servers/localhost/zones/example.org.", key, "")
	if s != 200 {
		t.Fatalf("GET the zone: %d %s", s, b)
	}
	var z struct {
		RRsets []struct {
			Name, Type string
			TTL        int
			Records    []struct{ Content string }
		}
	}
	if err := json.Unmarshal(b, &z); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, set := range z.RRsets {
		if set.Type == "SOA" {
			continue
		}
		for _, r := range set.Records {
			out = append(out, fmt.Sprintf("%s %s %d %s", strings.ToLower(set.Name), set.Type, set.TTL, r.Content))
		}
	}
	slices.Sort(out)
	return out
}

// TestPowerDNSPatchCorpus sends the same PATCH documents, valid and
// invalid, to PowerDNS 4.7 and to zoneapi's /api, one after the other on
// the same zone: the same status and the same RRsets after each.
func TestPowerDNSPatchCorpus(t *testing.T) {
	pdns, pkey := startPowerDNS(t, "testdata/store/example.org.zone")
	e := startAPI(t, "        token corpus-key\n", "store/example.org.zone")
	ours := strings.TrimSuffix(e.base, "/v1")
	set := func(name, typ, change string, ttl int, contents ...string) string {
		recs := make([]string, len(contents))
		for i, c := range contents {
			q, _ := json.Marshal(c)
			recs[i] = `{"content":` + string(q) + `,"disabled":false}`
		}
		t := ""
		if ttl > 0 {
			t = fmt.Sprintf(`"ttl":%d,`, ttl)
		}
		return fmt.Sprintf(`{"name":%q,"type":%q,%s"changetype":%q,"records":[%s]}`, name, typ, t, change, strings.Join(recs, ","))
	}
	patch := func(sets ...string) string { return `{"rrsets":[` + strings.Join(sets, ",") + `]}` }
	corpus := []struct{ name, body string }{
		{"a new A RRset", patch(set("api.example.org.", "A", "REPLACE", 300, "192.0.2.10", "192.0.2.11"))},
		{"an existing RRset, a new TTL", patch(set("www.example.org.", "A", "REPLACE", 120, "192.0.2.80"))},
		{"a quoted TXT", patch(set("txt.example.org.", "TXT", "REPLACE", 60, `"hello world"`))},
		{"two TXT strings", patch(set("txt2.example.org.", "TXT", "REPLACE", 60, `"a" "b"`))},
		{"an AAAA", patch(set("v6.example.org.", "AAAA", "REPLACE", 300, "2001:db8::1"))},
		{"an MX", patch(set("example.org.", "MX", "REPLACE", 300, "10 mail.example.org."))},
		{"an SRV", patch(set("_sip._udp.example.org.", "SRV", "REPLACE", 300, "0 5 5060 sip.example.org."))},
		{"a CAA", patch(set("example.org.", "CAA", "REPLACE", 300, `0 issue "letsencrypt.org"`))},
		{"a wildcard", patch(set("*.wild.example.org.", "A", "REPLACE", 300, "192.0.2.99"))},
		{"a CNAME", patch(set("alias.example.org.", "CNAME", "REPLACE", 300, "www.example.org."))},
		{"several RRsets at once", patch(set("m1.example.org.", "A", "REPLACE", 300, "192.0.2.1"), set("m2.example.org.", "A", "REPLACE", 300, "192.0.2.2"))},
		{"a DELETE", patch(set("m1.example.org.", "A", "DELETE", 0))},
		{"a REPLACE without records", patch(set("m2.example.org.", "A", "REPLACE", 300))},
		{"a DELETE of what is not there", patch(set("none.example.org.", "A", "DELETE", 0))},
		{"no RRsets", `{"rrsets":[]}`},
		{"an apex NS set", patch(set("example.org.", "NS", "REPLACE", 3600, "ns1.example.org.", "ns2.example.net."))},
		{"bad: a name without its dot", patch(set("bad.example.org", "A", "REPLACE", 300, "192.0.2.1"))},
		{"bad: out of zone", patch(set("www.example.net.", "A", "REPLACE", 300, "192.0.2.1"))},
		{"bad: an address", patch(set("bad.example.org.", "A", "REPLACE", 300, "300.1.2.3"))},
		{"bad: an unknown changetype", patch(set("bad.example.org.", "A", "UPSERT", 300, "192.0.2.1"))},
		{"bad: an unknown type", patch(set("bad.example.org.", "NOSUCHTYPE", "REPLACE", 300, "x"))},
		{"bad: a CNAME beside an A", patch(set("www.example.org.", "CNAME", "REPLACE", 300, "alias.example.org."))},
		{"bad: two CNAME records", patch(set("c2.example.org.", "CNAME", "REPLACE", 300, "a.example.org.", "b.example.org."))},
		{"bad: the same RRset twice", patch(set("d.example.org.", "A", "REPLACE", 300, "192.0.2.1"), set("d.example.org.", "A", "REPLACE", 300, "192.0.2.2"))},
		{"bad: a good RRset with a bad one", patch(set("good.example.org.", "A", "REPLACE", 300, "192.0.2.1"), set("bad.example.org.", "A", "REPLACE", 300, "nonsense"))},
		{"bad: an MX without a preference", patch(set("example.org.", "MX", "REPLACE", 300, "mail.example.org."))},
		{"bad: an A without a TTL", patch(set("nottl.example.org.", "A", "REPLACE", 0, "192.0.2.1"))},
		{"bad: not JSON", `{"rrsets":[`},
		{"bad: an AAAA holding an IPv4 address", patch(set("v6.example.org.", "AAAA", "REPLACE", 300, "192.0.2.1"))},
		{"bad: an SRV missing its port", patch(set("_x._tcp.example.org.", "SRV", "REPLACE", 300, "0 5 sip.example.org."))},
	}
	for _, c := range corpus {
		ps, pb := rawCall(pdns, "PATCH", "/api/v1/servers/localhost/zones/example.org.", pkey, c.body)
		zs, zb := rawCall(ours, "PATCH", "/api/v1/servers/localhost/zones/example.org.", "corpus-key", c.body)
		if ps != zs {
			t.Errorf("%s: PowerDNS %d %s, zoneapi %d %s", c.name, ps, pb, zs, zb)
		}
		if p, z := rrsetsOf(t, pdns, pkey), rrsetsOf(t, ours, "corpus-key"); !slices.Equal(p, z) {
			t.Errorf("%s: the RRsets differ\nPowerDNS: %q\nzoneapi:  %q", c.name, p, z)
		}
	}
}
