package zone

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func mustRR(t testing.TB, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

func build(t testing.TB, rrs ...string) *Zone {
	t.Helper()
	tx, err := New("example.org.")
	if err != nil {
		t.Fatal(err)
	}
	tx.Add(mustRR(t, "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5"))
	for _, s := range rrs {
		if err := tx.Add(mustRR(t, s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	z, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestTxnLeavesTheOldZoneUnchanged(t *testing.T) {
	old := build(t, "www.example.org. 300 IN A 192.0.2.1", "a.b.c.example.org. 300 IN A 192.0.2.2")
	tx := old.Txn()
	tx.Add(mustRR(t, "www.example.org. 300 IN A 192.0.2.3"))
	tx.Delete(mustRR(t, "a.b.c.example.org. 300 IN A 192.0.2.2"))
	tx.Add(mustRR(t, "new.example.org. 300 IN TXT hello"))
	nz, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := old.Node("www.example.org."); len(n.Type(dns.TypeA)) != 1 {
		t.Errorf("old zone: www has %d A, want 1", len(n.Type(dns.TypeA)))
	}
	if _, ok := old.Node("b.c.example.org."); !ok {
		t.Error("old zone lost its empty non-terminal")
	}
	if _, ok := old.Node("new.example.org."); ok {
		t.Error("old zone sees a name added later")
	}
	if n, _ := nz.Node("www.example.org."); len(n.Type(dns.TypeA)) != 2 {
		t.Errorf("new zone: www has %d A, want 2", len(n.Type(dns.TypeA)))
	}
	if old.Len() != 3 || nz.Len() != 4 {
		t.Errorf("record counts: old %d (want 3), new %d (want 4)", old.Len(), nz.Len())
	}
}

func TestDeletingTheLastRecordRemovesEmptyNonTerminals(t *testing.T) {
	z := build(t, "a.b.c.example.org. 300 IN A 192.0.2.2", "x.c.example.org. 300 IN A 192.0.2.3")
	tx := z.Txn()
	tx.Delete(mustRR(t, "a.b.c.example.org. 300 IN A 192.0.2.2"))
	nz, _ := tx.Commit()
	if _, ok := nz.Node("a.b.c.example.org."); ok {
		t.Error("a.b.c still exists")
	}
	if _, ok := nz.Node("b.c.example.org."); ok {
		t.Error("b.c still exists as an empty non-terminal")
	}
	if _, ok := nz.Node("c.example.org."); !ok {
		t.Error("c is still an empty non-terminal above x.c")
	}
	tx = nz.Txn()
	tx.DeleteName("x.c.example.org.")
	nz, _ = tx.Commit()
	if nz.Names() != 1 {
		t.Errorf("only the apex should be left, have %d names", nz.Names())
	}
}

func TestAddDeduplicatesAndKeepsOneTTLPerRRset(t *testing.T) {
	z := build(t, "www.example.org. 300 IN A 192.0.2.1", "WWW.example.org. 300 IN A 192.0.2.1", "www.example.org. 600 IN A 192.0.2.2")
	n, _ := z.Node("www.example.org.")
	rrs := n.Type(dns.TypeA)
	if len(rrs) != 2 {
		t.Fatalf("want 2 A, got %v", rrs)
	}
	for _, rr := range rrs {
		if rr.Header().Ttl != 300 || rr.Header().Name != "www.example.org." {
			t.Errorf("want TTL 300 and the first spelling, got %v", rr)
		}
	}
}

func TestZoneRulesAreEnforced(t *testing.T) {
	z := build(t, "www.example.org. 300 IN A 192.0.2.1", "c.example.org. 300 IN CNAME www.example.org.", "d.example.org. 300 IN DNAME example.net.")
	tests := []struct {
		rr   string
		want error
	}{
		{"www.example.org. 300 IN CNAME x.example.org.", ErrCNAMEConflict},
		{"c.example.org. 300 IN A 192.0.2.1", ErrCNAMEConflict},
		{"c.example.org. 300 IN CNAME other.example.org.", ErrCNAMEConflict},
		{"example.org. 300 IN CNAME x.example.net.", ErrCNAMEAtApex},
		{"www.example.net. 300 IN A 192.0.2.1", ErrOutOfZone},
		{"www.example.org. 300 IN SOA a. b. 1 2 3 4 5", ErrSOANotAtApex},
		{"example.org. 300 IN SOA a. b. 9 2 3 4 5", ErrMultipleSOA},
		{"d.example.org. 300 IN DNAME example.com.", ErrDNAMEConflict},
		{"x.example.org. 2147483648 IN A 192.0.2.1", ErrBadTTL},
		{"x.example.org. 300 CH A 192.0.2.1", ErrBadClass},
	}
	for _, tc := range tests {
		tx := z.Txn()
		if err := tx.Add(mustRR(t, tc.rr)); !errors.Is(err, tc.want) {
			t.Errorf("%s: want %v, got %v", tc.rr, tc.want, err)
		}
	}
	// RDATA that cannot stand in the zone's file as itself: a CAA tag with
	// a space (read from the wire: miekg/dns prints it bare, and "0  0 \"v\""
	// reads back as another record), and type 0 in an NSEC's bitmap (printed
	// as "None", which does not read back at all).
	for _, rr := range []dns.RR{
		&dns.CAA{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 300}, Tag: " ", Value: "v"},
		&dns.NSEC{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeNSEC, Class: dns.ClassINET, Ttl: 300}, NextDomain: "x.example.org.", TypeBitMap: []uint16{0, dns.TypeA}},
		// The parser's own results: an IPSECKEY of gateway type 48 takes
		// the line's end as its key, so the next line fails; an NSEC3
		// whose next hashed owner is missing takes the line's end as it.
		&dns.IPSECKEY{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeIPSECKEY, Class: dns.ClassINET, Ttl: 300}, Precedence: 48, GatewayType: 48, Algorithm: 48, PublicKey: "MA=="},
		&dns.NSEC3{Hdr: dns.RR_Header{Name: "www.example.org.", Rrtype: dns.TypeNSEC3, Class: dns.ClassINET, Ttl: 300}, Hash: 1, NextDomain: "\n"},
	} {
		if err := z.Txn().Add(rr); !errors.Is(err, ErrBadRdata) {
			t.Errorf("%s: want %v, got %v", rr, ErrBadRdata, err)
		}
	}
	// A fingerprint in lower case is printed in upper case: the same
	// record on the wire, so it is taken.
	if err := z.Txn().Add(mustRR(t, "s.example.org. 300 IN SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")); err != nil {
		t.Errorf("SSHFP in lower case: %v", err)
	}
	// What an update's RDATA cut short leaves: an SRV with no target is
	// printed with none, and the zone's next line would be read as it.
	srv := &dns.SRV{Hdr: dns.RR_Header{Name: "_s._tcp.example.org.", Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 300}, Port: 443}
	if _, err := ReadBack(srv); !errors.Is(err, ErrBadRdata) {
		t.Errorf("SRV without a target: want %v, got %v", ErrBadRdata, err)
	}
	if _, err := ReadBack(mustRR(t, "_s._tcp.example.org. 300 IN SRV 0 5 443 www.example.org.")); err != nil {
		t.Errorf("SRV: %v", err)
	}
	// The same CNAME again is a harmless duplicate.
	tx := z.Txn()
	if err := tx.Add(mustRR(t, "c.example.org. 300 IN CNAME www.example.org.")); err != nil {
		t.Errorf("duplicate CNAME: %v", err)
	}
}

func TestReplaceRRsetIsAllOrNothing(t *testing.T) {
	z := build(t, "www.example.org. 300 IN A 192.0.2.1", "www.example.org. 300 IN TXT hi")
	tx := z.Txn()
	err := tx.ReplaceRRset("www.example.org.", dns.TypeCNAME, []dns.RR{mustRR(t, "www.example.org. 300 IN CNAME x.example.org.")})
	if !errors.Is(err, ErrCNAMEConflict) {
		t.Fatalf("want a CNAME conflict, got %v", err)
	}
	if err := tx.ReplaceRRset("www.example.org.", dns.TypeA, []dns.RR{
		mustRR(t, "www.example.org. 60 IN A 192.0.2.7"), mustRR(t, "www.example.org. 90 IN A 192.0.2.8"),
	}); err != nil {
		t.Fatal(err)
	}
	nz, _ := tx.Commit()
	n, _ := nz.Node("www.example.org.")
	a := n.Type(dns.TypeA)
	if len(a) != 2 || a[0].Header().Ttl != 60 || a[1].Header().Ttl != 60 || len(n.Type(dns.TypeTXT)) != 1 {
		t.Fatalf("want 2 A with TTL 60 and the TXT kept, got %v", n.Sets)
	}
	// The SOA can be replaced, not removed.
	tx = nz.Txn()
	if err := tx.ReplaceRRset("example.org.", dns.TypeSOA, nil); err == nil {
		t.Error("removing the SOA must fail")
	}
	if tx.DeleteRRset("example.org.", dns.TypeSOA) != 0 {
		t.Error("DeleteRRset removed the SOA")
	}
	if err := tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{mustRR(t, "example.org. 3600 IN SOA ns1.example.org. h.example.org. 2 2 3 4 5")}); err != nil {
		t.Fatal(err)
	}
	nz, _ = tx.Commit()
	if nz.Serial() != 2 || nz.Len() != 4 {
		t.Errorf("want serial 2 and 4 RRs, got %d and %d", nz.Serial(), nz.Len())
	}
}

func TestRecordsAreInCanonicalOrder(t *testing.T) {
	z := build(t, "z.example.org. 300 IN A 192.0.2.1", "a.example.org. 300 IN TXT b", "a.example.org. 300 IN TXT a",
		"a.example.org. 300 IN A 192.0.2.9", "a.example.org. 300 IN A 192.0.2.10", "example.org. 300 IN NS ns.example.org.")
	var got []string
	for _, rr := range z.Records() {
		got = append(got, rr.String())
	}
	want := []string{
		"example.org.\t3600\tIN\tSOA\tns1.example.org. h.example.org. 1 2 3 4 5",
		"example.org.\t300\tIN\tNS\tns.example.org.",
		"a.example.org.\t300\tIN\tA\t192.0.2.9",
		"a.example.org.\t300\tIN\tA\t192.0.2.10",
		"a.example.org.\t300\tIN\tTXT\t\"a\"",
		"a.example.org.\t300\tIN\tTXT\t\"b\"",
		"z.example.org.\t300\tIN\tA\t192.0.2.1",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: want %q, got %q", i, want[i], got[i])
		}
	}
}

