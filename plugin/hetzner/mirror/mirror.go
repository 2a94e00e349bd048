// Package mirror keeps a warm copy of the zones of a Hetzner Cloud DNS API
// (api.hetzner.cloud/v1, or any server that speaks it, zoneapi's own
// /hetzner/v1 among them) and keeps the two in step both ways, RRset by
// RRset, through hcloud-go's client.
//
// Each round lists the upstream's zones and their RRsets and compares each
// RRset three ways: upstream, local, and base, the RRset as both sides last
// agreed (kept in DIR/.mirror/<zone>.json, so that a restart during an
// outage still knows what is ahead). Changed upstream only: pulled, as one
// pipeline change a zone whose Git commit says where it came from. Changed
// here only (while the upstream was down, or since the last round): pushed
// back as RRset actions. Changed on both sides to different content: a
// conflict, reported and left alone on both sides until Resolve picks one.
//
// Nothing served changes because the upstream failed: an error, a timeout,
// garbage, half a list or a zone that does not validate leave every zone as
// it is, are in the status, the log and a metric, and the round is tried
// again with backoff. A zone gone upstream is reported, not deleted, unless
// the Corefile says delete.
package mirror

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// Config is the Corefile's hetzner block.
type Config struct {
	Endpoint string        // the upstream API, such as https://api.hetzner.cloud/v1
	Token    string        // read from token_file
	Zones    []string      // origins (lower-case FQDNs); none: every upstream zone
	Interval time.Duration // between rounds
	Delete   bool          // delete a zone that is gone upstream
}

// Defaults of the block.
const (
	DefaultEndpoint = "https://api.hetzner.cloud/v1"
	DefaultInterval = time.Minute
	requestTimeout  = 30 * time.Second
	minBackoff      = time.Second
)

// Mirror is the mirror of one store.
type Mirror struct {
	cfg    Config
	client *hcloud.Client
	pipe   *pipeline.Pipeline
	dir    string
	now    func() time.Time

	round   sync.Mutex // one round at a time
	mu      sync.Mutex // guards what follows
	status  Status
	resolve map[string]map[string]Side      // zone -> rrset id -> the side to keep, for the next round
	bases   map[string]*base                // by origin, as on disk; nil until the first round reads them
	parsed  map[string]map[string][2]string // origin -> id -> the upstream's raw content and its parse
	aheads  map[string]aheadOf
	local   map[string]localOf // origin -> the zone as the last round saw it              // origin -> Status's last answer for it
}

// aheadOf is what of a zone differs from a base (conflicts included).
type aheadOf struct {
	z     *zone.Zone
	base  *base
	ahead []string
}

// New returns the mirror of pipe's store after cfg; Run runs it.
func New(cfg Config, pipe *pipeline.Pipeline) *Mirror {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	client := hcloud.NewClient(hcloud.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/")), hcloud.WithToken(cfg.Token),
		hcloud.WithApplication("zoneapi-mirror", ""),
		hcloud.WithHTTPClient(&http.Client{Timeout: requestTimeout}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{Base: 200 * time.Millisecond, Multiplier: 2, Cap: 2 * time.Second}), MaxRetries: 2}),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ConstantBackoff(100 * time.Millisecond)}))
	m := &Mirror{cfg: cfg, client: client, pipe: pipe, dir: pipe.Dir(), now: time.Now,
		resolve: map[string]map[string]Side{}, parsed: map[string]map[string][2]string{}, aheads: map[string]aheadOf{}, local: map[string]localOf{}}
	m.status.Endpoint = cfg.Endpoint
	m.status.Zones = map[string]*ZoneStatus{}
	return m
}

// Run runs a round at once, then every interval (sooner after a failure,
// with backoff up to the interval), until stop is closed.
func (m *Mirror) Run(stop <-chan struct{}) {
	backoff := time.Duration(0)
	for {
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-stop:
			case <-ctx.Done():
			}
			cancel()
		}()
		err := m.Sync(ctx)
		cancel()
		wait := m.cfg.Interval
		if err != nil {
			backoff = min(max(2*backoff, minBackoff), m.cfg.Interval)
			wait = backoff
		} else {
			backoff = 0
		}
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
	}
}

// Sync runs one round now and returns its error, if any.
func (m *Mirror) Sync(ctx context.Context) error {
	m.round.Lock()
	defer m.round.Unlock()
	start := m.now()
	reached, err := m.sync(ctx)
	m.mu.Lock()
	m.status.LastAttempt, m.status.Reachable = start, reached
	if err != nil {
		m.status.LastError = err.Error()
	} else {
		m.status.LastError = ""
		m.status.LastSuccess = start
	}
	m.mu.Unlock()
	rounds.WithLabelValues(result(err)).Inc()
	if err != nil {
		log.Warningf("mirror of %s: %v", m.cfg.Endpoint, err)
	} else {
		lastSuccess.Set(float64(start.Unix()))
	}
	m.publishGauges()
	return err
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// wanted reports whether the Corefile's zones cover origin.
func (m *Mirror) wanted(origin string) bool {
	if len(m.cfg.Zones) == 0 {
		return true
	}
	for _, z := range m.cfg.Zones {
		if z == origin {
			return true
		}
	}
	return false
}
