package zoneapi

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Git history: with the git property the store is a Git work tree and every
// applied change becomes one commit. A change is acknowledged once its
// journal entry is synced (journal.go); the commit follows in the
// background, in the order the changes were applied, so that Git never
// slows a write. Changes acknowledged but not yet committed when the
// process died are found at the next start (the journal is replayed, then
// the store is compared with HEAD) and committed then.

// why says who made a change and why: the audit line and the commit
// message carry it.
type why struct {
	op     string // the API operationId, or update, acmeExpire, startup
	token  string // the token's or TSIG key's name
	reason string // X-Change-Reason, if given
}

type reasonKey struct{}

// whyOf returns the actor of an API request: its token and reason.
func whyOf(ctx context.Context, op string) why {
	w := why{op: op, token: tokenFrom(ctx).name}
	if r, ok := ctx.Value(reasonKey{}).(string); ok {
		w.reason = r
	}
	return w
}

// commitItem is one applied change waiting for its commit.
type commitItem struct {
	origin    string
	z         *zone.Zone // the zone after the change; nil when it was deleted
	data      []byte     // the file's bytes when they are not store.Format(z) (a file read as written)
	why       why
	from, to  uint32 // serials
	add, del  int    // records
	when      time.Time
	summaries []string // set when several changes were folded into one commit
	touched   [][]byte // the keys of the names the change touched (Txn.Touched); nil when not known
}

// patchFrom is the size, in records, from which the committer keeps a
// zone's last file to patch (store.Patch) instead of formatting the zone
// whole for the next commit: 3 MB for 100,000 records, where formatting
// takes about 45 ms.
const patchFrom = 1000

// lastFile is the file of a zone as the committer last committed it.
type lastFile struct {
	serial uint32
	data   []byte
}

// coalesceAbove is the backlog beyond which the committer folds each
// zone's pending changes into one commit. The committer makes a few hundred
// commits a second; a burst of changes waits its turn, and each keeps its
// own commit, up to this many behind. Only a longer overload folds, so that
// the history stays close and the queue's memory bounded. A variable for
// tests.
var coalesceAbove = 10000

// foldWork bounds the work a backlog may hold, in records: each commit
// stores its zone's file whole (and formats it whole below patchFrom
// records, or the first time), so a stream of changes to a large zone
// (500 behind on a zone of 100,000 records) folds long before 10,000
// changes would, and the snapshots the queue holds stay few.
var foldWork = 50_000_000

// mustFold reports whether a batch is too long, or too much work, to make
// one commit per change.
func mustFold(batch []commitItem) bool {
	if len(batch) > coalesceAbove {
		return true
	}
	work := 0
	for _, it := range batch {
		if it.z != nil {
			work += it.z.Len()
		}
	}
	return work > foldWork
}

// indexAfter is how long the committer waits, once it has caught up,
// before it writes the Git index (for `git status` in the store): under a
// stream of changes the index is written once, not once per commit.
const indexAfter = 200 * time.Millisecond

// committer turns queued changes into commits, one goroutine per store.
// Writers only append to its queue; nothing slow happens under its lock.
type committer struct {
	repo *history.Repo
	wake chan struct{} // a change was queued, or close was called

	mu     sync.Mutex
	cond   *sync.Cond // signalled when a batch is done, for flush
	queue  []commitItem
	busy   bool
	closed bool
	done   chan struct{}

	lastErr  error  // the last commit that failed, for the status endpoint
	onCommit func() // called after commits were made (GitOps pushes them)

	last map[string]lastFile // by origin, zones of patchFrom records or more; the run goroutine's
}

