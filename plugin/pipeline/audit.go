package pipeline

import (
	"fmt"
	"strings"
	"sync"
)

// Audit is the step that logs one line for every published change: who,
// which operation, the zone and its serial, what changed and why.
//
//	audit token=acme op=acmePresent zone=example.org. serial=2026112503 _acme-challenge.example.org. +1 -0
//
// The line is formatted as the change is published and written by a
// goroutine of its own, in the same order, so that a slow log never holds
// up the writer.
type Audit struct {
	mu     sync.Mutex // Published against Close
	closed bool
	lines  chan string
	done   chan struct{}
}

// NewAudit starts the audit log; Close ends it.
func NewAudit() *Audit {
	a := &Audit{lines: make(chan string, 4096), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for line := range a.lines {
			log.Info(line)
		}
	}()
	return a
}

// Close writes the lines still queued and stops. A change published after
// it (a lease's expiry that was under way as the store closed) is logged
// at once.
func (a *Audit) Close() {
	a.mu.Lock()
	a.closed = true
	close(a.lines)
	a.mu.Unlock()
	<-a.done
}

// Published implements Listener.
func (a *Audit) Published(e *Event) {
	line := auditLine(e)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		log.Info(line)
		return
	}
	a.lines <- line
}

func auditLine(e *Event) string {
	var b strings.Builder
	z := e.New
	if z == nil {
		z = e.Old
	}
	fmt.Fprintf(&b, "audit token=%s op=%s zone=%s serial=%d", e.Meta.Actor, e.Meta.Op, e.Zone, z.Serial())
	if e.Meta.Detail != "" {
		b.WriteString(" " + e.Meta.Detail)
	}
	switch e.Kind {
	case Changed:
		add, del := e.Size()
		fmt.Fprintf(&b, " +%d -%d", add, del)
	case Created, Replaced:
		fmt.Fprintf(&b, " %s, %d records", e.Kind, e.New.Len())
	case Deleted:
		b.WriteString(" deleted")
	}
	if e.Meta.Reason != "" {
		fmt.Fprintf(&b, " reason=%q", e.Meta.Reason)
	}
	return b.String()
}
