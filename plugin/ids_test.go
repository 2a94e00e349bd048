package zoneapi

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestRecordIDIndexFollowsChanges(t *testing.T) {
	st := newTestState(t)
	add := func(name string) dns.RR {
		rr, _ := dns.NewRR(name + ".example.org. 60 IN A 192.0.2.7")
		if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(dns.Copy(rr)) }); err != nil {
			t.Fatal(err)
		}
		return rr
	}
	current := func() *zone.Zone { z, _ := st.zones.Load().Get("example.org."); return z }
	first := add("first")
	if rr, ok := st.findRecord(current(), recordID(first)); !ok || rr.Header().Name != "first.example.org." {
		t.Fatalf("first lookup: %v %v", rr, ok)
	}
	indexed := func(id string) bool {
		st.ids.mu.Lock()
		defer st.ids.mu.Unlock()
		_, ok := st.ids.zones["example.org."][id]
		return ok
	}
	second := add("second")
	if !indexed(recordID(second)) {
		t.Error("a change did not reach the index")
	}
	if _, _, err := st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { tx.Delete(first); return nil }); err != nil {
		t.Fatal(err)
	}
	if indexed(recordID(first)) {
		t.Error("a deleted record stayed in the index")
	}
	if _, ok := st.findRecord(current(), recordID(first)); ok {
		t.Error("a deleted record was found")
	}
	if rr, ok := st.findRecord(current(), recordID(second)); !ok || rr.Header().Name != "second.example.org." {
		t.Errorf("second: %v %v", rr, ok)
	}
	st.dropIDs("example.org.")
	if indexed(recordID(second)) {
		t.Error("dropIDs kept the index")
	}
}

// Lookups by id while the zone changes (for the race detector): every id
// of a record that is in the snapshot looked at is found, and the index,
// built before the changes, ends equal to one built from the final zone.
func TestRecordIDLookupsDuringChanges(t *testing.T) {
	st := newTestState(t)
	z0, _ := st.zones.Load().Get("example.org.")
	st.findRecord(z0, recordID(z0.SOA())) // builds and installs the index
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			rr, _ := dns.NewRR(fmt.Sprintf("n%d.example.org. 60 IN A 192.0.2.7", i))
			st.change(why{op: "test"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) })
		}
	})
	for range 200 {
		z, _ := st.zones.Load().Get("example.org.")
		for _, rr := range z.Records()[:5] {
			if _, ok := st.findRecord(z, recordID(rr)); !ok {
				t.Fatalf("%s not found in its own snapshot", rr)
			}
		}
		if len(z.Records()) > 5 {
			last := z.Records()[len(z.Records())-1]
			if _, ok := st.findRecord(z, recordID(last)); !ok {
				t.Fatalf("%s not found in its own snapshot", last)
			}
		}
	}
	wg.Wait()
	z, _ := st.zones.Load().Get("example.org.")
	st.ids.mu.Lock()
	got := st.ids.zones["example.org."]
	st.ids.mu.Unlock()
	if want := indexOf(z); !maps.Equal(got, want) {
		t.Errorf("after 200 changes the index has %d ids, the zone %d", len(got), len(want))
	}
}

// BenchmarkUpdateByID100k: updateRecord's work (find the record by id,
// replace it) in a zone of 100,000 records, journal and fsync included. The
// first lookup builds the zone's index; each change keeps it current.
func BenchmarkUpdateByID100k(b *testing.B) {
	st := newTestState(b)
	if _, _, err := st.change(why{op: "bench"}, "example.org.", nil, false, func(_ *zone.Zone, tx *zone.Txn) error {
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
	z, _ := st.zones.Load().Get("example.org.")
	st.findRecord(z, "0000000000000000") // builds the index
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		old, _ := dns.NewRR(fmt.Sprintf("h%d.example.org. 60 IN A 10.%d.%d.%d", i, i>>16&255, i>>8&255, i&255))
		nu, _ := dns.NewRR(fmt.Sprintf("h%d.example.org. 60 IN A 192.0.2.%d", i, i%250+1))
		if _, _, err := st.change(why{op: "bench"}, "example.org.", nil, false, func(z *zone.Zone, tx *zone.Txn) error {
			rr, ok := st.findRecord(z, recordID(old))
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
