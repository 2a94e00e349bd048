package zoneapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
)

// notifyStatus is what zoneapi knows of one secondary for one zone.
type notifyStatus struct {
	sent, acked time.Time
	err         string
}

// propagation records the NOTIFYs sent to the configured secondaries.
type propagation struct {
	mu     sync.Mutex
	status map[string]map[string]*notifyStatus // zone -> secondary -> status
}

func (p *propagation) get(origin, addr string) notifyStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.status[origin][addr]; s != nil {
		return *s
	}
	return notifyStatus{}
}

func (p *propagation) set(origin, addr string, f func(*notifyStatus)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status == nil {
		p.status = map[string]map[string]*notifyStatus{}
	}
	if p.status[origin] == nil {
		p.status[origin] = map[string]*notifyStatus{}
	}
	s := p.status[origin][addr]
	if s == nil {
		s = &notifyStatus{}
		p.status[origin][addr] = s
	}
	f(s)
}

// notifySecondaries sends NOTIFY (RFC 1996) for origin to each configured
// secondary, at once, and records when it was sent and acknowledged.
func (st *state) notifySecondaries(origin string, secondaries []string) {
	var wg sync.WaitGroup
	for _, addr := range secondaries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := new(dns.Msg)
			m.SetNotify(origin)
			c := &dns.Client{Timeout: 2 * time.Second}
			st.prop.set(origin, addr, func(s *notifyStatus) { s.sent = time.Now() })
			var err error
			for range 3 {
				var r *dns.Msg
				if r, _, err = c.Exchange(m, addr); err == nil && r.Rcode != dns.RcodeSuccess {
					err = fmt.Errorf("NOTIFY answered %s", dns.RcodeToString[r.Rcode])
				}
				if err == nil {
					break
				}
			}
			st.prop.set(origin, addr, func(s *notifyStatus) {
				if err != nil {
					s.err = err.Error()
					return
				}
				s.acked, s.err = time.Now(), ""
			})
			if err != nil {
				log.Warningf("notify %s to %s: %v", origin, addr, err)
			}
		}()
	}
	wg.Wait()
}

// GetPropagation implements api.StrictServerInterface.
func (h *handlers) GetPropagation(ctx context.Context, req api.GetPropagationRequestObject) (api.GetPropagationResponseObject, error) {
	z, err := h.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	secondaries := h.st.secondaryList()
	out := api.Propagation{Zone: trimDot(z.Origin()), Serial: int64(z.Serial()), Secondaries: make([]api.SecondaryStatus, len(secondaries))}
	var wg sync.WaitGroup
	for i, addr := range secondaries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := api.SecondaryStatus{Address: addr}
			ns := h.st.prop.get(z.Origin(), addr)
			if !ns.sent.IsZero() {
				s.LastNotifySent = ptr(ns.sent.UTC())
			}
			if !ns.acked.IsZero() {
				s.LastNotifyAcked = ptr(ns.acked.UTC())
			}
			if ns.err != "" {
				s.Error = ptr(ns.err)
			}
			if serial, err := secondarySerial(ctx, addr, z.Origin()); err != nil {
				s.Error = ptr(err.Error())
			} else {
				s.Serial, s.InSync = ptr(int64(serial)), serial == z.Serial()
			}
			out.Secondaries[i] = s
		}()
	}
	wg.Wait()
	return api.GetPropagation200JSONResponse(out), nil
}

// acmeWaitMax is how long present waits for the secondaries, unless
// acme_wait says otherwise.
const acmeWaitMax = 60 * time.Second

var errPropagationTimeout = errors.New("a secondary does not serve the change yet")

// waitForSecondaries waits until every configured secondary serves serial
// (or a later one) for origin, polling their SOA.
func (st *state) waitForSecondaries(ctx context.Context, origin string, serial uint32, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		behind := ""
		for _, addr := range st.secondaryList() {
			got, err := secondarySerial(ctx, addr, origin)
			if err != nil || (got != serial && !serialGreater(got, serial)) {
				behind = fmt.Sprintf("%s serves %d, the change is %d", addr, got, serial)
				break
			}
		}
		if behind == "" {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: %w", behind, errPropagationTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// secondarySerial asks a secondary for the serial of origin it serves.
func secondarySerial(ctx context.Context, addr, origin string) (uint32, error) {
	m := new(dns.Msg).SetQuestion(origin, dns.TypeSOA)
	r, _, err := (&dns.Client{Timeout: time.Second}).ExchangeContext(ctx, m, addr)
	if err != nil {
		return 0, fmt.Errorf("SOA query: %w", err)
	}
	if len(r.Answer) == 0 {
		return 0, fmt.Errorf("SOA query: %s without an SOA", dns.RcodeToString[r.Rcode])
	}
	soa, ok := r.Answer[0].(*dns.SOA)
	if !ok {
		return 0, fmt.Errorf("SOA query: the answer is a %s", dns.Type(r.Answer[0].Header().Rrtype))
	}
	return soa.Serial, nil
}
