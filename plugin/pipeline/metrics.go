package pipeline

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	zonesGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "zones",
		Help:      "Number of zones served, by store directory.",
	}, []string{"store"})

	recordsGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "records",
		Help:      "Number of records served, by store directory.",
	}, []string{"store"})

	loadErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "load_errors_total",
		Help:      "Zone files that could not be loaded.",
	})

	swaps = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "snapshot_swaps_total",
		Help:      "Snapshots published: each applied batch of changes is one.",
	})

	persistDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "persist_duration_seconds",
		Help:      "Time to write a changed zone's file to the store.",
		Buckets:   prometheus.ExponentialBuckets(0.0001, 2, 18),
	})

	persistFailures = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "persist_failures_total",
		Help:      "Changes refused because the store could not be written.",
	})
)
