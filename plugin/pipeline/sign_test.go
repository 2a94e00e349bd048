package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// TestASignedZoneIsSignedByEachChange: with a signer, a change's records
// are signed in the snapshot it publishes, and the journal keeps the
// signatures, so a restart serves them without signing again.
func TestASignedZoneIsSignedByEachChange(t *testing.T) {
	p := newTestPipeline(t)
	k, err := dnssec.Generate("example.org.", dns.ECDSAP256SHA256, dnssec.CSK, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := &dnssec.Signer{Keys: &dnssec.Keyring{Origin: "example.org.", Keys: []*dnssec.Key{k}}, Policy: dnssec.DefaultPolicy}
	p.SetSigners(func(origin string) Signer {
		if origin == "example.org." {
			return s
		}
		return nil
	})
	addA(t, p, "signed.example.org.", "192.0.2.9")
	z, _ := p.Zone("example.org.")
	n, _ := z.Node("signed.example.org.")
	sigs := n.Type(dns.TypeRRSIG)
	if len(sigs) != 2 { // the A and the NSEC
		t.Fatalf("the new name's signatures: %v", sigs)
	}
	for _, rr := range sigs {
		sig := rr.(*dns.RRSIG)
		if err := sig.Verify(k.DNSKEY, n.Type(sig.TypeCovered)); err != nil {
			t.Fatalf("%s: %v", dns.TypeToString[sig.TypeCovered], err)
		}
	}
	if soa := z.Apex().Type(dns.TypeRRSIG); len(soa) == 0 {
		t.Fatal("the apex is not signed")
	}
	// The zone was not signed before: the first change signed all of it.
	if www, _ := z.Node("www.example.org."); len(www.Type(dns.TypeRRSIG)) == 0 {
		t.Fatal("a name the change did not touch is not signed")
	}
	again := restart(t, p.dir)
	z2, _ := again.Zone("example.org.")
	n2, _ := z2.Node("signed.example.org.")
	if len(n2.Type(dns.TypeRRSIG)) != 2 || len(n2.Type(dns.TypeNSEC)) != 1 {
		t.Fatalf("after a restart: %v", n2.Sets)
	}
}

func TestAChangeMayNotWriteTheSignersRecords(t *testing.T) {
	p := newTestPipeline(t)
	k, _ := dnssec.Generate("example.org.", dns.ECDSAP256SHA256, dnssec.CSK, time.Now())
	s := &dnssec.Signer{Keys: &dnssec.Keyring{Origin: "example.org.", Keys: []*dnssec.Key{k}}, Policy: dnssec.DefaultPolicy}
	p.SetSigners(func(string) Signer { return s })
	addA(t, p, "a.example.org.", "192.0.2.1") // signs the zone whole
	for _, text := range []string{
		"a.example.org. 300 IN NSEC z.example.org. A RRSIG NSEC",
		"a.example.org. 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 1 example.org. AAAA",
		"example.org. 3600 IN DNSKEY 257 3 13 AAAA",
	} {
		if _, err := change(p, adding(t, text)); !errors.Is(err, ErrSignedRecords) {
			t.Errorf("%s: %v", text, err)
		}
	}
	// Deleting a name takes its signatures with it; the signer mends the rest.
	if _, err := change(p, func(_ *zone.Zone, tx *zone.Txn) error { tx.DeleteName("a.example.org."); return nil }); err != nil {
		t.Fatal(err)
	}
	z, _ := p.Zone("example.org.")
	if _, ok := z.Node("a.example.org."); ok {
		t.Fatal("the deleted name is still there")
	}
}

// TestAReloadedSignedZoneIsSignedAfterItsSerialIsRaised: a file of a signed
// zone, edited with an old serial, is served with the serial raised and a
// signature of that SOA, not of the file's.
func TestAReloadedSignedZoneIsSignedAfterItsSerialIsRaised(t *testing.T) {
	p := newTestPipeline(t)
	k, _ := dnssec.Generate("example.org.", dns.ECDSAP256SHA256, dnssec.CSK, time.Now())
	p.SetSigners(func(string) Signer {
		return &dnssec.Signer{Keys: &dnssec.Keyring{Origin: "example.org.", Keys: []*dnssec.Key{k}}, Policy: dnssec.DefaultPolicy}
	})
	addA(t, p, "a.example.org.", "192.0.2.1") // signs the zone whole
	before, _ := p.Zone("example.org.")
	file := strings.Replace(testzone.ExampleOrg, "www ", "edited 300 IN A 192.0.2.9\nwww ", 1)
	if err := os.WriteFile(filepath.Join(p.dir, "example.org.zone"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := p.Reload(Meta{Op: "test"}, "example.org.")
	if err != nil || !res.SerialBumped {
		t.Fatalf("reload: %+v %v", res, err)
	}
	z, _ := p.Zone("example.org.")
	if !SerialGreater(z.Serial(), before.Serial()) {
		t.Fatalf("serial %d after %d", z.Serial(), before.Serial())
	}
	sigs := z.Apex().Signatures(dns.TypeSOA)
	if len(sigs) != 1 || sigs[0].(*dns.RRSIG).Verify(k.DNSKEY, []dns.RR{z.SOA()}) != nil {
		t.Fatalf("the served SOA's signature does not verify: %v", sigs)
	}
	if n, _ := z.Node("edited.example.org."); len(n.Signatures(dns.TypeA)) != 1 {
		t.Fatal("the edited record is not signed")
	}
}
