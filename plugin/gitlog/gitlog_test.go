package gitlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"

	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// A committer that is behind by more than coalesceAbove changes folds each
// zone's into one commit listing them; below that, one commit per change.
func TestCommitterOneCommitPerChangeAndFoldsABacklog(t *testing.T) {
	defer func(n int) { coalesceAbove = n }(coalesceAbove)
	coalesceAbove = 256
	repo, err := history.Open(t.TempDir(), "main", history.Author{Name: "t", Email: "t@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(repo)
	for i := range 3 {
		c.enqueue(item{origin: "a.test.", z: testzone.Small(t, "a.test.", i+1), meta: pipeline.Meta{Op: "upsertRecord", Actor: "t"}, from: uint32(i), to: uint32(i + 1)})
	}
	go c.run()
	c.Flush()
	revs, _, _ := repo.Log("a.test.zone", "", 100, 1000, Touched)
	if len(revs) != 3 {
		t.Fatalf("3 changes made %d commits", len(revs))
	}
	c.mu.Lock() // hold the committer while a backlog builds
	for i := range coalesceAbove + 10 {
		for _, o := range []string{"a.test.", "b.test."} {
			c.queue = append(c.queue, item{origin: o, z: testzone.Small(t, o, i+10), meta: pipeline.Meta{Op: "upsertRecord", Actor: "t", Reason: "r"}, from: uint32(i + 9), to: uint32(i + 10)})
		}
	}
	c.mu.Unlock()
	c.signal()
	c.Flush()
	c.Close()
	for _, name := range []string{"a.test.zone", "b.test.zone"} {
		revs, _, _ := repo.Log(name, "", 100, 1000, Touched)
		if want := map[string]int{"a.test.zone": 4, "b.test.zone": 1}[name]; len(revs) != want {
			t.Fatalf("%s: %d commits, want %d", name, len(revs), want)
		}
		r := revs[0]
		if !strings.HasPrefix(r.Subject, fmt.Sprintf("%d changes to %s", coalesceAbove+10, strings.TrimSuffix(name, ".zone"))) ||
			strings.Count(r.Body, "upsertRecord serial") != coalesceAbove+10 || r.Trailer["Serial"] != fmt.Sprint(coalesceAbove+19) || r.Trailer["Reason"] != "r" {
			t.Errorf("folded commit of %s:\n%s\n%s", name, r.Subject, r.Body)
		}
	}
}

// openTestHistory opens the Git history of p's store, closed when the
// test ends, and makes it hear of p's changes.
func openTestHistory(t *testing.T, p *pipeline.Pipeline) *Committer {
	t.Helper()
	c, err := Open(p.Dir(), Config{Branch: "main", Author: history.Author{Name: "t", Email: "t@example.org"}}, p.Zones().Zones(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Listen(c)
	t.Cleanup(c.Close)
	return c
}

// openStore is the pipeline of a new store holding text as example.org.
func openStore(tb testing.TB, text string) *pipeline.Pipeline {
	tb.Helper()
	p, _, err := pipeline.Open(testzone.Store(tb, text), pipeline.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// change applies edit to the zone origin of p.
func change(p *pipeline.Pipeline, origin string, edit pipeline.Edit) error {
	_, err := p.Apply(pipeline.Change{Zone: origin, Meta: pipeline.Meta{Op: "test"}, Edit: edit})
	return err
}

// Writers, the committer, history readers and the status run at once (for
// the race detector), and every change ends up as its own commit.
func TestHistoryUnderConcurrentWriters(t *testing.T) {
	p := openStore(t, testzone.ExampleOrg)
	c := openTestHistory(t, p)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				rr, _ := dns.NewRR(fmt.Sprintf("w%d-%d.example.org. 60 IN A 192.0.2.1", w, i))
				if err := change(p, "example.org.", func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			c.Status()
			c.repo.Log("example.org.zone", "", 5, 100, Touched)
		}
	})
	wg.Wait()
	c.Flush()
	revs, _, err := c.repo.Log("example.org.zone", "", 200, 1000, Touched)
	if err != nil || len(revs) != 101 { // and the startup commit
		t.Fatalf("%d revisions, want 101: %v", len(revs), err)
	}
	z, _ := p.Zone("example.org.")
	if revs[0].Trailer["Serial"] != fmt.Sprint(z.Serial()) {
		t.Errorf("the last commit is at serial %s, the zone at %d", revs[0].Trailer["Serial"], z.Serial())
	}
}

// BenchmarkGitCommit1000Zones is the committer's work for one change to
// one zone of a store of 1,000 zones of 20 records: format the zone, write
// its blob, the root tree of 1,000 entries, the commit and the branch. It
// runs in the background, after the change is acknowledged; p50 and p99
// are reported as metrics.
func BenchmarkGitCommit1000Zones(b *testing.B) {
	repo, err := history.Open(b.TempDir(), "main", history.Author{Name: "b", Email: "b@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	const zones = 1000
	all := make([]*zone.Zone, zones)
	files := map[string][]byte{}
	for i := range all {
		origin := fmt.Sprintf("z%05d.example.", i)
		z, _, err := store.Read(strings.NewReader(zone20), "bench", origin, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		all[i] = z
		files[origin[:len(origin)-1]+".zone"] = []byte(zone20)
	}
	if _, err := repo.Commit(files, "seed", time.Now()); err != nil {
		b.Fatal(err)
	}
	benchCommits(b, newCommitter(repo), func(i int) (*zone.Zone, *zone.Zone, [][]byte) {
		z := all[i%zones]
		nz, touched := withOneMore(b, z, i)
		all[i%zones] = nz
		return z, nz, touched
	})
}

// withOneMore returns z with the A record n<i> added and its serial bumped,
// and the keys of the names the change touched.
func withOneMore(b *testing.B, z *zone.Zone, i int) (*zone.Zone, [][]byte) {
	rr, _ := dns.NewRR(fmt.Sprintf("n%d.%s 60 IN A 192.0.2.9", i, z.Origin()))
	tx := z.Txn()
	tx.Add(rr)
	soa := dns.Copy(z.SOA()).(*dns.SOA)
	soa.Serial++
	tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{soa})
	nz, err := tx.Commit()
	if err != nil {
		b.Fatal(err)
	}
	return nz, tx.Touched()
}

// benchCommits times the committer's commit of the change change(i) makes,
// for each i of the benchmark, and reports p50 and p99; making the change
// is not timed.
func benchCommits(b *testing.B, c *Committer, change func(i int) (z, nz *zone.Zone, touched [][]byte)) {
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		z, nz, touched := change(i)
		b.StartTimer()
		start := time.Now()
		it := item{origin: z.Origin(), z: nz, meta: pipeline.Meta{Op: "upsertRecord", Actor: "bench"}, from: z.Serial(), to: nz.Serial(), add: 1, when: start, touched: touched}
		if err := c.commit(it); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, took)
}

// BenchmarkChangeGit1000Zones measures what the history adds to a change:
// a change (journal append and fsync, publish) in a store of 1,000 zones,
// at 200 changes a second and as fast as they go, without and with git;
// the committer makes the commits meanwhile. p50 and p99 of the change's
// latency are reported.
func BenchmarkChangeGit1000Zones(b *testing.B) {
	clog.Discard() // no load lines between the results
	for _, c := range []struct {
		rate    string
		withGit bool
	}{{"200/s", false}, {"200/s", true}, {"max", false}, {"max", true}} {
		withGit := c.withGit
		b.Run(fmt.Sprintf("rate=%s/git=%v", c.rate, withGit), func(b *testing.B) {
			dir := b.TempDir()
			for i := range 1000 {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("z%05d.example.zone", i)), []byte(zone20), 0o644)
			}
			p, _, err := pipeline.Open(dir, pipeline.Limits{})
			if err != nil {
				b.Fatal(err)
			}
			if withGit {
				c, err := Open(dir, Config{Branch: "main", Author: history.Author{Name: "b", Email: "b@example.org"}}, p.Zones().Zones(), nil)
				if err != nil {
					b.Fatal(err)
				}
				p.Listen(c)
				defer c.Close()
			}
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			pace := tick.C
			if c.rate == "max" {
				ch := make(chan time.Time)
				close(ch)
				pace = ch
			}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				<-pace
				rr, _ := dns.NewRR(fmt.Sprintf("n%d.z00000.example. 60 IN A 192.0.2.9", i))
				start := time.Now()
				if err := change(p, "z00000.example.", func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			reportLatency(b, took)
		})
	}
}

// Listing a zone's revisions from the commits' trailers gives what comparing
// the trees gives.
func TestRevisionsFromTrailersMatchTrees(t *testing.T) {
	repo, err := history.Open(t.TempDir(), "main", history.Author{Name: "t", Email: "t@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(repo)
	go c.run()
	for i := range 30 {
		o := []string{"a.test.", "b.test.", "c.test."}[i%3]
		if i%7 == 0 {
			o = "a.test."
		}
		c.enqueue(item{origin: o, z: testzone.Small(t, o, i+1), meta: pipeline.Meta{Op: "upsertRecord", Actor: "t"}, from: uint32(i), to: uint32(i + 1)})
	}
	c.Flush()
	c.Close()
	for _, name := range []string{"a.test.zone", "b.test.zone", "c.test.zone", "d.test.zone"} {
		fast, _, err1 := repo.Log(name, "", 100, 1000, Touched)
		slow, _, err2 := repo.Log(name, "", 100, 1000, nil)
		if err1 != nil || err2 != nil || len(fast) != len(slow) {
			t.Fatalf("%s: %d revisions from trailers, %d from trees (%v %v)", name, len(fast), len(slow), err1, err2)
		}
		for i := range fast {
			if fast[i].ID != slow[i].ID {
				t.Errorf("%s: revision %d differs", name, i)
			}
		}
	}
}

// BenchmarkRevisionsOfARareZone lists the revisions of a zone that changed
// once, behind 5,000 changes to another zone, in a store of 1,000 zones.
func BenchmarkRevisionsOfARareZone(b *testing.B) {
	repo, _ := history.Open(b.TempDir(), "main", history.Author{Name: "b", Email: "b@example.org"})
	files := map[string][]byte{}
	for i := range 1000 {
		files[fmt.Sprintf("z%04d.example.zone", i)] = []byte(fmt.Sprintf("zone %d\n", i))
	}
	repo.Commit(files, "seed", time.Now())
	for i := range 5000 {
		msg := fmt.Sprintf("upsertRecord z0001.example: serial %d\n\nOperation: upsertRecord\nZone: z0001.example\n", i)
		repo.Commit(map[string][]byte{"z0001.example.zone": []byte(fmt.Sprintf("v%d\n", i))}, msg, time.Now())
	}
	for _, c := range []struct {
		name    string
		touched history.Touched
	}{{"trailers", Touched}, {"trees", nil}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if revs, _, _ := repo.Log("z0002.example.zone", "", 20, 20000, c.touched); len(revs) != 1 {
					b.Fatal(len(revs))
				}
			}
		})
	}
}

// A backlog of changes to a large zone folds by the work it holds, long
// before coalesceAbove.
func TestCommitterFoldsByWork(t *testing.T) {
	defer func(n int) { foldWork = n }(foldWork)
	foldWork = 1000 // records to format; each zone here has 3
	repo, err := history.Open(t.TempDir(), "main", history.Author{Name: "t", Email: "t@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	c := newCommitter(repo)
	for i := range 400 { // 1,200 records to format
		c.queue = append(c.queue, item{origin: "a.test.", z: testzone.Small(t, "a.test.", i+1), meta: pipeline.Meta{Op: "upsertRecord", Actor: "t"}, from: uint32(i), to: uint32(i + 1)})
	}
	go c.run()
	c.signal()
	c.Flush()
	c.Close()
	if revs, _, _ := repo.Log("a.test.zone", "", 100, 1000, Touched); len(revs) != 1 || !strings.HasPrefix(revs[0].Subject, "400 changes to a.test") {
		t.Fatalf("a backlog over foldWork made %d commits: %v", len(revs), revs)
	}
}

// zone20 is a zone of 20 records (relative names, any origin), the size of
// the zones in the 1,000-zone benchmarks.
var zone20 = func() string {
	var text strings.Builder
	text.WriteString("@ 3600 IN SOA ns1 h 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n")
	for r := range 17 {
		fmt.Fprintf(&text, "h%d IN A 10.0.0.%d\n", r, r)
	}
	return text.String()
}()

// reportLatency reports the median and 99th percentile of a benchmark's
// measured latencies, in milliseconds.
func reportLatency(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkGitCommitLargeZone is the committer's work for one change to a
// zone of 100,000 records: the file is patched at the names the change
// touched (store.Patch) but stored whole as a new blob, so this still grows
// with the zone (see BENCHMARKS.md).
func BenchmarkGitCommitLargeZone(b *testing.B) {
	repo, err := history.Open(b.TempDir(), "main", history.Author{Name: "b", Email: "b@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	z, _, err := store.Read(strings.NewReader(testzone.Large(100000)), "bench", "example.org.", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	store.Format(&buf, z)
	if _, err := repo.Commit(map[string][]byte{"example.org.zone": buf.Bytes()}, "seed", time.Now()); err != nil {
		b.Fatal(err)
	}
	benchCommits(b, newCommitter(repo), func(i int) (*zone.Zone, *zone.Zone, [][]byte) {
		old := z
		nz, touched := withOneMore(b, old, i)
		z = nz // the next change is made to this one
		return old, nz, touched
	})
}

func TestCommitsOfALargeZoneArePatchedAndEqualItsFile(t *testing.T) {
	p := openStore(t, testzone.Large(patchFrom+200))
	c := openTestHistory(t, p)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				name := fmt.Sprintf("h%d.example.org.", w*10+i)
				err := change(p, "example.org.", func(_ *zone.Zone, tx *zone.Txn) error {
					switch i % 3 {
					case 0: // a new name
						rr, _ := dns.NewRR(fmt.Sprintf("new%d-%d.example.org. 60 IN TXT \"x\"", w, i))
						return tx.Add(rr)
					case 1: // a name gone
						tx.DeleteName(name)
						return nil
					default: // another RR at a name
						rr, _ := dns.NewRR(name + " 300 IN AAAA 2001:db8::1")
						return tx.Add(rr)
					}
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	c.Flush()
	if _, ok := c.last["example.org."]; !ok {
		t.Fatal("the committer kept no file to patch")
	}
	revs, _, err := c.repo.Log("example.org.zone", "", 100, 1000, Touched)
	if err != nil || len(revs) != 41 {
		t.Fatalf("%d revisions, want 41: %v", len(revs), err)
	}
	z, _ := p.Zone("example.org.")
	var want bytes.Buffer
	store.Format(&want, z)
	_, _, got, err := c.repo.Show(revs[0].ID, "example.org.zone")
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the last commit's file is not the zone's (%v)", err)
	}
}
