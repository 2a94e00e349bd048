package zone

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

// benchZone builds a zone of n names under example.org. with a wildcard,
// a delegation and n A records.
func benchZone(b *testing.B, n int) *Zone {
	b.Helper()
	tx, _ := New("example.org.")
	tx.Add(mustRR(b, "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5"))
	tx.Add(mustRR(b, "example.org. 3600 IN NS ns1.example.org."))
	tx.Add(mustRR(b, "*.wild.example.org. 3600 IN A 192.0.2.99"))
	tx.Add(mustRR(b, "sub.example.org. 3600 IN NS ns.sub.example.org."))
	tx.Add(mustRR(b, "ns.sub.example.org. 3600 IN A 192.0.2.53"))
	for i := 0; i < n; i++ {
		rr := &dns.A{Hdr: dns.RR_Header{Name: fmt.Sprintf("host%d.example.org.", i), Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
			A: []byte{10, byte(i >> 16), byte(i >> 8), byte(i)}}
		if err := tx.Add(rr); err != nil {
			b.Fatal(err)
		}
	}
	z, err := tx.Commit()
	if err != nil {
		b.Fatal(err)
	}
	return z
}

func BenchmarkLookup(b *testing.B) {
	for _, size := range []int{1000, 100000} {
		z := benchZone(b, size)
		for _, c := range []struct {
			name  string
			qname string
			want  Result
		}{
			{"hit", fmt.Sprintf("host%d.example.org.", size/2), Success},
			{"wildcard", "foo.wild.example.org.", Success},
			{"nxdomain", "nothere.example.org.", NameError},
			{"referral", "www.sub.example.org.", Delegation},
		} {
			b.Run(fmt.Sprintf("%s/%d", c.name, size), func(b *testing.B) {
				qk, _ := Key(c.qname)
				b.ReportAllocs()
				for b.Loop() {
					if a := z.Lookup(c.qname, qk, dns.TypeA); a.Result != c.want {
						b.Fatalf("result %d", a.Result)
					}
				}
			})
		}
	}
}

func BenchmarkKey(b *testing.B) {
	var buf [256]byte
	b.ReportAllocs()
	for b.Loop() {
		AppendKey(buf[:0], "www.example.org.")
	}
}

// BenchmarkReadBack reads records back from their presentation form, as
// the zone does for records of uncommon types and for every record of the
// API and of an update.
func BenchmarkReadBack(b *testing.B) {
	for _, s := range []string{
		`c.example.org. 300 IN CAA 0 issue "letsencrypt.org"`,
		`h.example.org. 300 IN HTTPS 1 . alpn="h2,h3" ipv4hint=192.0.2.1`,
		`n.example.org. 300 IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.org.`,
		`m.example.org. 300 IN MX 10 mail.example.org.`,
	} {
		rr := mustRR(b, s)
		b.Run(dns.Type(rr.Header().Rrtype).String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ReadBack(rr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
