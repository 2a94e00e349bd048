// Package zoneapi is a CoreDNS plugin that serves authoritative zones from
// memory, keeps them in a store of RFC 1035 files, and takes changes over
// HTTP APIs and RFC 2136. This package is the CoreDNS glue only: the
// Corefile (setup*.go), the plugin handler and its readiness, and the
// wiring of one store's parts (instance.go). What each part does lives in its
// own package; docs/ARCHITECTURE.md draws them.
package zoneapi

import (
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/ready"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/zoneapi/zoneapi/plugin/dnsserve"
)

const pluginName = "zoneapi"

// Zoneapi is the plugin: the DNS handler of one server block over the
// shared parts of its store.
type Zoneapi struct {
	*dnsserve.Handler
}

var (
	_ plugin.Handler      = (*Zoneapi)(nil)
	_ ready.Readiness     = (*Zoneapi)(nil)
	_ transfer.Transferer = (*Zoneapi)(nil)
)

// Name implements the plugin.Handler interface.
func (za *Zoneapi) Name() string { return pluginName }

// Ready implements the ready.Readiness interface: the store has been read.
func (za *Zoneapi) Ready() bool { return za.Handler != nil && za.Pipeline != nil }