func newCommitter(repo *history.Repo) *committer {
	c := &committer{repo: repo, wake: make(chan struct{}, 1), done: make(chan struct{}), last: map[string]lastFile{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds a change; it never blocks on a commit (st.mu is held).
func (c *committer) enqueue(it commitItem) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.queue = append(c.queue, it)
	gitPending.Set(float64(len(c.queue)))
	c.mu.Unlock()
	c.signal()
}

// flush waits until every change queued so far is committed.
func (c *committer) flush() {
	c.mu.Lock()
	for (len(c.queue) > 0 || c.busy) && !c.closed {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

// close commits what is queued and stops the committer.
func (c *committer) close() {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	c.signal()
	<-c.done
}

func (c *committer) run() {
	defer close(c.done)
	index := time.NewTimer(time.Hour)
	index.Stop()
	for {
		select {
		case <-c.wake:
		case <-index.C:
			if err := c.repo.WriteIndex(); err != nil {
				log.Warningf("git: index: %v", err)
			}
			continue
		}
		c.mu.Lock()
		batch, closed := c.queue, c.closed
		c.queue, c.busy = nil, true
		onCommit := c.onCommit
		c.mu.Unlock()

		if mustFold(batch) {
			batch = coalesce(batch)
		}
		if len(batch) > 1 {
			c.repo.Hold() // one ref write for the batch
		}
		for i, it := range batch {
			if err := c.commit(it); err != nil {
				log.Errorf("git: commit of %s serial %d: %v; retrying", it.origin, it.to, err)
				gitFailures.Inc()
				c.mu.Lock()
				c.lastErr = err
				c.queue = append(batch[i:len(batch):len(batch)], c.queue...)
				c.mu.Unlock()
				if !closed {
					time.Sleep(time.Second)
				}
				c.signal()
				break
			}
		}
		if len(batch) > 1 {
			if err := c.repo.Release(); err != nil {
				log.Errorf("git: moving the branch: %v", err)
			}
		}
		if len(batch) > 0 {
			index.Reset(indexAfter)
			if onCommit != nil {
				onCommit()
			}
		}
		c.mu.Lock()
		c.busy = false
		gitPending.Set(float64(len(c.queue)))
		c.cond.Broadcast()
		stop := c.closed && (len(c.queue) == 0 || closed)
		c.mu.Unlock()
		if stop {
			if err := c.repo.WriteIndex(); err != nil {
				log.Warningf("git: index: %v", err)
			}
			return
		}
	}
}

// commit makes the commit of one change.
func (c *committer) commit(it commitItem) error {
	start := time.Now()
	name, err := store.FileName(it.origin)
	if err != nil {
		return err
	}
	data := it.data
	if it.z != nil && data == nil {
		if prev, ok := c.last[it.origin]; ok && it.touched != nil && prev.serial == it.from {
			data, _ = store.Patch(prev.data, it.z, it.touched)
		}
		if data == nil {
			var buf bytes.Buffer
			if err := store.Format(&buf, it.z); err != nil {
				return err
			}
			data = buf.Bytes()
		}
	}
	if _, err := c.repo.Commit(map[string][]byte{name: data}, it.message(), it.when); err != nil {
		return err
	}
	if it.z != nil && it.data == nil && it.z.Len() >= patchFrom {
		c.last[it.origin] = lastFile{serial: it.to, data: data}
	} else {
		delete(c.last, it.origin)
	}
	gitDuration.Observe(time.Since(start).Seconds())
	c.mu.Lock()
	c.lastErr = nil
	c.mu.Unlock()
	return nil
}

// message is the commit message: a subject naming the operation, the zone
// and the new serial; the reason; and trailers that tools can read.
func (it commitItem) message() string {
	zoneName := trimDot(it.origin)
	var b strings.Builder
	switch {
	case it.z == nil:
		fmt.Fprintf(&b, "%s %s: zone deleted\n", it.why.op, zoneName)
	case len(it.summaries) > 1:
		fmt.Fprintf(&b, "%d changes to %s: serial %d\n", len(it.summaries), zoneName, it.to)
	case it.add < 0:
		fmt.Fprintf(&b, "%s %s: serial %d\n", it.why.op, zoneName, it.to)
	default:
		fmt.Fprintf(&b, "%s %s: serial %d (+%d -%d)\n", it.why.op, zoneName, it.to, it.add, it.del)
	}
	if len(it.summaries) > 1 {
		b.WriteString("\nThe committer fell behind and folded these changes into one commit:\n")
		for _, s := range it.summaries {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	b.WriteString("\n")
	if it.why.reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", it.why.reason)
	}
	fmt.Fprintf(&b, "Operation: %s\nZone: %s\n", it.why.op, zoneName)
	if it.z != nil {
		fmt.Fprintf(&b, "Serial: %d\n", it.to)
	}
	if it.why.token != "" {
		fmt.Fprintf(&b, "Token: %s\n", it.why.token)
	}
	return b.String()
}

func (it commitItem) summary() string {
	s := fmt.Sprintf("%s serial %d->%d by %s", it.why.op, it.from, it.to, it.why.token)
	if it.why.reason != "" {
		s += ": " + it.why.reason
	}
	return s
}

// coalesce folds the changes of each zone into one item: the last state of
// the zone, listing every change (an item folded before, and queued again
// after a failed commit, keeps its list). Zones keep the order of their
// first change; the commits of different zones touch different files.
func coalesce(batch []commitItem) []commitItem {
	at := map[string]int{}
	var out []commitItem
	for _, it := range batch {
		if it.summaries == nil {
			it.summaries = []string{it.summary()}
		}
		i, ok := at[it.origin]
		if !ok {
			at[it.origin] = len(out)
			out = append(out, it)
			continue
		}
		prev := out[i]
		it.summaries = append(prev.summaries, it.summaries...)
		if prev.touched == nil || it.touched == nil {
			it.touched = nil
		} else {
			it.touched = append(prev.touched[:len(prev.touched):len(prev.touched)], it.touched...)
		}
		it.from, it.add, it.del = prev.from, -1, -1
		if prev.why.op != it.why.op {
			it.why.op = "changes"
		}
		if prev.why.token != it.why.token {
			it.why.token = ""
		}
		if prev.why.reason != it.why.reason {
			it.why.reason = ""
		}
		out[i] = it
	}
	return out
}

// openHistory opens the store's Git history and commits what differs from
// HEAD: zones whose journal was replayed (their changes were acknowledged
// but perhaps not committed), files edited or removed while zoneapi was
// not running, and, in a new repository, every zone. It runs at startup,
// before any change can be made.
func (st *state) openHistory(cfg *gitConfig, replayed map[string]int) error {
	repo, err := history.Open(st.dir, cfg.branch, history.Author{Name: cfg.authorName, Email: cfg.authorEmail})
	if err != nil {
		return err
	}
	files := map[string][]byte{}
	var notes []string
	held := map[string]bool{}
	for _, z := range st.zones.Load().Zones() {
		name, _ := store.FileName(z.Origin())
		held[name] = true
		var data []byte
		if replayed[z.Origin()] > 0 {
			var buf bytes.Buffer
			if err := store.Format(&buf, z); err != nil {
				return err
			}
			data = buf.Bytes()
		} else if data, err = os.ReadFile(st.zonePath(z.Origin())); err != nil {
			return err
		}
		old, had := repo.Blob(name)
		if had && old == history.BlobHash(data) {
			continue
		}
		files[name] = data
		switch {
		case !had:
			notes = append(notes, fmt.Sprintf("%s: added (serial %d)", trimDot(z.Origin()), z.Serial()))
		case replayed[z.Origin()] > 0:
			notes = append(notes, fmt.Sprintf("%s: %d acknowledged changes replayed from the journal (serial %d)", trimDot(z.Origin()), replayed[z.Origin()], z.Serial()))
		default:
			notes = append(notes, fmt.Sprintf("%s: the file differs from the last commit: changed outside zoneapi, or changed just before a crash (serial %d)", trimDot(z.Origin()), z.Serial()))
		}
	}
	for _, name := range repo.Names() {
		if !strings.HasSuffix(name, store.Ext) || held[name] {
			continue
		}
		if _, err := os.Stat(filepath.Join(st.dir, name)); os.IsNotExist(err) {
			files[name] = nil
			notes = append(notes, fmt.Sprintf("%s: file removed outside zoneapi", strings.TrimSuffix(name, store.Ext)))
		}
	}
	if len(files) > 0 {
		sort.Strings(notes)
		msg := fmt.Sprintf("startup: %d files as found in the store\n\n", len(files))
		for i, n := range notes {
			if i == 100 {
				msg += fmt.Sprintf("... and %d more\n", len(notes)-i)
				break
			}
			msg += n + "\n"
		}
		msg += "\nOperation: startup\n"
		if _, err := repo.Commit(files, msg, time.Now()); err != nil {
			return err
		}
		log.Infof("git: committed %d zones that differed from %s at startup", len(files), repo.Branch())
	}
	if err := repo.WriteIndex(); err != nil {
		return err
	}
	st.git = newCommitter(repo)
	go st.git.run()
	return nil
}

// commitChange queues the commit of a change from z to nz (nz nil: the
// zone was deleted). st.mu is held, so the queue is in the order of the
// changes.
func (st *state) commitChange(w why, z, nz *zone.Zone, add, del int, data []byte, touched [][]byte) {
	if st.git == nil {
		return
	}
	it := commitItem{z: nz, data: data, why: w, add: add, del: del, when: time.Now(), touched: touched}
	if z != nil {
		it.origin, it.from = z.Origin(), z.Serial()
	}
	if nz != nil {
		it.origin, it.to = nz.Origin(), nz.Serial()
	}
	st.git.enqueue(it)
}

// touchedByTrailers tells the one zone file a commit of the committer
// changed from its trailers (each has Operation and Zone), so that listing
// a zone's revisions reads commits, not trees; other commits (startup and
// pull commits have no Zone, merges two parents, pulled ones neither
// trailer) have their trees compared.
func touchedByTrailers(rev history.Revision) (string, bool) {
	zoneName, ok := rev.Trailer["Zone"]
	if !ok || rev.Trailer["Operation"] == "" {
		return "", false
	}
	name, err := store.FileName(dns.Fqdn(zoneName))
	return name, err == nil
}
