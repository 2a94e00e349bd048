package zoneapi

import (
	"time"

	"github.com/coredns/coredns/plugin/transfer"
)

// notifyDelay coalesces a burst of changes into one NOTIFY per zone.
const notifyDelay = 50 * time.Millisecond

// notifier sends NOTIFY (RFC 1996) through the transfer plugin to the
// secondaries it lists, for zones that changed; a burst of changes to a zone
// gives one NOTIFY, sent once the burst has paused for notifyDelay. It runs
// until stop is closed.
func (st *state) notifier(stop <-chan struct{}) {
	pending := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-stop:
			return
		case origin := <-st.notifyCh:
			pending[origin] = true
			timer = time.After(notifyDelay)
		case <-timer:
			x := st.xfer.Load()
			for origin := range pending {
				if x != nil {
					if err := x.Notify(origin); err != nil {
						log.Warningf("notify %s: %v", origin, err)
					}
				}
				delete(pending, origin)
			}
			timer = nil
		}
	}
}

// changed tells the notifier that a zone changed; it never blocks a writer.
func (st *state) changed(origin string) {
	select {
	case st.notifyCh <- origin:
	default: // the notifier is busy and has this burst in hand already
	}
}

// useTransfer is called at startup with the server's transfer plugin, if
// any; every zone is announced to the secondaries once.
func (st *state) useTransfer(t *transfer.Transfer) {
	st.xfer.Store(t)
	if t == nil {
		return
	}
	for _, z := range st.zones.Load().Zones() {
		st.changed(z.Origin())
	}
}
