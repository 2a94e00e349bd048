// Package gitlog keeps the store's Git history: every published change
// becomes one commit, made in the background by a Committer (a step after
// publication), in publish order, so that Git never slows a write. A
// change is acknowledged once its journal entry is synced; changes
// acknowledged but not yet committed when the process died are found at
// the next start (Open compares the store with HEAD) and committed then.
// It reads the pipeline's events and writes Git objects through history;
// it never changes a zone.
package gitlog

import (
	"sync"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// item is one published change waiting for its commit.
type item struct {
	origin    string
	z         *zone.Zone // the zone after the change; nil when it was deleted
	data      []byte     // the file's bytes when they are not store.Format(z) (a file read as written)
	meta      pipeline.Meta
	from, to  uint32 // serials
	add, del  int    // records; -1 when not counted (a file read whole)
	when      time.Time
	summaries []string // set when several changes were folded into one commit
	touched   [][]byte // the keys of the names the change touched; nil when not known
}

// patchFrom is the size, in records, from which the committer keeps a
// zone's last file to patch (store.Patch) instead of formatting the zone
// whole for the next commit.
const patchFrom = 1000

// lastFile is the file of a zone as the committer last committed it.
type lastFile struct {
	serial uint32
	data   []byte
}

// indexAfter is how long the committer waits, once it has caught up,
// before it writes the Git index (for `git status` in the store): under a
// stream of changes the index is written once, not once per commit.
const indexAfter = 200 * time.Millisecond

// Committer turns published changes into commits, one goroutine per store.
// Published only appends to its queue; nothing slow happens under its lock.
type Committer struct {
	repo *history.Repo
	wake chan struct{} // a change was queued, or Close was called

	mu     sync.Mutex
	cond   *sync.Cond // signalled when a batch is done, for Flush
	queue  []item
	busy   bool
	closed bool
	done   chan struct{}

	lastErr  error  // the last commit that failed, for the status
	onCommit func() // called after commits were made (GitOps pushes them)
	cfg      Config // Signed, read by the run goroutine

	last map[string]lastFile // by origin, zones of patchFrom records or more; the run goroutine's
}

var _ pipeline.Listener = (*Committer)(nil)

func newCommitter(repo *history.Repo) *Committer {
	c := &Committer{repo: repo, wake: make(chan struct{}, 1), done: make(chan struct{}), last: map[string]lastFile{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// Repo is the history the committer writes.
func (c *Committer) Repo() *history.Repo { return c.repo }

// OnCommit sets what runs after each batch of commits.
func (c *Committer) OnCommit(fn func()) {
	c.mu.Lock()
	c.onCommit = fn
	c.mu.Unlock()
}

// Published implements pipeline.Listener: it queues the commit of the
// change, unless the change is a commit already (a GitOps pull).
func (c *Committer) Published(e *pipeline.Event) {
	if e.InHistory {
		return
	}
	it := item{origin: e.Zone, z: e.New, meta: e.Meta, when: e.Time}
	if e.Old != nil {
		it.from = e.Old.Serial()
	}
	if e.New != nil {
		it.to = e.New.Serial()
	}
	switch e.Kind {
	case pipeline.Changed:
		it.add, it.del = e.Size()
		it.touched = e.Touched
	case pipeline.Created:
		it.add = e.New.Len() - 1
	case pipeline.Replaced:
		it.add, it.del, it.data = -1, -1, e.File
	case pipeline.Deleted:
		it.del = e.Old.Len() - 1
	}
	c.enqueue(it)
}

func (c *Committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// enqueue adds a change; it never waits for a commit.
func (c *Committer) enqueue(it item) {
	c.mu.Lock()
	c.queue = append(c.queue, it)
	gitPending.Set(float64(len(c.queue)))
	c.mu.Unlock()
	c.signal()
}

// Flush waits until every change queued so far is committed.
func (c *Committer) Flush() {
	c.mu.Lock()
	for (len(c.queue) > 0 || c.busy) && !c.closed {
		c.cond.Wait()
	}
	c.mu.Unlock()
}

// Close commits what is queued and stops the committer.
func (c *Committer) Close() {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	c.signal()
	<-c.done
}

func (c *Committer) run() {
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

		c.commitBatch(batch, closed)
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

// commitBatch commits the changes of batch, folded when there are too many
// (fold.go). A commit that fails is retried with the rest of the batch.
func (c *Committer) commitBatch(batch []item, closed bool) {
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
}

// commit makes the commit of one change.
func (c *Committer) commit(it item) error {
	start := time.Now()
	src := zone.SourceZone
	if it.z != nil {
		src = it.z.Source()
	}
	name, err := store.FileNameOf(it.origin, src)
	if err != nil {
		return err
	}
	// The zone's file in the other format goes (a conversion, a deletion).
	other := zone.SourceYAML
	if src == zone.SourceYAML {
		other = zone.SourceZone
	}
	otherName, _ := store.FileNameOf(it.origin, other)
	data := it.data
	signed := it.z != nil && c.cfg.Signed != nil && c.cfg.Signed(it.origin)
	if signed {
		data = nil // the history keeps the zone unsigned, not its file
	}
	if it.z != nil && data == nil {
		if prev, ok := c.last[it.origin]; ok && it.touched != nil && prev.serial == it.from {
			if signed {
				data, _ = store.PatchUnsigned(prev.data, it.z, it.touched)
			} else {
				data, _ = store.Patch(prev.data, it.z, it.touched)
			}
		}
		if data == nil {
			var err error
			if data, err = blob(c.cfg, it.z, nil); err != nil {
				return err
			}
		}
	}
	if _, err := c.repo.Commit(map[string][]byte{name: data, otherName: nil}, it.message(), it.when); err != nil {
		return err
	}
	if it.z != nil && (it.data == nil || signed) && it.z.Len() >= patchFrom {
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

// Status is what the committer can say of itself.
type Status struct {
	Branch          string
	Head            string // empty before the first commit
	PendingCommits  int
	LastCommitError string
}

// Status returns the committer's status.
func (c *Committer) Status() Status {
	s := Status{Branch: c.repo.Branch()}
	if h := c.repo.Head(); !h.IsZero() {
		s.Head = h.String()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s.PendingCommits = len(c.queue)
	if c.busy {
		s.PendingCommits++
	}
	if c.lastErr != nil {
		s.LastCommitError = c.lastErr.Error()
	}
	return s
}