func TestSetMatchesTheLongestOrigin(t *testing.T) {
	parent := build(t)
	tx, _ := New("sub.example.org.")
	tx.Add(mustRR(t, "sub.example.org. 3600 IN SOA a. b. 1 2 3 4 5"))
	child, _ := tx.Commit()
	s := NewSet(parent, child)
	for name, want := range map[string]string{
		"www.sub.example.org.": "sub.example.org.", "sub.example.org.": "sub.example.org.",
		"www.example.org.": "example.org.", "xsub.example.org.": "example.org.",
	} {
		k, _ := Key(name)
		z, ok := s.Match(k)
		if !ok || z.Origin() != want {
			t.Errorf("%s: want zone %s, got %v", name, want, z)
		}
	}
	if p, ok := s.Parent(child); !ok || p != parent {
		t.Error("the parent of sub.example.org. is example.org.")
	}
	k, _ := Key("example.com.")
	if _, ok := s.Match(k); ok {
		t.Error("example.com. is in no zone")
	}
}

func TestDiffZonesInCanonicalOrder(t *testing.T) {
	a := build(t, "www.example.org. 60 IN A 192.0.2.1", "old.example.org. 60 IN A 192.0.2.2")
	tx := a.Txn()
	tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{mustRR(t, "example.org. 3600 IN SOA ns1.example.org. h.example.org. 2 2 3 4 5")})
	tx.ReplaceRRset("www.example.org.", dns.TypeA, []dns.RR{mustRR(t, "www.example.org. 300 IN A 192.0.2.1")})
	tx.DeleteName("old.example.org.")
	if err := tx.Add(mustRR(t, "a.new.example.org. 60 IN TXT x")); err != nil {
		t.Fatal(err)
	}
	b, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	del, add := DiffZones(a, b)
	str := func(rrs []dns.RR) (out []string) {
		for _, rr := range rrs {
			out = append(out, rr.Header().Name+dns.Type(rr.Header().Rrtype).String())
		}
		return out
	}
	if got := fmt.Sprint(str(del)); got != "[example.org.SOA old.example.org.A www.example.org.A]" {
		t.Errorf("del %s", got)
	}
	if got := fmt.Sprint(str(add)); got != "[example.org.SOA a.new.example.org.TXT www.example.org.A]" {
		t.Errorf("add %s", got)
	}
	if del, add := DiffZones(a, nil); len(del) != a.Len() || len(add) != 0 {
		t.Errorf("to nothing: %d %d", len(del), len(add))
	}
	if del, add := DiffZones(nil, b); len(del) != 0 || len(add) != b.Len() {
		t.Errorf("from nothing: %d %d", len(del), len(add))
	}
}

