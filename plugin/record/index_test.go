package record

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// newTestIndex is the id index of the pipeline of a new store holding
// ExampleOrg.
func newTestIndex(tb testing.TB) (*pipeline.Pipeline, *Index) {
	tb.Helper()
	p, _, err := pipeline.Open(testzone.Store(tb, testzone.ExampleOrg), pipeline.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	x := NewIndex(p.Zone)
	p.Listen(x)
	return p, x
}

// change applies edit to example.org.
func change(p *pipeline.Pipeline, edit pipeline.Edit) error {
	_, err := p.Apply(pipeline.Change{Zone: "example.org.", Meta: pipeline.Meta{Op: "test"}, Edit: edit})
	return err
}

func TestRecordIDIndexFollowsChanges(t *testing.T) {
	p, x := newTestIndex(t)
	add := func(name string) dns.RR {
		rr, _ := dns.NewRR(name + ".example.org. 60 IN A 192.0.2.7")
		if err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(dns.Copy(rr)) }); err != nil {
			t.Fatal(err)
		}
		return rr
	}
	current := func() *zone.Zone { z, _ := p.Zone("example.org."); return z }
	first := add("first")
	if rr, ok := x.Find(current(), ID(first)); !ok || rr.Header().Name != "first.example.org." {
		t.Fatalf("first lookup: %v %v", rr, ok)
	}
	indexed := func(id string) bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		_, ok := x.zones["example.org."][id]
		return ok
	}
	second := add("second")
	if !indexed(ID(second)) {
		t.Error("a change did not reach the index")
	}
	if err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { tx.Delete(first); return nil }); err != nil {
		t.Fatal(err)
	}
	if indexed(ID(first)) {
		t.Error("a deleted record stayed in the index")
	}
	if _, ok := x.Find(current(), ID(first)); ok {
		t.Error("a deleted record was found")
	}
	if rr, ok := x.Find(current(), ID(second)); !ok || rr.Header().Name != "second.example.org." {
		t.Errorf("second: %v %v", rr, ok)
	}
	x.Published(&pipeline.Event{Kind: pipeline.Replaced, Zone: "example.org."}) // a reload, say
	if indexed(ID(second)) {
		t.Error("a zone read again kept its index")
	}
}

// Lookups by id while the zone changes (for the race detector): every id
// of a record that is in the snapshot looked at is found, and the index,
// built before the changes, ends equal to one built from the final zone.
func TestRecordIDLookupsDuringChanges(t *testing.T) {
	p, x := newTestIndex(t)
	z0, _ := p.Zone("example.org.")
	x.Find(z0, ID(z0.SOA())) // builds and installs the index
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			rr, _ := dns.NewRR(fmt.Sprintf("n%d.example.org. 60 IN A 192.0.2.7", i))
			change(p, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) })
		}
	})
	for range 200 {
		z, _ := p.Zone("example.org.")
		for _, rr := range z.Records()[:5] {
			if _, ok := x.Find(z, ID(rr)); !ok {
				t.Fatalf("%s not found in its own snapshot", rr)
			}
		}
		if len(z.Records()) > 5 {
			last := z.Records()[len(z.Records())-1]
			if _, ok := x.Find(z, ID(last)); !ok {
				t.Fatalf("%s not found in its own snapshot", last)
			}
		}
	}
	wg.Wait()
	z, _ := p.Zone("example.org.")
	x.mu.Lock()
	got := x.zones["example.org."]
	x.mu.Unlock()
	if want := indexOf(z); !maps.Equal(got, want) {
		t.Errorf("after 200 changes the index has %d ids, the zone %d", len(got), len(want))
	}
}

// BenchmarkUpdateByID100k: updateRecord's work (find the record by id,
// replace it) in a zone of 100,000 records, journal and fsync included. The
// first lookup builds the zone's index; each change keeps it current.
func BenchmarkUpdateByID100k(b *testing.B) {
	p, x := newTestIndex(b)
	if err := change(p, func(_ *zone.Zone, tx *zone.Txn) error {
		for i := range 100000 {
			rr, _ := dns.NewRR(fmt.Sprintf("h%d.example.org. 60 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255))
			if err := tx.Add(rr); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	z, _ := p.Zone("example.org.")
	x.Find(z, "0000000000000000") // builds the index
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		old, _ := dns.NewRR(fmt.Sprintf("h%d.example.org. 60 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255))
		nu, _ := dns.NewRR(fmt.Sprintf("h%d.example.org. 60 IN A 192.0.2.%d", i, i%250+1))
		if err := change(p, func(z *zone.Zone, tx *zone.Txn) error {
			rr, ok := x.Find(z, ID(old))
			if !ok {
				return fmt.Errorf("%s not found", old)
			}
			tx.Delete(rr)
			return tx.Add(nu)
		}); err != nil {
			b.Fatal(err)
		}
	}
}
