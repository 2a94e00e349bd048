package dnssec

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ldnsVerify runs ldns-verify-zone (ldnsutils, which ./build.sh test
// installs) on z as its file holds it, at the time the test signed.
func ldnsVerify(t *testing.T, z *zone.Zone) {
	t.Helper()
	tool, err := exec.LookPath("ldns-verify-zone")
	if err != nil {
		t.Fatalf("ldns-verify-zone is not installed (ldnsutils; ./build.sh test installs it): %v", err)
	}
	var b bytes.Buffer
	if err := store.Format(&b, z); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "zone")
	os.WriteFile(p, b.Bytes(), 0o644)
	out, err := exec.Command(tool, "-V", "2", "-t", now.Format("20060102150405"), p).CombinedOutput()
	if err != nil {
		t.Fatalf("ldns-verify-zone refuses the signed zone: %v\n%s\n%s", err, out, b.String())
	}
}

func TestLdnsVerifiesTheSignedZone(t *testing.T) {
	for _, alg := range []uint8{dns.ECDSAP256SHA256, dns.ED25519} {
		t.Run(fmt.Sprint(alg), func(t *testing.T) {
			s := newSigner(t, alg, KSK, ZSK)
			z := signAll(t, s, load(t, testZone))
			ldnsVerify(t, z)
			// And after changes signed where they touched.
			for i := range 50 {
				tx := z.Txn()
				rr, _ := dns.NewRR(fmt.Sprintf("h%d.x.example.org. 300 IN A 192.0.2.%d", i%7, i))
				tx.Add(rr)
				if i%5 == 0 {
					tx.DeleteRRset("blog.example.org.", dns.TypeCNAME)
				}
				soa := dns.Copy(tx.SOA()).(*dns.SOA)
				soa.Serial++
				tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa})
				if err := s.Sign(z, tx, tx.Touched(), now); err != nil {
					t.Fatal(err)
				}
				z, _ = tx.Commit()
			}
			ldnsVerify(t, z)
		})
	}
}

// TestLdnsRefusesAZoneChangedWithoutSigning: the check above can fail: a
// record changed after signing is refused.
func TestLdnsRefusesAZoneChangedWithoutSigning(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone))
	tx := z.Txn()
	rr, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.81")
	tx.Add(rr)
	z, _ = tx.Commit()
	var b bytes.Buffer
	store.Format(&b, z)
	p := filepath.Join(t.TempDir(), "zone")
	os.WriteFile(p, b.Bytes(), 0o644)
	if out, err := exec.Command("ldns-verify-zone", "-t", now.Format("20060102150405"), p).CombinedOutput(); err == nil {
		t.Fatalf("ldns-verify-zone took a zone with a record signed by nobody:\n%s", out)
	}
}
