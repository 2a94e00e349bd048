package test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// editSerial sets the SOA serial of a zone file written by zoneapi.
func editSerial(t *testing.T, text, serial string) string {
	re := regexp.MustCompile(`(?m)^(@\t\d+\tIN\tSOA\t\S+ \S+ )\d+`)
	if !re.MatchString(text) {
		t.Fatalf("no SOA line in:\n%s", text)
	}
	return re.ReplaceAllString(text, "${1}"+serial)
}

func writeFile(t *testing.T, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitCompacted waits until the zone's journal has been written to its file.
func (e *apiEnv) waitCompacted(zone string) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(e.dir, ".journal", zone+".jnl")); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the journal of %s was not compacted", zone)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// startCoreDNSOnPort is startCoreDNS for a Corefile that names its own port.
func startCoreDNSOnPort(t *testing.T, corefile string, port int, zone string) *server {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "Corefile")
	os.WriteFile(conf, []byte(withFreeListen(t, corefile)), 0o644)
	cmd := exec.Command(corednsBinary(t), "-conf", conf)
	cmd.Dir = dir
	return start(t, "coredns-secondary", fmt.Sprintf("127.0.0.1:%d", port), zone, cmd)
}

func postRecord(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/zones/example.org/records", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("post record: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
}

// storeSnapshot is the store's files and journals, to compare.
func (e *apiEnv) storeSnapshot() string {
	var b strings.Builder
	for _, pattern := range []string{"*.zone", ".journal/*"} {
		files, _ := filepath.Glob(filepath.Join(e.dir, pattern))
		for _, f := range files {
			text, _ := os.ReadFile(f)
			b.WriteString(f + "\n" + string(text))
		}
	}
	return b.String()
}

// waitCommitted waits until every applied change has its Git commit.
func (e *apiEnv) waitCommitted() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := e.c.GetGitStatusWithResponse(context.Background())
		if err == nil && r.JSON200 != nil && r.JSON200.PendingCommits == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("changes still waiting for their commit: %v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
