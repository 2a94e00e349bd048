package zoneapi

import (
	"sync"
	"time"

	"github.com/coredns/coredns/plugin/transfer"
)

// notifyDelay coalesces the changes to a zone within it into one NOTIFY.
const notifyDelay = 50 * time.Millisecond

// notifier sends NOTIFY (RFC 1996) for zones that changed: to the
// secondaries the Corefile lists with `secondaries`, recording when each
// acknowledged (getPropagation shows it), or else through the transfer
// plugin to its `to` addresses. The first change to a zone opens a window
// of notifyDelay; the changes in it give one NOTIFY, sent when it closes,
// so that under a steady stream of changes a secondary hears of them every
// notifyDelay, not once the stream pauses. It runs until stop is closed.
func (st *state) notifier(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-st.notify.wake:
		}
		select {
		case <-stop:
			return
		case <-time.After(notifyDelay):
		}
		st.notify.mu.Lock()
		pending := st.notify.pending
		st.notify.pending = map[string]bool{}
		st.notify.mu.Unlock()
		x := st.xfer.Load()
		secondaries := st.secondaryList()
		for origin := range pending {
			switch {
			case len(secondaries) > 0:
				st.notifySecondaries(origin, secondaries)
			case x != nil:
				if err := x.Notify(origin); err != nil {
					log.Warningf("notify %s: %v", origin, err)
				}
			}
		}
	}
}

// notifyQueue holds the zones changed since the notifier last sent.
type notifyQueue struct {
	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{} // one slot: the notifier has a window to open
}

// changed tells the notifier that a zone changed; it never blocks a writer,
// and wakes the notifier once a window, not once a change.
func (st *state) changed(origin string) {
	st.notify.mu.Lock()
	first := len(st.notify.pending) == 0
	st.notify.pending[origin] = true
	st.notify.mu.Unlock()
	if first {
		select {
		case st.notify.wake <- struct{}{}:
		default: // the notifier is awake already
		}
	}
}

// useTransfer is called at startup with the server's transfer plugin, if
// any; every zone is announced to the secondaries once.
func (st *state) useTransfer(t *transfer.Transfer) {
	st.xfer.Store(t)
	if t == nil && len(st.secondaryList()) == 0 {
		return
	}
	for _, z := range st.zones.Load().Zones() {
		st.changed(z.Origin())
	}
}
