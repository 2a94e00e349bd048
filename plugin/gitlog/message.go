package gitlog

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// message is the commit message: a subject naming the operation, the zone
// and the new serial; what the change was (the audit line's detail); the
// reason; and trailers that tools can read
// (Reason, Operation, Zone, Serial, Token).
func (it item) message() string {
	zoneName := zone.TrimDot(it.origin)
	var b strings.Builder
	switch {
	case it.z == nil:
		fmt.Fprintf(&b, "%s %s: zone deleted\n", it.meta.Op, zoneName)
	case len(it.summaries) > 1:
		fmt.Fprintf(&b, "%d changes to %s: serial %d\n", len(it.summaries), zoneName, it.to)
	case it.add < 0:
		fmt.Fprintf(&b, "%s %s: serial %d\n", it.meta.Op, zoneName, it.to)
	default:
		fmt.Fprintf(&b, "%s %s: serial %d (+%d -%d)\n", it.meta.Op, zoneName, it.to, it.add, it.del)
	}
	if len(it.summaries) > 1 {
		b.WriteString("\nThe committer fell behind and folded these changes into one commit:\n")
		for _, s := range it.summaries {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	if it.meta.Detail != "" && len(it.summaries) <= 1 {
		fmt.Fprintf(&b, "\n%s\n", it.meta.Detail)
	}
	b.WriteString("\n")
	if it.meta.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", it.meta.Reason)
	}
	fmt.Fprintf(&b, "Operation: %s\nZone: %s\n", it.meta.Op, zoneName)
	if it.z != nil {
		fmt.Fprintf(&b, "Serial: %d\n", it.to)
		if it.z.Source() != zone.SourceZone {
			fmt.Fprintf(&b, "Format: %s\n", it.z.Source())
		}
	}
	if it.meta.Actor != "" {
		fmt.Fprintf(&b, "Token: %s\n", it.meta.Actor)
	}
	return b.String()
}

// Touched tells the one zone file a commit of the committer changed from
// its trailers (each has Operation and Zone), so that listing a zone's
// revisions reads commits, not trees; other commits (startup and pull
// commits have no Zone, merges two parents, pulled ones neither trailer)
// have their trees compared. It is a history.Touched.
func Touched(rev history.Revision) (string, bool) {
	zoneName, ok := rev.Trailer["Zone"]
	if !ok || rev.Trailer["Operation"] == "" {
		return "", false
	}
	src := zone.SourceZone
	if rev.Trailer["Format"] == zone.SourceYAML.String() {
		src = zone.SourceYAML
	}
	name, err := store.FileNameOf(dns.Fqdn(zoneName), src)
	return name, err == nil
}
