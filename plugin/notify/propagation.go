package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

// Status is what the Notifier knows of one secondary for one zone.
type Status struct {
	Sent, Acked time.Time // zero: never
	Err         string    // the last NOTIFY's failure
}

// status records the NOTIFYs sent to the configured secondaries.
type status struct {
	mu  sync.Mutex
	all map[string]map[string]*Status // zone -> secondary -> status
}

// Status returns what is known of addr for origin.
func (n *Notifier) Status(origin, addr string) Status {
	n.status.mu.Lock()
	defer n.status.mu.Unlock()
	if s := n.status.all[origin][addr]; s != nil {
		return *s
	}
	return Status{}
}

func (s *status) set(origin, addr string, f func(*Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all == nil {
		s.all = map[string]map[string]*Status{}
	}
	if s.all[origin] == nil {
		s.all[origin] = map[string]*Status{}
	}
	st := s.all[origin][addr]
	if st == nil {
		st = &Status{}
		s.all[origin][addr] = st
	}
	f(st)
}

// notifySecondaries sends NOTIFY for origin to each secondary, at once,
// and records when it was sent and acknowledged.
func (n *Notifier) notifySecondaries(origin string, secondaries []string) {
	var wg sync.WaitGroup
	for _, addr := range secondaries {
		wg.Go(func() {
			m := new(dns.Msg)
			m.SetNotify(origin)
			c := &dns.Client{Timeout: 2 * time.Second}
			n.status.set(origin, addr, func(s *Status) { s.Sent = time.Now() })
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
			n.status.set(origin, addr, func(s *Status) {
				if err != nil {
					s.Err = err.Error()
					return
				}
				s.Acked, s.Err = time.Now(), ""
			})
			if err != nil {
				log.Warningf("notify %s to %s: %v", origin, addr, err)
			}
		})
	}
	wg.Wait()
}

// ErrPropagationTimeout: a secondary did not serve a change in time.
var ErrPropagationTimeout = errors.New("a secondary does not serve the change yet")

// WaitFor waits until every configured secondary serves serial (or a
// later one) for origin, polling their SOA, for at most limit.
func (n *Notifier) WaitFor(ctx context.Context, origin string, serial uint32, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		behind := ""
		for _, addr := range n.Secondaries() {
			got, err := Serial(ctx, addr, origin)
			if err != nil || (got != serial && !pipeline.SerialGreater(got, serial)) {
				behind = fmt.Sprintf("%s serves %d, the change is %d", addr, got, serial)
				break
			}
		}
		if behind == "" {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: %w", behind, ErrPropagationTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Serial asks a secondary for the serial of origin it serves.
func Serial(ctx context.Context, addr, origin string) (uint32, error) {
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
