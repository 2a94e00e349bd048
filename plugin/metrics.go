package zoneapi

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	zonesGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "zones",
		Help:      "Number of zones served, by store directory.",
	}, []string{"store"})

	loadErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "load_errors_total",
		Help:      "Zone files that could not be loaded.",
	})
)

var (
	apiRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "api_requests_total",
		Help:      "API requests by operation and status code.",
	}, []string{"operation", "status"})

	apiDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "api_request_duration_seconds",
		Help:      "Time to answer an API request, by operation.",
		Buckets:   prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"operation"})

	recordsGauge = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "records",
		Help:      "Number of records served, by store directory.",
	}, []string{"store"})

	swaps = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "snapshot_swaps_total",
		Help:      "Snapshots published: each applied change is one.",
	})

	persistDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "persist_duration_seconds",
		Help:      "Time to write a changed zone durably to the store.",
		Buckets:   prometheus.ExponentialBuckets(0.0001, 2, 18),
	})

	persistFailures = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "persist_failures_total",
		Help:      "Changes refused because the store could not be written.",
	})
)

var (
	gitDuration = promauto.NewHistogram(prometheus.HistogramOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "git_commit_duration_seconds",
		Help:      "Time to make the Git commit of one change, in the background.",
		Buckets:   prometheus.ExponentialBuckets(0.0001, 2, 18),
	})

	gitPending = promauto.NewGauge(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "git_pending_commits",
		Help:      "Applied changes waiting for their Git commit.",
	})

	gitFailures = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "git_commit_failures_total",
		Help:      "Git commits that failed and are retried.",
	})

	gitPullErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "git_pull_errors_total",
		Help:      "GitOps pulls refused or failed: fetch errors, invalid zone files, divergence.",
	})

	gitPulls = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "git_pulls_applied_total",
		Help:      "GitOps pulls that changed the served zones.",
	})
)
