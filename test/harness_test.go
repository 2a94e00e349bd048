// Package test runs the built bin/coredns, and real peers (NSD, Knot), on
// loopback, and checks what a DNS client sees.
package test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// repoRoot is the repository's top directory.
func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// corednsBinary returns the path of the built bin/coredns.
func corednsBinary(t testing.TB) string {
	p := filepath.Join(repoRoot(t), "bin", "coredns")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("bin/coredns is missing, run ./build.sh first: %v", err)
	}
	return p
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1, and
// never one it returned before: the kernel may hand out a port it just
// gave, and two services of one Corefile then collide.
func freePort(t testing.TB) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			givenMu.Lock()
			again := given[port]
			given[port] = true
			givenMu.Unlock()
			if !again {
				return port
			}
		}
	}
	t.Fatal("no free port")
	return 0
}

var (
	givenMu sync.Mutex
	given   = map[int]bool{}
)

// server is a process serving DNS on loopback.
type server struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *syncBuffer
}

// syncBuffer collects a process's output; the test reads it while the
// process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// start runs the command and waits until it answers an SOA query for zone.
func start(t testing.TB, name, addr, zone string, cmd *exec.Cmd) *server {
	t.Helper()
	s := &server{name: name, addr: addr, cmd: cmd, log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, s.log.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		m := new(dns.Msg)
		m.SetQuestion(zone, dns.TypeSOA)
		c := &dns.Client{Timeout: 200 * time.Millisecond}
		if r, _, err := c.Exchange(m, addr); err == nil && r.Rcode == dns.RcodeSuccess && len(r.Answer) > 0 {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer for %s on %s:\n%s", name, zone, addr, s.log.String())
	return nil
}

// startCoreDNS runs bin/coredns with the Corefile text; the text's {PORT} is
// replaced by a free port, whose address is returned with the server.
func startCoreDNS(t testing.TB, corefile, zone string) *server {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	corefile = withFreeListen(t, strings.ReplaceAll(corefile, "{PORT}", fmt.Sprint(port)))
	conf := filepath.Join(dir, "Corefile")
	if err := os.WriteFile(conf, []byte(corefile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(corednsBinary(t), "-conf", conf)
	cmd.Dir = dir
	return start(t, "coredns", fmt.Sprintf("127.0.0.1:%d", port), zone, cmd)
}

// copyZones copies zone files from testdata into a new store directory.
func copyZones(t testing.TB, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// needTool fails the test when a peer that ./build.sh test installs is missing.
func needTool(t testing.TB, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed; ./build.sh test installs it: %v", name, err)
	}
	return p
}

// runBriefly runs bin/coredns with a Corefile that is expected to be
// refused, for at most 10 seconds, and returns its output and exit error.
func runBriefly(t testing.TB, conf string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, corednsBinary(t), "-conf", conf)
	c.Dir = filepath.Dir(conf)
	out, err := c.CombinedOutput()
	return string(out), err
}
