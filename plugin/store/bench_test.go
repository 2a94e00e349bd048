package store

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkFormat100k formats a zone of 100,000 A records, as the
// compactor does when it rewrites a zone's file from memory.
func BenchmarkFormat100k(b *testing.B) {
	var text strings.Builder
	text.WriteString(good)
	for i := range 100000 {
		fmt.Fprintf(&text, "host%d IN A 192.0.2.%d\n", i, i%250+1)
	}
	z, _, err := Read(strings.NewReader(text.String()), "example.org.zone", "example.org.", Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Format(io.Discard, z); err != nil {
			b.Fatal(err)
		}
	}
}
