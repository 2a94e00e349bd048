package dnsserve

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// An update's record whose RDATA was cut short (miekg/dns leaves the rest
// empty, here an SRV's target) is FORMERR before anything is applied: the
// zone's file could not hold it. The whole record is taken.
func TestPrescanRefusesRDATAThatDoesNotReadBack(t *testing.T) {
	key := &auth.Token{Name: "k"}
	cut := &dns.SRV{Hdr: dns.RR_Header{Name: "_s._tcp.example.org.", Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 300}, Port: 443}
	var rc rcodeError
	if err := prescan("example.org.", []dns.RR{cut}, key); !errors.As(err, &rc) || int(rc) != dns.RcodeFormatError {
		t.Fatalf("an SRV without its target: %v, want FORMERR", err)
	}
	whole, _ := dns.NewRR("_s._tcp.example.org. 300 IN SRV 0 5 443 www.example.org.")
	if err := prescan("example.org.", []dns.RR{whole}, key); err != nil {
		t.Fatalf("an SRV: %v", err)
	}
}

// An update's outcome is an rcode decided in one place: its checks' own,
// SERVFAIL when the store could not be written or a change panicked,
// REFUSED for what the zone's rules refuse, NOERROR for nothing to do.
func TestUpdateErrorsBecomeRcodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, dns.RcodeSuccess},
		{errNothingToDo, dns.RcodeSuccess},
		{rcodeError(dns.RcodeNXRrset), dns.RcodeNXRrset},
		{fmt.Errorf("%w: %w", pipeline.ErrPersist, syscall.ENOSPC), dns.RcodeServerFailure},
		{fmt.Errorf("%w: a bug", pipeline.ErrInternal), dns.RcodeServerFailure},
		{pipeline.ErrClosed, dns.RcodeServerFailure},
		{zone.ErrCNAMEConflict, dns.RcodeRefused},
		{pipeline.ErrLastNS, dns.RcodeRefused},
	} {
		if got := rcodeOf(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, dns.RcodeToString[got], dns.RcodeToString[tc.want])
		}
	}
}
