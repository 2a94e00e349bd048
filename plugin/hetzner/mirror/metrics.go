package mirror

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// The mirror's metrics; the plugin README lists them.
var (
	rounds = promauto.NewCounterVec(prometheus.CounterOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_rounds_total", Help: "Rounds of the Hetzner mirror, by result (ok, error)."}, []string{"result"})
	zoneErrors = promauto.NewCounter(prometheus.CounterOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_zone_errors_total", Help: "Zones a round of the mirror could not bring in step."})
	pulled = promauto.NewCounter(prometheus.CounterOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_pulled_rrsets_total", Help: "RRsets the mirror made as the upstream has them."})
	pushed = promauto.NewCounter(prometheus.CounterOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_pushed_rrsets_total", Help: "RRsets the mirror pushed back to the upstream."})
	conflictsGauge = promauto.NewGauge(prometheus.GaugeOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_conflicts", Help: "RRsets changed both here and upstream, waiting for an operator."})
	aheadGauge = promauto.NewGauge(prometheus.GaugeOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_ahead_rrsets", Help: "RRsets changed here that the upstream lacks."})
	zonesGauge = promauto.NewGauge(prometheus.GaugeOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_zones", Help: "Zones the mirror keeps in step."})
	lastSuccess = promauto.NewGauge(prometheus.GaugeOpts{Namespace: plugin.Namespace, Subsystem: "zoneapi",
		Name: "mirror_last_success_timestamp_seconds", Help: "When the last round of the mirror succeeded."})
)

func init() {
	// Both results are exported from the start, at zero.
	rounds.WithLabelValues("ok")
	rounds.WithLabelValues("error")
}
