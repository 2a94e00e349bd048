package pipeline

import (
	"runtime"
	"time"
)

// Changes are applied by one writer goroutine, in the order they came, in
// batches (group commit): each change of a batch is built on the one
// before and given to its zone's journal, then one write and one sync per
// zone make them all durable, and one snapshot swap publishes them. A
// change that fails fails alone; a write or sync that fails fails every
// change of its zone in the batch.
//
// On a saturated core the CPU is the limit and not the disk, and each sync
// costs the queries more than its own CPU (thread switches, cold caches;
// docs/BENCHMARKS.md). When the writer's yield took long (busyYield: other
// goroutines, most likely DNS queries, had the CPU), and more than one
// change is queued or the batch before had more than one (several clients
// are writing), the writer waits up to gatherFor after the yield for more
// changes, up to gatherMax, so that they share one sync. A quick yield
// right after a busy one still counts as busy: under a steady stream the
// batches otherwise often go alone or in pairs. A busy Go process polls the
// network about every 10 ms, so API requests arrive in clumps. The wait
// ends early when the process leaves its CPU idle for a millisecond of it
// (gatherLoad): the core is no longer the limit, and every client that
// could send a change is most likely in the batch already. On a server
// with CPU to spare, or for a lone change after a lone change, the writer
// never waits.
const (
	busyYield  = 500 * time.Microsecond
	gatherFor  = 16 * time.Millisecond
	gatherMax  = 32
	gatherLoad = 0.5
)

// gathering is when a batch waits for more changes: after a yield of busy
// or longer (this one or the last batch's), up to wait from the yield's
// start, for up to max changes.
type gathering struct {
	busy, wait time.Duration
	max        int
	load       float64              // the share of its Ps' time the process must use for the wait to go on
	cpu        func() time.Duration // the process's CPU time so far (processCPU)
}

// batchSeen is what the writer saw of its last batch: how many changes it
// took, and whether its yield was busy.
type batchSeen struct {
	changes int
	busy    bool
}

// writer applies the queued changes, all that are queued at once, until
// none is left.
func (p *Pipeline) writer() {
	for {
		// Let the goroutines that are ready to run go first: on a busy
		// server some are API requests about to queue a change, which then
		// join this batch and share its sync; on an idle one this returns
		// at once.
		start := time.Now()
		runtime.Gosched()
		busy := time.Since(start) >= p.gather.busy
		batch := p.take(nil)
		if len(batch) == 0 {
			return
		}
		if (busy || p.lastBatch.busy) && (len(batch) > 1 || p.lastBatch.changes > 1) {
			batch = p.gatherMore(batch, start)
		}
		p.lastBatch = batchSeen{changes: len(batch), busy: busy}
		p.mu.Lock()
		p.apply(batch)
		p.mu.Unlock()
		for _, r := range batch {
			close(r.done)
		}
	}
}

// gatherMore waits, a millisecond at a time, for more changes to join
// batch, as gathering says.
func (p *Pipeline) gatherMore(batch []*request, start time.Time) []*request {
	g := p.gather
	for len(batch) < g.max && time.Since(start) < g.wait {
		cpu, slept := g.cpu(), time.Now()
		time.Sleep(time.Millisecond)
		batch = p.take(batch)
		if g.cpu()-cpu < time.Duration(g.load*float64(time.Since(slept))*float64(runtime.GOMAXPROCS(0))) {
			break // the process left its CPU idle: no more changes are on their way
		}
	}
	return batch
}

// take appends the queued changes to batch and empties the queue. A writer
// that takes none from an empty batch stops: the next change starts another.
func (p *Pipeline) take(batch []*request) []*request {
	p.queueMu.Lock()
	defer p.queueMu.Unlock()
	if len(batch) == 0 && len(p.queue) == 0 {
		p.writing = false
		return nil
	}
	batch = append(batch, p.queue...)
	p.queue = nil
	return batch
}
