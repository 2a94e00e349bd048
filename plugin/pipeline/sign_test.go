package pipeline

import (
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
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
