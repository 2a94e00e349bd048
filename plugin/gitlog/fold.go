package gitlog

import "fmt"

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
// folds long before coalesceAbove changes would, and the snapshots the
// queue holds stay few.
var foldWork = 50_000_000

// mustFold reports whether a batch is too long, or too much work, to make
// one commit per change.
func mustFold(batch []item) bool {
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

// coalesce folds the changes of each zone into one item: the last state of
// the zone, listing every change (an item folded before, and queued again
// after a failed commit, keeps its list). Zones keep the order of their
// first change; the commits of different zones touch different files.
func coalesce(batch []item) []item {
	at := map[string]int{}
	var out []item
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
		if prev.meta.Op != it.meta.Op {
			it.meta.Op = "changes"
		}
		if prev.meta.Actor != it.meta.Actor {
			it.meta.Actor = ""
		}
		if prev.meta.Reason != it.meta.Reason {
			it.meta.Reason = ""
		}
		out[i] = it
	}
	return out
}

func (it item) summary() string {
	s := fmt.Sprintf("%s serial %d->%d by %s", it.meta.Op, it.from, it.to, it.meta.Actor)
	if it.meta.Reason != "" {
		s += ": " + it.meta.Reason
	}
	return s
}
