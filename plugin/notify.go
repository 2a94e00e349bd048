package zoneapi

import (
	"time"

	"github.com/coredns/coredns/plugin/transfer"
)

// notifyDelay coalesces a burst of changes into one NOTIFY per zone.
const notifyDelay = 50 * time.Millisecond

// notifier sends NOTIFY (RFC 1996) for zones that changed: to the
// secondaries the Corefile lists with `secondaries`, recording when each
// acknowledged (getPropagation shows it), or else through the transfer
// plugin to its `to` addresses; a burst of changes to a zone
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
	if t == nil && len(st.secondaryList()) == 0 {
		return
	}
	for _, z := range st.zones.Load().Zones() {
		st.changed(z.Origin())
	}
}
