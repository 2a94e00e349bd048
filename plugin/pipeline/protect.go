package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Protection, as Hetzner's API has it: a zone with the note
// NoteProtectDelete set to "true" cannot be deleted, and an RRset whose
// NoteProtectChange note is "true" cannot be changed, by any API, RFC 2136
// or ACME, until the note is taken away. The notes travel with the zone
// (its file, journal and Git history), so a reload, a pull or a restore
// keeps them; what a reload or a pull installs is the operator's file and
// is not refused.

// NoteProtectDelete is the zone's note that protects it from deletion.
const NoteProtectDelete = "protect.delete"

// NoteProtectChange returns the note that protects the RRset of owner and
// typ from change.
func NoteProtectChange(owner string, typ uint16) string {
	return "protect.change:" + strings.ToLower(dns.Fqdn(owner)) + "/" + dns.TypeToString[typ]
}

// ErrProtected: the zone or the RRset is protected (see NoteProtectDelete).
var ErrProtected = errors.New("protected")

// checkProtected refuses a change to z that removes or adds records of a
// protected RRset. The SOA's serial is the pipeline's to bump; the SOA is
// not protected.
func checkProtected(z *zone.Zone, removed, added []dns.RR) error {
	if z.Notes() == 0 {
		return nil
	}
	for _, rrs := range [][]dns.RR{removed, added} {
		for _, rr := range rrs {
			h := rr.Header()
			if h.Rrtype == dns.TypeSOA {
				continue
			}
			if v, _ := z.Note(NoteProtectChange(h.Name, h.Rrtype)); v == "true" {
				return fmt.Errorf("the RRset %s %s is protected: %w", h.Name, dns.TypeToString[h.Rrtype], ErrProtected)
			}
		}
	}
	return nil
}

// deletable refuses to delete a protected zone.
func deletable(z *zone.Zone) error {
	if v, _ := z.Note(NoteProtectDelete); v == "true" {
		return fmt.Errorf("the zone %s is protected from deletion: %w", z.Origin(), ErrProtected)
	}
	return nil
}
