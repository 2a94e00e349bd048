package zone

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// The apex is kept beside the B-tree (names.go); the zone must not show it:
// it is the first name of a walk, counted among the names, found by Get and
// changed without touching the zone the change started from.
func TestTheApexIsANameLikeTheOthers(t *testing.T) {
	old := build(t, "example.org. 300 IN NS ns1.example.org.", "ns1.example.org. 300 IN A 192.0.2.53", "a.b.example.org. 300 IN A 192.0.2.1")
	var walked []string
	old.Walk(func(n *Node) bool {
		walked = append(walked, n.Name)
		return true
	})
	want := []string{"example.org.", "", "a.b.example.org.", "ns1.example.org."} // "" is the empty non-terminal b.example.org.
	if len(walked) != len(want) {
		t.Fatalf("walk: %q, want %q", walked, want)
	}
	for i := range want {
		if walked[i] != want[i] {
			t.Fatalf("walk: %q, want %q", walked, want)
		}
	}
	if old.Names() != 4 {
		t.Errorf("Names() = %d, want 4", old.Names())
	}
	if n, ok := old.Get(old.Key()); !ok || n != old.Apex() {
		t.Errorf("Get(apex key) = %v, %v; want the apex", n, ok)
	}

	tx := old.Txn()
	if err := tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{mustRR(t, "example.org. 3600 IN SOA ns1.example.org. h.example.org. 2 2 3 4 5")}); err != nil {
		t.Fatal(err)
	}
	tx.Add(mustRR(t, "example.org. 300 IN TXT apex"))
	nz, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if old.Serial() != 1 || len(old.Apex().Type(dns.TypeTXT)) != 0 {
		t.Errorf("the old zone's apex changed: serial %d, %d TXT", old.Serial(), len(old.Apex().Type(dns.TypeTXT)))
	}
	if n, _ := nz.Node("example.org."); nz.Serial() != 2 || len(n.Type(dns.TypeTXT)) != 1 || n != nz.Apex() {
		t.Errorf("the new zone's apex: serial %d, node %v", nz.Serial(), n)
	}
	del, add := DiffZones(old, nz)
	if len(del) != 1 || len(add) != 2 {
		t.Errorf("DiffZones: -%v +%v, want the old SOA out and the new SOA and the TXT in", del, add)
	}

	// Ascending from the apex's key starts at the apex; from any later key,
	// after it.
	var from []string
	for _, k := range []string{string(nz.Key()), string(nz.Key()) + "a"} {
		first := ""
		nz.tree.Ascend(k, func(key string, _ *Node) bool {
			first = key
			return false
		})
		from = append(from, first)
	}
	b, _ := Key("b.example.org.") // the empty non-terminal, the first name after the apex
	if from[0] != string(nz.Key()) || from[1] != string(b) {
		t.Errorf("Ascend from the apex's key and from the key after it found %q", from)
	}

	// Deleting the last name below an empty non-terminal removes it (Txn.put
	// asks the tree whether names remain below it) and leaves the apex.
	tx = nz.Txn()
	if !tx.Delete(mustRR(t, "a.b.example.org. 300 IN A 192.0.2.1")) {
		t.Fatal("a.b.example.org. A was not deleted")
	}
	last, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if last.Names() != 2 {
		t.Errorf("after the delete: %d names, want 2 (the apex and ns1)", last.Names())
	}
	if _, ok := last.Node("b.example.org."); ok {
		t.Error("the empty non-terminal b.example.org. outlived the last name below it")
	}
}

// A commit that changes most names builds the B-tree again (names.compact):
// the zone after it holds the same names in the same order, the zone it
// started from is untouched, and a change after it goes on from it.
func TestACompactedZoneKeepsItsNames(t *testing.T) {
	rrs := []string{"example.org. 300 IN NS ns1.example.org."}
	for i := range 300 {
		rrs = append(rrs, fmt.Sprintf("h%d.example.org. 300 IN A 192.0.2.%d", i, i%250+1))
	}
	old := build(t, rrs...)
	names := func(z *Zone) []string {
		var out []string
		z.tree.Scan(func(k string, n *Node) bool {
			out = append(out, k+"="+n.Name)
			return true
		})
		return out
	}
	before := names(old)
	tx := old.Txn()
	for i := range 200 { // more than half of the names: compacted
		tx.Add(mustRR(t, fmt.Sprintf("h%d.example.org. 300 IN TXT \"t\"", i)))
	}
	nz, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got := names(old); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Error("the zone the change started from changed")
	}
	if got := names(nz); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("after the change: %d names, want the %d of before, in order", len(got), len(before))
	}
	for i := range 300 {
		n, ok := nz.Node(fmt.Sprintf("h%d.example.org.", i))
		if !ok || (len(n.Type(dns.TypeTXT)) == 1) != (i < 200) {
			t.Fatalf("h%d after the change: %v %v", i, n, ok)
		}
	}
	tx = nz.Txn()
	tx.DeleteName("h7.example.org.")
	tx.Add(mustRR(t, "new.example.org. 300 IN A 192.0.2.9"))
	last, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := last.Node("h7.example.org."); ok || last.Names() != nz.Names() {
		t.Errorf("after a change of the compacted zone: h7 %v, %d names, want %d", ok, last.Names(), nz.Names())
	}
	if _, ok := nz.Node("h7.example.org."); !ok {
		t.Error("the compacted zone lost h7 to a change after it")
	}
}
