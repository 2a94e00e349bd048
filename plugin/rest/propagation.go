package rest

import (
	"context"
	"sync"

	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/notify"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GetPropagation implements api.StrictServerInterface: what each secondary
// acknowledged, and the serial it serves now.
func (a *API) GetPropagation(ctx context.Context, req api.GetPropagationRequestObject) (api.GetPropagationResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	secondaries := a.Notifier.Secondaries()
	out := api.Propagation{Zone: zone.TrimDot(z.Origin()), Serial: int64(z.Serial()), Secondaries: make([]api.SecondaryStatus, len(secondaries))}
	var wg sync.WaitGroup
	for i, addr := range secondaries {
		wg.Go(func() {
			s := api.SecondaryStatus{Address: addr}
			ns := a.Notifier.Status(z.Origin(), addr)
			if !ns.Sent.IsZero() {
				s.LastNotifySent = ptr(ns.Sent.UTC())
			}
			if !ns.Acked.IsZero() {
				s.LastNotifyAcked = ptr(ns.Acked.UTC())
			}
			if ns.Err != "" {
				s.Error = ptr(ns.Err)
			}
			if serial, err := notify.Serial(ctx, addr, z.Origin()); err != nil {
				s.Error = ptr(err.Error())
			} else {
				s.Serial, s.InSync = ptr(int64(serial)), serial == z.Serial()
			}
			out.Secondaries[i] = s
		})
	}
	wg.Wait()
	return api.GetPropagation200JSONResponse(out), nil
}
