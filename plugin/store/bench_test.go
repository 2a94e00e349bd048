package store

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// zone100k is the text of a zone of 100,000 A records.
func zone100k() string {
	var text strings.Builder
	text.WriteString(good)
	for i := range 100000 {
		fmt.Fprintf(&text, "host%d IN A 192.0.2.%d\n", i, i%250+1)
	}
	return text.String()
}

// BenchmarkRead100k reads a zone of 100,000 A records, as the server does
// at startup and on a reload.
func BenchmarkRead100k(b *testing.B) {
	text := zone100k()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Read(strings.NewReader(text), "example.org.zone", "example.org.", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormat100k formats a zone of 100,000 A records, as the
// compactor does when it rewrites a zone's file from memory.
func BenchmarkFormat100k(b *testing.B) {
	z, _, err := Read(strings.NewReader(zone100k()), "example.org.zone", "example.org.", Options{})
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
