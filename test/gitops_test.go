package test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

// operatorRepo makes a bare repository (the remote) holding example.org,
// and an operator's clone of it; it returns the remote's URL and the clone.
func operatorRepo(t *testing.T) (url, work string) {
	t.Helper()
	bare := filepath.Join(t.TempDir(), "zones.git")
	git(t, ".", "init", "-q", "--bare", "-b", "main", bare)
	work = filepath.Join(t.TempDir(), "op")
	git(t, ".", "clone", "-q", bare, work)
	git(t, work, "checkout", "-q", "-b", "main")
	zone, _ := os.ReadFile("testdata/store/example.org.zone")
	writeFile(t, filepath.Join(work, "example.org.zone"), string(zone))
	writeFile(t, filepath.Join(work, "README"), "zones of example.org, served by zoneapi\n")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "example.org")
	git(t, work, "push", "-q", "origin", "main")
	return "file://" + bare, work
}

// operatorCommit writes file in the operator's clone, commits and pushes,
// pulling (rebasing) first when the server pushed in between.
func operatorCommit(t *testing.T, work, file, text, msg string) {
	t.Helper()
	writeFile(t, filepath.Join(work, file), text)
	git(t, work, "add", file)
	git(t, work, "commit", "-q", "-m", msg)
	for i := 0; ; i++ {
		cmd := fmt.Sprintf("cd %s && git push -q origin main 2>&1 || (git pull -q --rebase origin main 2>&1 && false)", work)
		if out, err := runShell(cmd); err == nil {
			return
		} else if i == 20 {
			t.Fatalf("push: %v\n%s", err, out)
		}
	}
}

func runShell(cmd string) (string, error) {
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	return string(out), err
}

