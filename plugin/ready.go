package zoneapi

import "github.com/coredns/coredns/plugin/ready"

var _ ready.Readiness = (*Zoneapi)(nil)

// Ready implements the ready.Readiness interface: the store has been read.
func (za *Zoneapi) Ready() bool { return za.state.ready.Load() }
