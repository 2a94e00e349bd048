package zone

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkLookupRandom asks for random names of a large zone, as a real
// load does, so that the tree is not all in cache: as many names as the
// zone has, each asked once a round.
func BenchmarkLookupRandom(b *testing.B) {
	for _, size := range []int{1000, 100000} {
		z := benchZone(b, size)
		rnd := rand.New(rand.NewSource(1))
		names := make([]string, size)
		keys := make([][]byte, len(names))
		for i := range names {
			names[i] = fmt.Sprintf("host%d.example.org.", rnd.Intn(size))
			keys[i], _ = Key(names[i])
		}
		b.Run(fmt.Sprintf("lookup/%d", size), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				j := i % size
				z.Lookup(names[j], keys[j], dns.TypeA)
				i++
			}
		})
		b.Run(fmt.Sprintf("get/%d", size), func(b *testing.B) {
			i := 0
			for b.Loop() {
				z.Get(keys[i%size])
				i++
			}
		})
	}
}