// eventually polls cond for up to d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGitOpsPullsValidatesAndPushes runs bin/coredns on an empty store that
// follows a local bare repository over file://: it pulls the zones, serves
// a pushed change within the interval, refuses an invalid one while the
// old data keeps serving, merges API changes racing operator pushes to
// another zone, and pushes its own commits back.
func TestGitOpsPullsValidatesAndPushes(t *testing.T) {
	url, work := operatorRepo(t)
	block := fmt.Sprintf("        git {\n            remote %s\n            pull 200ms\n            push\n        }\n", url)
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e := startAPIWith(t, "    prometheus "+metrics+"\n", block)
	ctx := context.Background()
	zoneText := func() string { b, _ := os.ReadFile(filepath.Join(work, "example.org.zone")); return string(b) }

	// A valid pushed change is served within the interval.
	valid := strings.Replace(zoneText(), "2024010101", "2024010102", 1) + "pushed  IN A    192.0.2.50\n"
	operatorCommit(t, work, "example.org.zone", valid, "add pushed")
	eventually(t, 3*time.Second, "the pushed record is not served", func() bool { return len(e.dig("pushed.example.org.", dns.TypeA)) == 1 })
	if got, _ := os.ReadFile(filepath.Join(e.dir, "README")); len(got) != 0 {
		t.Errorf("a file that is not a zone was written to the store: %q", got)
	}

	// An invalid one is refused: the old data keeps serving; the status,
	// the log and pullGit say why, with the file and line.
	invalid := strings.Replace(valid, "2024010102", "2024010103", 1) + "broken  IN A    192.0.2.300\nalso    IN A    192.0.2.51\n"
	operatorCommit(t, work, "example.org.zone", invalid, "a typo")
	eventually(t, 3*time.Second, "the invalid pull is not reported", func() bool {
		r, _ := e.c.GetGitStatusWithResponse(ctx)
		return r.JSON200.Remote != nil && r.JSON200.Remote.ErrorCode != nil && *r.JSON200.Remote.ErrorCode == "invalid-zone-file"
	})
	pr, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{})
	if pr.StatusCode() != http.StatusConflict || pr.ApplicationproblemJSON409.Code != "invalid-zone-file" || *pr.ApplicationproblemJSON409.File != "example.org.zone" || *pr.ApplicationproblemJSON409.Line != 7 {
		t.Errorf("pullGit of an invalid file: %d %s", pr.StatusCode(), pr.Body)
	}
	if len(e.dig("also.example.org.", dns.TypeA)) != 0 || len(e.dig("pushed.example.org.", dns.TypeA)) != 1 {
		t.Errorf("an invalid pull changed what is served")
	}
	if serial := strings.Fields(e.dig("example.org.", dns.TypeSOA)[0])[2]; serial != "2024010102" {
		t.Errorf("serial after a refused pull: %s", serial)
	}
	if !strings.Contains(e.srv.log.String(), "invalid-zone-file") {
		t.Errorf("the refused pull is not in the log")
	}
	if n := metric(t, metrics, "coredns_zoneapi_git_pull_errors_total"); n < 1 {
		t.Errorf("the refused pull is not in the metrics: git_pull_errors_total %v", n)
	}
	// Fixed, it is applied and the error clears.
	fixed := strings.Replace(invalid, "192.0.2.300", "192.0.2.30", 1)
	operatorCommit(t, work, "example.org.zone", fixed, "fix the typo")
	eventually(t, 3*time.Second, "the fixed change is not served", func() bool { return len(e.dig("also.example.org.", dns.TypeA)) == 1 })
	if n := metric(t, metrics, "coredns_zoneapi_git_pulls_applied_total"); n < 2 {
		t.Errorf("git_pulls_applied_total is %v after two applied pulls", n)
	}
	eventually(t, 3*time.Second, "the error did not clear", func() bool {
		r, _ := e.c.GetGitStatusWithResponse(ctx)
		return r.JSON200.Remote.ErrorCode == nil
	})

	// API changes to example.org race operator pushes to a new zone.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 30 {
			r, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: fmt.Sprintf("api%d", i), Value: "192.0.2.7"})
			if err != nil || r.StatusCode()/100 != 2 {
				t.Errorf("upsert during pulls: %v %s", err, r.Body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	ops := "$ORIGIN ops.test.\n@ 300 IN SOA ns1 hostmaster %d 7200 3600 1209600 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\n"
	for i := range 5 {
		text := fmt.Sprintf(ops, i+1)
		for j := 0; j <= i; j++ {
			text += fmt.Sprintf("host%d 300 IN A 192.0.2.%d\n", j, j+10)
		}
		operatorCommit(t, work, "ops.test.zone", text, fmt.Sprintf("ops.test #%d", i))
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	eventually(t, 5*time.Second, "ops.test is not served in full", func() bool { return len(e.dig("host4.ops.test.", dns.TypeA)) == 1 })
	for i := range 30 {
		if len(e.dig(fmt.Sprintf("api%d.example.org.", i), dns.TypeA)) != 1 {
			t.Errorf("API record api%d lost in the race", i)
		}
	}
	// Consistent: the remote has the server's commits, and the operator's
	// clone, once pulled, has the API's records and the served serials.
	e.waitCommitted()
	eventually(t, 5*time.Second, "the server's commits are not pushed", func() bool {
		r, _ := e.c.GetGitStatusWithResponse(ctx)
		return r.JSON200.Remote.Ahead != nil && *r.JSON200.Remote.Ahead == 0 && r.JSON200.Remote.ErrorCode == nil
	})
	git(t, work, "pull", "-q", "--rebase", "origin", "main")
	e.waitCompacted("example.org")
	for _, z := range []string{"example.org", "ops.test"} {
		if mine, served := zoneTextIn(t, work, z), e.storeFile(z); mine != served {
			t.Errorf("%s: the operator's clone and the store differ:\n%s\n---\n%s", z, mine, served)
		}
	}
	if !strings.Contains(zoneText(), "\napi29\t") {
		t.Errorf("the API's records did not reach the remote")
	}
	git(t, e.dir, "fsck", "--strict")
	t.Logf("server history:\n%s", git(t, e.dir, "log", "--graph", "--format=%s", "-n", "60"))
}

func zoneTextIn(t *testing.T, dir, zone string) string {
	b, err := os.ReadFile(filepath.Join(dir, zone+".zone"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGitOpsMergesAndReportsDivergence: without push, the server and the
// remote both move. Changes to different zones are merged; changes to the
// same zone are a divergence: the pull is refused, nothing is overwritten
// on either side, and the status says so.
func TestGitOpsMergesAndReportsDivergence(t *testing.T) {
	url, work := operatorRepo(t)
	block := fmt.Sprintf("        git {\n            remote %s\n            pull 1h\n        }\n", url)
	e := startAPI(t, block)
	ctx := context.Background()

	// Different zones: merged, both served.
	if r, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: "merged", Value: "192.0.2.6"}); r.StatusCode()/100 != 2 {
		t.Fatalf("upsert: %s", r.Body)
	}
	operatorCommit(t, work, "ops.test.zone", "$ORIGIN ops.test.\n@ 300 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\n", "ops.test")
	e.waitCommitted()
	if pr, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{}); pr.StatusCode() != 200 || pr.JSON200.Remote.LastAppliedAt == nil {
		t.Fatalf("pullGit of changes to another zone: %d %s", pr.StatusCode(), pr.Body)
	}
	if len(e.dig("merged.example.org.", dns.TypeA)) != 1 || len(e.dig("ns1.ops.test.", dns.TypeA)) != 1 {
		t.Errorf("the merge does not serve both sides")
	}
	if parents := strings.Fields(git(t, e.dir, "log", "-1", "--format=%P")); len(parents) != 2 {
		t.Errorf("no merge commit: %v", parents)
	}

	// The same zone: a divergence.
	if r, _ := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Type: "A", Name: "server-side", Value: "192.0.2.8"}); r.StatusCode()/100 != 2 {
		t.Fatalf("upsert: %s", r.Body)
	}
	text := strings.Replace(zoneTextIn(t, work, "example.org"), "2024010101", "2024010105", 1) + "remote-side IN A 192.0.2.9\n"
	git(t, work, "pull", "-q", "--rebase", "origin", "main")
	operatorCommit(t, work, "example.org.zone", text, "a change on the remote")
	remoteHead := git(t, work, "rev-parse", "HEAD")
	e.waitCommitted()

	pr, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{})
	if pr.StatusCode() != http.StatusConflict || pr.ApplicationproblemJSON409.Code != "diverged" || !strings.Contains(*pr.ApplicationproblemJSON409.Detail, "example.org.zone") {
		t.Fatalf("pullGit on a divergence: %d %s", pr.StatusCode(), pr.Body)
	}
	if len(e.dig("server-side.example.org.", dns.TypeA)) != 1 || len(e.dig("remote-side.example.org.", dns.TypeA)) != 0 {
		t.Errorf("a refused pull changed what is served")
	}
	st, _ := e.c.GetGitStatusWithResponse(ctx)
	if r := st.JSON200.Remote; *r.ErrorCode != "diverged" || *r.Ahead < 1 || *r.Behind != 1 {
		t.Errorf("status on a divergence: %s", st.Body)
	}
	git(t, work, "fetch", "-q", "origin")
	if got := git(t, work, "rev-parse", "origin/main"); got != remoteHead {
		t.Errorf("the remote was overwritten: %s, was %s", got, remoteHead)
	}
}

