package dnssec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func largeZone(b testing.TB, n int) *zone.Zone {
	z, _, err := store.Read(strings.NewReader(testzone.Large(n)), "large", "example.org.", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return z
}

// BenchmarkSignZone signs a zone of n records from scratch: an ECDSA
// signature an RRset and an NSEC or NSEC3 record a name.
func BenchmarkSignZone(b *testing.B) {
	for _, d := range []Denial{NSEC, NSEC3} {
		for _, n := range []int{10000, 100000} {
			b.Run(fmt.Sprintf("%s/%d", d, n), func(b *testing.B) {
				z := largeZone(b, n)
				s := newSigner(b, dns.ECDSAP256SHA256, CSK)
				s.Keys.Denial = d
				b.ResetTimer()
				for range b.N {
					tx := z.Txn()
					if err := s.Sign(nil, tx, nil, now); err != nil {
						b.Fatal(err)
					}
					if _, err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
			})
		}
	}
}

// BenchmarkChange makes one change (a new name, the serial bumped) to a
// zone of 100,000 records, signed where it touched or unsigned: what
// signing adds to a change, which must not grow with the zone.
func BenchmarkChange(b *testing.B) {
	for _, denial := range []Denial{"", NSEC, NSEC3} {
		for _, n := range []int{1000, 100000} {
			signed := denial != ""
			b.Run(fmt.Sprintf("signed=%s/%d", map[bool]string{false: "no", true: string(denial)}[signed], n), func(b *testing.B) {
				z := largeZone(b, n)
				s := newSigner(b, dns.ECDSAP256SHA256, CSK)
				s.Keys.Denial = denial
				if signed {
					tx := z.Txn()
					if err := s.Sign(nil, tx, nil, now); err != nil {
						b.Fatal(err)
					}
					z, _ = tx.Commit()
				}
				b.ResetTimer()
				for i := range b.N {
					tx := z.Txn()
					rr, _ := dns.NewRR(fmt.Sprintf("bench%d.example.org. 300 IN A 192.0.2.1", i))
					tx.Add(rr)
					soa := dns.Copy(tx.SOA()).(*dns.SOA)
					soa.Serial++
					tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa})
					if signed {
						if err := s.Sign(z, tx, tx.Touched(), now); err != nil {
							b.Fatal(err)
						}
					}
					nz, err := tx.Commit()
					if err != nil {
						b.Fatal(err)
					}
					z = nz
				}
			})
		}
	}
}
