package gitlog

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	gitDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "git_commit_duration_seconds",
		Help:      "Time to make the Git commit of one change, in the background.",
		Buckets:   prometheus.ExponentialBuckets(0.0001, 2, 18),
	})

	gitPending = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "git_pending_commits",
		Help:      "Applied changes waiting for their Git commit.",
	})

	gitFailures = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "git_commit_failures_total",
		Help:      "Git commits that failed and are retried.",
	})
)
