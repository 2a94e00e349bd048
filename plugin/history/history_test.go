package history

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func gitCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is needed to check the repository: %v", err)
	}
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestCommitsAreRealGitHistory(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(dir, "main", Author{"zoneapi", "zoneapi@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	v1 := []byte("$ORIGIN a.test.\n@ 3600 IN SOA ns. h. 1 1 1 1 1\n")
	v2 := []byte("$ORIGIN a.test.\n@ 3600 IN SOA ns. h. 2 1 1 1 1\nwww 60 IN A 192.0.2.1\n")
	if _, err := r.Commit(map[string][]byte{"a.test.zone": v1}, "add a.test\n\nOperation: createZone\nSerial: 1\n", when); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(map[string][]byte{"b.test.zone": []byte("b\n")}, "add b.test", when); err != nil {
		t.Fatal(err)
	}
	h2, err := r.Commit(map[string][]byte{"a.test.zone": v2}, "change a.test\n\nReason: more web\nOperation: upsertRecord\n", when.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := r.Commit(map[string][]byte{"a.test.zone": v2}, "nothing", when); err != nil || !h.IsZero() {
		t.Errorf("a commit that changes nothing made %v, %v", h, err)
	}

	// git itself reads it: fsck, one commit per change, the files.
	gitCLI(t, dir, "fsck", "--strict")
	if got := gitCLI(t, dir, "log", "--format=%s", "--", "a.test.zone"); got != "change a.test\nadd a.test\n" {
		t.Errorf("git log of a.test.zone:\n%s", got)
	}
	if got := gitCLI(t, dir, "show", "HEAD:a.test.zone"); got != string(v2) {
		t.Errorf("HEAD:a.test.zone is %q", got)
	}
	if got := gitCLI(t, dir, "log", "-1", "--format=%an <%ae> %aI"); got != "zoneapi <zoneapi@example.org> 2026-11-25T10:00:01+00:00\n" {
		t.Errorf("author: %q", got)
	}
	os.WriteFile(filepath.Join(dir, "a.test.zone"), v2, 0o644)
	os.WriteFile(filepath.Join(dir, "b.test.zone"), []byte("b\n"), 0o644)
	if err := r.WriteIndex(); err != nil {
		t.Fatal(err)
	}
	if got := gitCLI(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("git status after WriteIndex:\n%s", got)
	}

	// Log: newest first, trailers read, paging.
	revs, next, err := r.Log("a.test.zone", "", 10, 100, nil)
	if err != nil || len(revs) != 2 || next != "" {
		t.Fatalf("log: %v %q %v", revs, next, err)
	}
	if revs[0].ID != h2.String() || revs[0].Trailer["Reason"] != "more web" || revs[0].Subject != "change a.test" {
		t.Errorf("newest revision: %+v", revs[0])
	}
	page, next, _ := r.Log("a.test.zone", "", 1, 100, nil)
	if len(page) != 1 || next == "" {
		t.Fatalf("first page: %v %q", page, next)
	}
	rest, next, _ := r.Log("a.test.zone", next, 10, 100, nil)
	if len(rest) != 1 || rest[0].ID != revs[1].ID || next != "" {
		t.Errorf("second page: %v %q", rest, next)
	}

	// Show and the unified diff.
	rev, before, after, err := r.Show(h2.String()[:10], "a.test.zone")
	if err != nil || rev.ID != h2.String() || string(before) != string(v1) || string(after) != string(v2) {
		t.Fatalf("show: %+v %q %q %v", rev, before, after, err)
	}
	d := UnifiedDiff("a.test.zone", before, after)
	for _, want := range []string{"--- a/a.test.zone", "+++ b/a.test.zone", "-@ 3600 IN SOA ns. h. 1 1 1 1 1", "+www 60 IN A 192.0.2.1"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if _, _, _, err := r.Show("deadbeef", "a.test.zone"); err == nil {
		t.Error("an unknown revision was shown")
	}

	// Reopened, it goes on from the same head.
	r2, err := Open(dir, "main", Author{"zoneapi", "zoneapi@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Head() != h2 {
		t.Errorf("reopened at %v, want %v", r2.Head(), h2)
	}
	if h, ok := r2.Blob("a.test.zone"); !ok || h != BlobHash(v2) {
		t.Errorf("reopened tree: %v %v", h, ok)
	}
	if _, err := r2.Commit(map[string][]byte{"b.test.zone": nil}, "remove b.test", when); err != nil {
		t.Fatal(err)
	}
	if got := gitCLI(t, dir, "ls-tree", "--name-only", "HEAD"); got != ".gitignore\na.test.zone\n" {
		t.Errorf("tree after removing b.test.zone:\n%s", got)
	}
}

func TestRemoteCredentialsStayInMemory(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(dir, "main", Author{"zoneapi", "zoneapi@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetRemote("https://bot:s3cret@git.example.org/dns/zones.git"); err != nil {
		t.Fatal(err)
	}
	conf, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if strings.Contains(string(conf), "s3cret") || !strings.Contains(string(conf), "url = https://git.example.org/dns/zones.git") {
		t.Errorf(".git/config:\n%s", conf)
	}
	if got := Public("https://bot:s3cret@git.example.org/z.git"); got != "https://git.example.org/z.git" {
		t.Errorf("Public: %s", got)
	}
	if got := Public("git@git.example.org:dns/zones.git"); got != "git@git.example.org:dns/zones.git" {
		t.Errorf("Public of an scp-like URL: %s", got)
	}
}

// git gc in the store while the Repo is open (as the docs allow): objects
// move into a pack, and the Repo goes on reading and committing.
func TestGitGCWhileOpen(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(dir, "main", Author{"zoneapi", "zoneapi@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := r.Commit(map[string][]byte{"a.test.zone": []byte(fmt.Sprintf("v%d\n", i))}, fmt.Sprintf("change %d", i), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	gitCLI(t, dir, "gc", "--quiet", "--prune=now")
	revs, _, err := r.Log("a.test.zone", "", 100, 1000, nil)
	if err != nil || len(revs) != 20 {
		t.Fatalf("log after gc: %d revisions, %v", len(revs), err)
	}
	if _, _, after, err := r.Show(revs[5].ID, "a.test.zone"); err != nil || string(after) != "v14\n" {
		t.Fatalf("show after gc: %q %v", after, err)
	}
	if _, err := r.Commit(map[string][]byte{"a.test.zone": []byte("v20\n")}, "after gc", time.Now()); err != nil {
		t.Fatal(err)
	}
	gitCLI(t, dir, "fsck", "--strict")
}
