package test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestFullAndReadOnlyStore runs bin/coredns in a mount namespace of its own
// on a 2 MiB tmpfs store. A full store makes writes fail with 507 and a
// read-only one with 503; what is served does not change; once space or
// write access returns, writes succeed again; nothing that was
// acknowledged is lost across a restart.
func TestFullAndReadOnlyStore(t *testing.T) {
	for _, tool := range []string{"unshare", "nsenter", "mount"} {
		needTool(t, tool)
	}
	if out, err := exec.Command("unshare", "-m", "true").CombinedOutput(); err != nil {
		t.Fatalf("this test needs mount namespaces (root): %v %s", err, out)
	}
	mnt := t.TempDir()
	src := filepath.Join(repoRoot(t), "test", "testdata", "api", "example.org.zone")
	dnsPort, apiPort := freePort(t), freePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "Corefile")
	os.WriteFile(conf, []byte(fmt.Sprintf(".:%d {\n    bind 127.0.0.1\n    zoneapi %s {\n        listen 127.0.0.1:%d\n    }\n}\n", dnsPort, mnt, apiPort)), 0o644)
	script := fmt.Sprintf("mount -t tmpfs -o size=2m tmpfs %s && cp %s %s/ && exec %s -conf %s", mnt, src, mnt, corednsBinary(t), conf)
	cmd := exec.Command("unshare", "-m", "sh", "-c", script)
	s := start(t, "coredns", fmt.Sprintf("127.0.0.1:%d", dnsPort), "example.org.", cmd)
	pid := strconv.Itoa(cmd.Process.Pid)
	inNS := func(args ...string) string {
		out, _ := exec.Command("nsenter", append([]string{"-t", pid, "-m"}, args...)...).CombinedOutput()
		return string(out)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	post := func(name string) int {
		resp, err := http.Post(base+"/zones/example.org/records", "application/json", strings.NewReader(`{"type":"TXT","name":"`+name+`","value":"`+strings.Repeat("x", 200)+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	served := func(name string) bool {
		m := new(dns.Msg).SetQuestion(name+".example.org.", dns.TypeTXT)
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, s.addr)
		return err == nil && len(r.Answer) > 0
	}
	acked := []string{}
	if post("before") != 201 {
		t.Fatal("a write to a healthy store failed")
	}
	acked = append(acked, "before")

	// Full: fill the tmpfs, then write until the store refuses.
	inNS("dd", "if=/dev/zero", "of="+mnt+"/fill", "bs=64k")
	refused := ""
	for i := range 200 {
		name := fmt.Sprintf("full%d", i)
		code := post(name)
		if code == 201 {
			acked = append(acked, name)
			continue
		}
		if code != http.StatusInsufficientStorage && code != http.StatusServiceUnavailable {
			t.Fatalf("on a full store: want 507 (or 503 while it recovers), got %d", code)
		}
		refused = name
		break
	}
	if refused == "" {
		t.Fatal("200 writes to a full 2 MiB store all succeeded")
	}
	if served(refused) {
		t.Fatal("a refused write is served")
	}
	if !served("before") {
		t.Fatal("a full store changed what is served")
	}
	// Space returns: writes succeed again (after a compaction, if the failed append could not be undone).
	inNS("rm", "-f", mnt+"/fill")
	waitFor(t, 5*time.Second, "writes succeed once space returns", func() bool {
		if post("afterfull") == 201 {
			acked = append(acked, "afterfull")
			return true
		}
		return false
	})

	// Read-only. tmpfs refuses to turn read-only while a file is open for
	// writing, so wait for the compactor to write the zone and close its journal.
	waitFor(t, 5*time.Second, "the journal is compacted", func() bool {
		return !strings.Contains(inNS("ls", "-a", mnt+"/.journal"), ".jnl")
	})
	if out := inNS("mount", "-o", "remount,ro", mnt); out != "" {
		t.Fatalf("remount ro: %s", out)
	}
	if code := post("readonly"); code != http.StatusServiceUnavailable {
		t.Fatalf("on a read-only store: want 503, got %d", code)
	}
	if served("readonly") {
		t.Fatal("a refused write is served")
	}
	inNS("mount", "-o", "remount,rw", mnt)
	waitFor(t, 5*time.Second, "writes succeed once the store is writable", func() bool {
		if post("afterro") == 201 {
			acked = append(acked, "afterro")
			return true
		}
		return false
	})
	for _, name := range acked {
		if !served(name) {
			t.Fatalf("acknowledged %s is not served", name)
		}
	}
	if strings.Contains(s.log.String(), "panic") {
		t.Fatalf("panic:\n%s", s.log.String())
	}
}