func TestDiffSeesTheCaseOfNames(t *testing.T) {
	a := build(t, "www.example.org. 60 IN A 192.0.2.1", "alias.example.org. 60 IN CNAME www.example.org.")
	tx := a.Txn()
	tx.ReplaceRRset("WWW.example.org.", dns.TypeA, []dns.RR{mustRR(t, "WWW.example.org. 60 IN A 192.0.2.1")})
	tx.ReplaceRRset("alias.example.org.", dns.TypeCNAME, []dns.RR{mustRR(t, "alias.example.org. 60 IN CNAME Www.Example.Org.")})
	b, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	del, add := Diff(a, b, tx.Touched())
	if len(del) != 2 || len(add) != 2 {
		t.Fatalf("a change of case only: del %v, add %v", del, add)
	}
	if del, add := Diff(a, a, tx.Touched()); len(del) != 0 || len(add) != 0 {
		t.Fatalf("no change: del %v, add %v", del, add)
	}
	tx = a.Txn() // the same RRs again, as new values: no change
	tx.ReplaceRRset("www.example.org.", dns.TypeA, []dns.RR{mustRR(t, "www.example.org. 60 IN A 192.0.2.1")})
	c, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if del, add := Diff(a, c, tx.Touched()); len(del) != 0 || len(add) != 0 {
		t.Fatalf("the same RRs given again: del %v, add %v", del, add)
	}
}

