package pipeline

import (
	"fmt"
	"strings"
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
	lines chan string
	done  chan struct{}
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

// Close writes the lines still queued and stops; the pipeline it listens
// to is closed first, so that nothing is published after it.
func (a *Audit) Close() {
	close(a.lines)
	<-a.done
}

// Published implements Listener.
func (a *Audit) Published(e *Event) { a.lines <- auditLine(e) }

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
