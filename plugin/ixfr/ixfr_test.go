package ixfr

import (
	"errors"
	"os"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// newTestLog is the IXFR log of the pipeline of a new store holding
// ExampleOrg.
func newTestLog(t *testing.T) (*pipeline.Pipeline, *Log) {
	t.Helper()
	p, _, err := pipeline.Open(testzone.Store(t, testzone.ExampleOrg), pipeline.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	l := New()
	p.Listen(l)
	return p, l
}

func addA(t *testing.T, p *pipeline.Pipeline, name string) {
	t.Helper()
	rr, _ := dns.NewRR(name + " 300 IN A 192.0.2.9")
	if _, err := p.Apply(pipeline.Change{Zone: "example.org.", Meta: pipeline.Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}); err != nil {
		t.Fatal(err)
	}
}

func TestRecreatedZoneGetsNoIXFRFromItsPredecessor(t *testing.T) {
	p, l := newTestLog(t)
	addA(t, p, "one.example.org.")
	z, _ := p.Zone("example.org.")
	if _, ok := l.Since("example.org.", 2024010101, z.Serial()); !ok {
		t.Fatal("no IXFR history after a change")
	}
	if _, err := p.Delete(pipeline.Meta{Op: "test"}, "example.org.", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Create(pipeline.Meta{Op: "test"}, z); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Since("example.org.", 2024010101, z.Serial()); ok {
		t.Fatal("a re-created zone offers the old zone's differences")
	}
}

func TestRefusedChangeIsNotInTheIXFRHistory(t *testing.T) {
	p, l := newTestLog(t)
	z, _ := p.Zone("example.org.")
	if err := os.RemoveAll(p.Dir()); err != nil { // the journal cannot be opened
		t.Fatal(err)
	}
	rr, _ := dns.NewRR("x.example.org. 300 IN A 192.0.2.9")
	if _, err := p.Apply(pipeline.Change{Zone: "example.org.", Meta: pipeline.Meta{Op: "test"}, Edit: func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }}); !errors.Is(err, pipeline.ErrPersist) {
		t.Fatalf("want a persistence error, got %v", err)
	}
	if _, ok := l.Since("example.org.", z.Serial(), z.Serial()+1); ok {
		t.Fatal("a change that failed to persist is offered as an IXFR difference")
	}
	if n, _ := l.size("example.org."); n != 0 {
		t.Fatalf("history holds %d differences, want 0", n)
	}
}

// The log keeps the last MaxDiffs changes, as long as they hold at most
// MaxRRs records; the newest change is kept whatever its size.
func TestIXFRHistoryIsBounded(t *testing.T) {
	_, l := newTestLog(t)
	soa := func(serial uint32) *dns.SOA {
		return &dns.SOA{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeSOA, Class: dns.ClassINET}, Serial: serial}
	}
	for i := range MaxDiffs + 5 {
		l.remember("example.org.", soa(uint32(i)), soa(uint32(i+1)), nil, nil)
	}
	if n, _ := l.size("example.org."); n != MaxDiffs {
		t.Fatalf("%d changes kept, want %d", n, MaxDiffs)
	}
	rr, _ := dns.NewRR("big.example.org. 300 IN A 192.0.2.1")
	big := make([]dns.RR, MaxRRs*6/10)
	for i := range big {
		big[i] = rr
	}
	l.remember("example.org.", soa(5000), soa(5001), nil, big)
	if n, _ := l.size("example.org."); n != MaxDiffs {
		t.Fatalf("%d changes kept after one of %d records, want %d", n, len(big), MaxDiffs)
	}
	l.remember("example.org.", soa(5001), soa(5002), big, nil) // the two big ones exceed MaxRRs: only the newest stays
	if n, _ := l.size("example.org."); n != 1 {
		t.Fatalf("%d changes kept after two of %d records, want 1", n, len(big))
	}
	if _, rrs := l.size("example.org."); rrs != len(big)+2 {
		t.Fatalf("the history counts %d records, holds %d", rrs, len(big)+2)
	}
}