// A DS digest or SSHFP fingerprint in lower case is the same record as in
// upper case, the case miekg/dns prints and so a restart reads: adding it
// again adds nothing, and deleting it in either case deletes it.
func TestHexInEitherCaseIsOneRecord(t *testing.T) {
	lower := "sub.example.org. 300 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	upper := "sub.example.org. 300 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
	z := build(t, "sub.example.org. 300 IN NS ns.example.net.", lower)
	tx := z.Txn()
	if err := tx.Add(mustRR(t, upper)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(mustRR(t, "s.example.org. 300 IN SSHFP 4 2 abcdef")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(mustRR(t, "s.example.org. 300 IN SSHFP 4 2 ABCDEF")); err != nil {
		t.Fatal(err)
	}
	z2, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := z2.Node("sub.example.org.")
	sshfp, _ := z2.Node("s.example.org.")
	if len(ds.Type(dns.TypeDS)) != 1 || len(sshfp.Type(dns.TypeSSHFP)) != 1 {
		t.Fatalf("DS %v, SSHFP %v: one record each", ds.Type(dns.TypeDS), sshfp.Type(dns.TypeSSHFP))
	}
	if !z2.Txn().Delete(mustRR(t, upper)) {
		t.Error("the DS given in upper case was not deleted")
	}
}

// One owner spelled two ways (`\097bc` in a zone file, `abc` from the API
// or a restart) holds one record, not two.
func TestAnOwnerSpelledTwoWaysHoldsOneRecord(t *testing.T) {
	z := build(t, `\097bc.example.org. 300 IN A 192.0.2.1`)
	tx := z.Txn()
	if err := tx.Add(mustRR(t, "abc.example.org. 300 IN A 192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	z2, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := z2.Node("abc.example.org."); len(n.Type(dns.TypeA)) != 1 {
		t.Fatalf("A records: %v", n.Type(dns.TypeA))
	}
	if !z2.Txn().Delete(mustRR(t, "abc.example.org. 300 IN A 192.0.2.1")) {
		t.Error("the record spelled the other way was not deleted")
	}
}

// TestAnUnsignedZoneAnswersDOAsWithout: with the DO bit, a zone without
// signatures gives the answer it gives without.
func TestAnUnsignedZoneAnswersDOAsWithout(t *testing.T) {
	z := build(t, "www.example.org. 300 IN A 192.0.2.1", "*.dev.example.org. 300 IN A 192.0.2.2", "a.b.c.example.org. 300 IN A 192.0.2.3",
		"sub.example.org. 300 IN NS ns.sub.example.org.", "ns.sub.example.org. 300 IN A 192.0.2.4")
	for _, q := range []string{"www.example.org.", "nothere.example.org.", "x.dev.example.org.", "b.c.example.org.", "www.sub.example.org."} {
		k, _ := Key(q)
		for _, qtype := range []uint16{dns.TypeA, dns.TypeMX} {
			with, without := z.LookupDNSSEC(q, k, qtype), z.Lookup(q, k, qtype)
			if fmt.Sprint(with.Answer, with.Ns, with.Extra, with.Result) != fmt.Sprint(without.Answer, without.Ns, without.Extra, without.Result) {
				t.Errorf("%s %s: with DO %v, without %v", q, dns.TypeToString[qtype], with, without)
			}
		}
	}
}

// TestAnswersBeyondTheirRoom: an answer joins and synthesizes in a room
// of a few records, and allocates past it; either way it answers the
// whole chain and every synthesized record, and the zone's own records
// keep their owners.
func TestAnswersBeyondTheirRoom(t *testing.T) {
	z := build(t,
		"*.w.example.org. 300 IN A 192.0.2.1", "*.w.example.org. 300 IN A 192.0.2.2", "*.w.example.org. 300 IN A 192.0.2.3",
		"*.w.example.org. 300 IN AAAA 2001:db8::1", "*.w.example.org. 300 IN AAAA 2001:db8::2",
		"c1.example.org. 300 IN CNAME c2.example.org.", "c2.example.org. 300 IN CNAME c3.example.org.",
		"c3.example.org. 300 IN CNAME c4.example.org.", "c4.example.org. 300 IN CNAME c5.example.org.",
		"c5.example.org. 300 IN CNAME c6.example.org.", "c6.example.org. 300 IN CNAME x.w.example.org.")
	for _, c := range []struct {
		qname string
		qtype uint16
		want  []string
	}{
		{"a.w.example.org.", dns.TypeA, []string{"a.w.example.org. A 192.0.2.1", "a.w.example.org. A 192.0.2.2", "a.w.example.org. A 192.0.2.3"}},
		{"b.w.example.org.", dns.TypeAAAA, []string{"b.w.example.org. AAAA 2001:db8::1", "b.w.example.org. AAAA 2001:db8::2"}},
		{"c1.example.org.", dns.TypeA, []string{"c1.example.org. CNAME c2.example.org.", "c2.example.org. CNAME c3.example.org.",
			"c3.example.org. CNAME c4.example.org.", "c4.example.org. CNAME c5.example.org.", "c5.example.org. CNAME c6.example.org.",
			"c6.example.org. CNAME x.w.example.org.", "x.w.example.org. A 192.0.2.1", "x.w.example.org. A 192.0.2.2", "x.w.example.org. A 192.0.2.3"}},
	} {
		k, _ := Key(c.qname)
		a := z.Lookup(c.qname, k, c.qtype)
		var got []string
		for _, rr := range a.Answer {
			f := strings.Fields(rr.String())
			got = append(got, strings.Join([]string{f[0], f[3], f[4]}, " "))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: got\n%s\nwant\n%s", c.qname, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
	wk, _ := Key("*.w.example.org.")
	n, _ := z.Get(wk)
	for _, set := range n.Sets {
		for _, rr := range set.RRs {
			if rr.Header().Name != "*.w.example.org." {
				t.Errorf("the zone's record is now owned by %s", rr.Header().Name)
			}
		}
	}
}

// TestPackedFollowsEveryChange: after each Txn (an add, a TTL upsert, a
// delete, a replaced RRset, a CNAME taking a name's place, a deleted
// name), every RRset that answers packed answers as Lookup does, and the
// others do not answer packed.
func TestPackedFollowsEveryChange(t *testing.T) {
	z := build(t, "www.example.org. 300 IN A 192.0.2.1", "www.example.org. 300 IN TXT \"a\"", "old.example.org. 300 IN A 192.0.2.9",
		"sub.example.org. 300 IN NS ns.other.", "x.sub.example.org. 300 IN A 192.0.2.5")
	steps := []func(tx *Txn){
		func(tx *Txn) { tx.Add(mustRR(t, "www.example.org. 300 IN A 192.0.2.2")) },
		func(tx *Txn) { tx.Upsert(mustRR(t, "www.example.org. 60 IN A 192.0.2.2")) },
		func(tx *Txn) { tx.Delete(mustRR(t, "www.example.org. 60 IN A 192.0.2.1")) },
		func(tx *Txn) {
			tx.ReplaceRRset("www.example.org.", dns.TypeTXT, []dns.RR{mustRR(t, "www.example.org. 120 IN TXT \"b\"")})
		},
		func(tx *Txn) {
			tx.DeleteName("old.example.org.")
			tx.Add(mustRR(t, "old.example.org. 300 IN CNAME www.example.org."))
		},
		func(tx *Txn) { tx.DeleteName("www.example.org.") },
	}
	check := func(step int) {
		for _, name := range []string{"www.example.org.", "old.example.org.", "example.org.", "x.sub.example.org.", "nothere.example.org."} {
			k, _ := Key(name)
			for _, qtype := range []uint16{dns.TypeA, dns.TypeTXT, dns.TypeSOA, dns.TypeNS, dns.TypeCNAME} {
				packed := z.LookupWire(name, k, qtype, false, true)
				wire, count := packed.Wire()
				a := z.Lookup(name, k, qtype)
				if wire == nil {
					if name == "www.example.org." && qtype == dns.TypeA && len(a.Answer) > 0 {
						t.Errorf("step %d: %s A is not packed", step, name)
					}
					continue
				}
				// The reply the wire makes: a header, the question, the RRs.
				msg := []byte{0, 0, 0x84, 0, 0, 1, byte(count >> 8), byte(count), 0, 0, 0, 0}
				var nb [256]byte
				n, _ := dns.PackDomainName(name, nb[:], 0, nil, false)
				msg = append(append(msg, nb[:n]...), byte(qtype>>8), byte(qtype), 0, 1)
				var m dns.Msg
				if err := m.Unpack(append(msg, wire...)); err != nil {
					t.Fatalf("step %d: %s %s: %v", step, name, dns.TypeToString[qtype], err)
				}
				if a.Result != Success || len(a.Ns) > 0 || len(a.Extra) > 0 || fmt.Sprint(m.Answer) != fmt.Sprint(a.Answer) {
					t.Errorf("step %d: %s %s: packed %v, Lookup %v (result %d)", step, name, dns.TypeToString[qtype], m.Answer, a.Answer, a.Result)
				}
			}
		}
	}
	check(0)
	for i, step := range steps {
		tx := z.Txn()
		step(tx)
		var err error
		if z, err = tx.Commit(); err != nil {
			t.Fatal(err)
		}
		check(i + 1)
	}
}