// TestGitOpsFetchFailureChangesNothing: a remote that cannot be fetched is
// reported (502 fetch-failed, and in the status) and the zones keep serving.
func TestGitOpsFetchFailureChangesNothing(t *testing.T) {
	missing := "file://" + filepath.Join(t.TempDir(), "missing.git")
	e := startAPI(t, fmt.Sprintf("        git {\n            remote %s\n            pull 1h\n        }\n", missing), "store/example.org.zone")
	ctx := context.Background()
	pr, _ := e.c.PullGitWithResponse(ctx, &client.PullGitParams{})
	if pr.StatusCode() != http.StatusBadGateway || pr.ApplicationproblemJSON502.Code != "fetch-failed" {
		t.Fatalf("pullGit from a missing remote: %d %s", pr.StatusCode(), pr.Body)
	}
	st, _ := e.c.GetGitStatusWithResponse(ctx)
	if r := st.JSON200.Remote; r == nil || r.ErrorCode == nil || *r.ErrorCode != "fetch-failed" || r.LastPullAt == nil {
		t.Errorf("status after a failed fetch: %s", st.Body)
	}
	if got := e.dig("www.example.org.", dns.TypeA); len(got) != 1 {
		t.Errorf("a failed fetch changed what is served: %v", got)
	}
}

// TestGitOpsFillsAnEmptyRemote: with push, a store that follows an empty
// repository pushes its branch there, zones included.
func TestGitOpsFillsAnEmptyRemote(t *testing.T) {
	bare := filepath.Join(t.TempDir(), "empty.git")
	git(t, ".", "init", "-q", "--bare", "-b", "main", bare)
	e := startAPI(t, fmt.Sprintf("        git {\n            remote file://%s\n            pull 200ms\n            push\n        }\n", bare), "store/example.org.zone")
	eventually(t, 5*time.Second, "the store's branch was not pushed to the empty remote", func() bool {
		out, err := exec.Command("git", "-C", bare, "ls-tree", "--name-only", "main").CombinedOutput()
		return err == nil && strings.Contains(string(out), "example.org.zone")
	})
	st, _ := e.c.GetGitStatusWithResponse(context.Background())
	if r := st.JSON200.Remote; r == nil || r.ErrorCode != nil {
		t.Errorf("status after filling the remote: %s", st.Body)
	}
}

// metric returns the value of an unlabelled metric from the prometheus
// plugin at addr.
func metric(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
