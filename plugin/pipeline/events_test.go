package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// recorder is a Listener that keeps what it heard.
type recorder struct{ heard []string }

func (r *recorder) Published(e *Event) {
	add, del := 0, 0
	if e.Kind == Changed {
		add, del = e.Size()
	}
	r.heard = append(r.heard, fmt.Sprintf("%s %s %s +%d -%d history=%v", e.Meta.Op, e.Kind, e.Zone, add, del, e.InHistory))
}

// Every way of changing a zone tells the listeners, in publish order, with
// the kind of change and its metadata; a refused change tells them nothing.
func TestListenersHearEveryChangeInPublishOrder(t *testing.T) {
	p := newTestPipeline(t)
	r := &recorder{}
	p.Listen(r)
	if _, err := p.Apply(Change{Zone: "example.org.", Meta: Meta{Op: "upsert"}, Edit: adding(t, "a.example.org. 300 IN A 192.0.2.1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(Change{Zone: "example.org.", Meta: Meta{Op: "refused"}, Edit: adding(t, "www.example.org. 300 IN CNAME x.example.org.")}); err == nil {
		t.Fatal("want a CNAME conflict")
	}
	net := testzone.Small(t, "example.net.", 1)
	if err := p.Create(Meta{Op: "create"}, net); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.dir, "example.net.zone")
	if err := os.WriteFile(file, []byte("@ 60 IN SOA ns1 h 5 1 1 1 1\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\nx 60 IN A 192.0.2.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Reload(Meta{Op: "reload"}, "example.net."); err != nil {
		t.Fatal(err)
	}
	err := p.Exclusive(func(x *Excl) error {
		_, err := x.Install(Meta{Op: "pull"}, []File{{Zone: "example.net.", Name: "example.net.zone"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Delete(Meta{Op: "delete"}, "example.org.", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"upsert changed example.org. +1 -0 history=false",
		"create created example.net. +0 -0 history=false",
		"reload replaced example.net. +0 -0 history=false",
		"pull deleted example.net. +0 -0 history=true",
		"delete deleted example.org. +0 -0 history=false",
	}
	if strings.Join(r.heard, "\n") != strings.Join(want, "\n") {
		t.Fatalf("heard:\n%s\nwant:\n%s", strings.Join(r.heard, "\n"), strings.Join(want, "\n"))
	}
	if p.Zones().Len() != 0 {
		t.Fatalf("%d zones left", p.Zones().Len())
	}
}

// An installed zone whose serial is not above the one served gets one
// above it, and its new file is returned to be committed; the store and
// the snapshot hold it.
func TestInstallRaisesASerialThatGoesBack(t *testing.T) {
	p := newTestPipeline(t)
	old := testzone.Small(t, "example.org.", 7)
	var buf strings.Builder
	store.Format(&buf, old)
	var raised map[string][]byte
	err := p.Exclusive(func(x *Excl) error {
		var err error
		raised, err = x.Install(Meta{Op: "pull"}, []File{{Zone: "example.org.", Name: "example.org.zone", New: old, Data: []byte(buf.String())}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	z, _ := p.Zone("example.org.")
	if !SerialGreater(z.Serial(), 2024010101) || len(raised["example.org.zone"]) == 0 {
		t.Fatalf("serial %d, raised %v", z.Serial(), raised)
	}
	if d := durable(t, p); d.Serial() != z.Serial() {
		t.Fatalf("the file has serial %d, the zone %d", d.Serial(), z.Serial())
	}
}

// After Close no change is made, whichever way it comes, so that the
// listeners (the audit log, the committer) may close after the pipeline:
// a lease's expiry under way as the store shuts down is refused, not
// published to a closed audit log.
func TestAClosedPipelineMakesNoChange(t *testing.T) {
	p := newTestPipeline(t)
	a := NewAudit()
	p.Listen(a)
	r := &recorder{}
	p.Listen(r)
	addA(t, p, "before.example.org.", "192.0.2.1")
	p.Close()
	a.Close()
	if _, err := change(p, adding(t, "after.example.org. 300 IN A 192.0.2.2")); !errors.Is(err, ErrClosed) {
		t.Errorf("a change after Close: %v, want ErrClosed", err)
	}
	if err := p.Create(Meta{Op: "create"}, testzone.Small(t, "example.net.", 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("a create after Close: %v", err)
	}
	if _, err := p.Delete(Meta{Op: "delete"}, "example.org.", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("a delete after Close: %v", err)
	}
	if _, err := p.Reload(Meta{Op: "reload"}, "example.org."); !errors.Is(err, ErrClosed) {
		t.Errorf("a reload after Close: %v", err)
	}
	if err := p.Exclusive(func(*Excl) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("a pull after Close: %v", err)
	}
	if len(r.heard) != 1 || served(p, "after.example.org.") != 0 {
		t.Fatalf("after Close the listeners heard %v", r.heard)
	}
}
