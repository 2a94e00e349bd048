package gitops

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	gitPullErrors = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "git_pull_errors_total",
		Help:      "GitOps pulls refused or failed: fetch errors, invalid zone files, divergence.",
	})

	gitPulls = promauto.NewCounter(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: "zoneapi",
		Name:      "git_pulls_applied_total",
		Help:      "GitOps pulls that changed the served zones.",
	})
)
