package pipeline

import (
	"errors"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestAProtectedRRsetIsNotChangedAndAProtectedZoneNotDeleted(t *testing.T) {
	p := newTestPipeline(t)
	addA(t, p, "www.example.org.", "192.0.2.80")
	protect := func(_ *zone.Zone, tx *zone.Txn) error {
		if err := tx.SetNote(NoteProtectChange("WWW.example.org.", dns.TypeA), "true"); err != nil {
			return err
		}
		return tx.SetNote(NoteProtectDelete, "true")
	}
	if _, err := change(p, protect); err != nil {
		t.Fatal(err)
	}
	before, _ := p.Zone("example.org.")
	if _, err := change(p, adding(t, "www.example.org. 300 IN A 192.0.2.81")); !errors.Is(err, ErrProtected) {
		t.Fatalf("adding to a protected RRset: %v", err)
	}
	if _, err := p.Delete(Meta{Op: "test"}, "example.org.", nil); !errors.Is(err, ErrProtected) {
		t.Fatalf("deleting a protected zone: %v", err)
	}
	if z, _ := p.Zone("example.org."); z != before {
		t.Fatal("a refused change changed the zone")
	}
	addA(t, p, "other.example.org.", "192.0.2.82") // the rest of the zone is not protected
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error {
		tx.DeleteNote(NoteProtectChange("www.example.org.", dns.TypeA))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	addA(t, p, "www.example.org.", "192.0.2.81")
}
