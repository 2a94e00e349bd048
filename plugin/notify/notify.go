// Package notify tells secondaries that zones changed (NOTIFY, RFC 1996)
// and keeps what they acknowledged: a step after publication (a
// pipeline.Listener) with a goroutine of its own, and the secondaries'
// serials for getPropagation and an ACME client's wait. It reads only
// what the pipeline published.
package notify

import (
	"sync"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

var log = clog.NewWithPlugin("zoneapi")

// Delay coalesces the changes to a zone within it into one NOTIFY.
const Delay = 50 * time.Millisecond

// Notifier sends NOTIFY for zones that changed: to the secondaries the
// Corefile lists with `secondaries`, recording when each acknowledged, or
// else through the transfer plugin to its `to` addresses. The first change
// to a zone opens a window of Delay; the changes in it give one NOTIFY,
// sent when it closes, so that under a steady stream of changes a
// secondary hears of them every Delay, not once the stream pauses.
type Notifier struct {
	secondaries atomic.Pointer[[]string]
	xfer        atomic.Pointer[transfer.Transfer]
	status      status

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{} // one slot: the sender has a window to open
}

var _ pipeline.Listener = (*Notifier)(nil)

// New returns a Notifier; Run sends.
func New() *Notifier {
	return &Notifier{pending: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// SetSecondaries takes the Corefile's secondaries (host:port).
func (n *Notifier) SetSecondaries(addrs []string) { n.secondaries.Store(&addrs) }

// Secondaries returns the configured secondaries.
func (n *Notifier) Secondaries() []string {
	if p := n.secondaries.Load(); p != nil {
		return *p
	}
	return nil
}

// UseTransfer is called at startup with the server's transfer plugin, if
// any; then every zone of origins is announced once.
func (n *Notifier) UseTransfer(t *transfer.Transfer, origins []string) {
	n.xfer.Store(t)
	if t == nil && len(n.Secondaries()) == 0 {
		return
	}
	for _, o := range origins {
		n.Changed(o)
	}
}

// Published implements pipeline.Listener: every change but a deletion is
// announced (a deleted zone has nothing to transfer).
func (n *Notifier) Published(e *pipeline.Event) {
	if e.Kind != pipeline.Deleted {
		n.Changed(e.Zone)
	}
}

// Changed tells the sender that a zone changed; it never blocks, and wakes
// the sender once a window, not once a change.
func (n *Notifier) Changed(origin string) {
	n.mu.Lock()
	first := len(n.pending) == 0
	n.pending[origin] = true
	n.mu.Unlock()
	if first {
		select {
		case n.wake <- struct{}{}:
		default: // the sender is awake already
		}
	}
}

// Run sends the NOTIFYs until stop is closed.
func (n *Notifier) Run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-n.wake:
		}
		select {
		case <-stop:
			return
		case <-time.After(Delay):
		}
		n.mu.Lock()
		pending := n.pending
		n.pending = map[string]bool{}
		n.mu.Unlock()
		x := n.xfer.Load()
		secondaries := n.Secondaries()
		for origin := range pending {
			switch {
			case len(secondaries) > 0:
				n.notifySecondaries(origin, secondaries)
			case x != nil:
				if err := x.Notify(origin); err != nil {
					log.Warningf("notify %s: %v", origin, err)
				}
			}
		}
	}
}
