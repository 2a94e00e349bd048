package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

// git runs the git command in dir and returns its output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	needTool(t, "git")
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=operator", "GIT_AUTHOR_EMAIL=op@example.org", "GIT_COMMITTER_NAME=operator", "GIT_COMMITTER_EMAIL=op@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

const gitBlock = `        git {
            author "DNS bot" dns@example.org
        }
`

// TestGitHistoryHasOneCommitPerChange makes changes through the API from
// parallel writers, an out-of-band edit and a zone deletion, and reads the
// store with the git command: one commit per change with its operation,
// zone, serial, token and reason; a clean work tree; and after a kill -9
// with commits still pending, a history that catches up at the next start.
func TestGitHistoryHasOneCommitPerChange(t *testing.T) {
	e := startAPI(t, gitBlock, "store/example.org.zone")
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				reason := fmt.Sprintf("writer %d change %d", w, i)
				r, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{XChangeReason: &reason},
					client.DNSRecordInput{Type: "A", Name: fmt.Sprintf("w%d-%d", w, i), Value: "192.0.2.1"})
				if err != nil || r.StatusCode()/100 != 2 {
					t.Errorf("upsert: %v %v", err, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	e.waitCommitted()
	e.waitCompacted("example.org")

	subjects := strings.Split(strings.TrimSpace(git(t, e.dir, "log", "--format=%s", "--", "example.org.zone")), "\n")
	if len(subjects) != 41 || !strings.HasPrefix(subjects[40], "startup: 1 files") {
		t.Fatalf("want 40 commits and the startup one, got %d:\n%s", len(subjects), strings.Join(subjects, "\n"))
	}
	reasons := git(t, e.dir, "log", "--format=%(trailers:key=Reason,valueonly)", "--", "example.org.zone")
	for w := range 4 {
		for i := range 10 {
			if n := strings.Count(reasons, fmt.Sprintf("writer %d change %d\n", w, i)); n != 1 {
				t.Errorf("reason of writer %d change %d is in %d commits", w, i, n)
			}
		}
	}
	last := git(t, e.dir, "log", "-1", "--format=%an <%ae>%n%B")
	soa := e.dig("example.org.", dns.TypeSOA)[0]
	serial := strings.Fields(soa)[2]
	for _, want := range []string{"DNS bot <dns@example.org>", "upsertRecord example.org: serial " + serial + " (+1 -0)", "Operation: upsertRecord", "Zone: example.org", "Serial: " + serial, "Token: anonymous"} {
		if !strings.Contains(last, want) {
			t.Errorf("last commit lacks %q:\n%s", want, last)
		}
	}
	if st := git(t, e.dir, "status", "--porcelain"); st != "" {
		t.Errorf("the work tree differs from HEAD once compacted:\n%s", st)
	}
	git(t, e.dir, "fsck", "--strict")

	// An out-of-band edit, reloaded, is committed as written.
	edited := e.storeFile("example.org") + "; a comment kept in the history\noob\t60\tIN\tA\t192.0.2.99\n"
	writeFile(t, filepath.Join(e.dir, "example.org.zone"), editSerial(t, edited, "2099010100"))
	if r, _ := e.c.ReloadZoneWithResponse(ctx, "example.org", &client.ReloadZoneParams{}); r.StatusCode() != 202 {
		t.Fatalf("reloadZone: %s", r.Body)
	}
	e.waitCommitted()
	if got := git(t, e.dir, "show", "HEAD:example.org.zone"); got != e.storeFile("example.org") || !strings.Contains(got, "; a comment kept") {
		t.Errorf("the reloaded file is not committed as written:\n%s", got)
	}
	if got := git(t, e.dir, "log", "-1", "--format=%s"); got != "reloadZone example.org: serial 2099010100\n" {
		t.Errorf("reload commit: %q", got)
	}

	// A deleted zone's file leaves the tree in one commit.
	if r, _ := e.c.CreateZoneWithResponse(ctx, &client.CreateZoneParams{}, client.ZoneInput{Name: "gone.test"}); r.StatusCode() != 201 {
		t.Fatalf("createZone: %s", r.Body)
	}
	if r, _ := e.c.DeleteZoneWithResponse(ctx, "gone.test", &client.DeleteZoneParams{XChangeReason: ptr("decommissioned")}); r.StatusCode() != 204 {
		t.Fatalf("deleteZone: %s", r.Body)
	}
	e.waitCommitted()
	if tree := git(t, e.dir, "ls-tree", "--name-only", "HEAD"); tree != ".gitignore\nexample.org.zone\n" {
		t.Errorf("tree after deleteZone:\n%s", tree)
	}
	subjects = strings.Split(strings.TrimSpace(git(t, e.dir, "log", "--format=%s", "--", "gone.test.zone")), "\n")
	if len(subjects) != 2 || subjects[0] != "deleteZone gone.test: zone deleted" || !strings.HasPrefix(subjects[1], "createZone gone.test: serial ") {
		t.Errorf("gone.test history: %q", subjects)
	}
	if got := git(t, e.dir, "log", "-1", "--format=%(trailers:key=Reason,valueonly)"); strings.TrimSpace(got) != "decommissioned" {
		t.Errorf("deleteZone reason: %q", got)
	}

	// A restart with nothing changed adds no commit.
	head := git(t, e.dir, "rev-parse", "HEAD")
	e.srv.cmd.Process.Signal(syscall.SIGTERM)
	e.srv.cmd.Wait()
	e2 := restartAPI(t, e, gitBlock)
	if got := git(t, e2.dir, "rev-parse", "HEAD"); got != head {
		t.Errorf("a restart with nothing changed committed: %s -> %s", head, got)
	}

	// kill -9 right after acknowledged changes: the next start commits
	// whatever the history did not have yet, and the history equals the store.
	for i := range 20 {
		if r, _ := e2.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: fmt.Sprintf("late%d", i), Value: "192.0.2.2"}); r.StatusCode()/100 != 2 {
			t.Fatalf("upsert: %s", r.Body)
		}
	}
	e2.srv.cmd.Process.Kill()
	e2.srv.cmd.Wait()
	e3 := restartAPI(t, e2, gitBlock)
	e3.waitCommitted()
	e3.waitCompacted("example.org")
	if got := git(t, e3.dir, "show", "HEAD:example.org.zone"); got != e3.storeFile("example.org") || !strings.Contains(got, "\nlate19\t") {
		t.Errorf("after kill -9, HEAD differs from the store:\n%s", got)
	}
	if st := git(t, e3.dir, "status", "--porcelain"); st != "" {
		t.Errorf("after kill -9, git status:\n%s", st)
	}
	git(t, e3.dir, "fsck", "--strict")
}

// restartAPI starts bin/coredns again on e's store.
func restartAPI(t *testing.T, e *apiEnv, extra string) *apiEnv {
	t.Helper()
	port := freePort(t)
	s := startCoreDNS(t, fmt.Sprintf(apiCorefile, e.dir, port, extra), "example.org.")
	n := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", port), dir: e.dir}
	n.doer = newValidatingDoer(t, n.base)
	waitHealthy(t, n.base)
	c, err := client.NewClientWithResponses(n.base, client.WithHTTPClient(n.doer))
	if err != nil {
		t.Fatal(err)
	}
	n.c = c
	return n
}
