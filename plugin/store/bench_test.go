package store

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/zoneapi/zoneapi/plugin/zone"
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

// yaml100k is zone100k as octoDNS YAML, as FormatYAML writes it.
func yaml100k(b *testing.B) string {
	z, _, err := Read(strings.NewReader(zone100k()), "example.org.zone", "example.org.", Options{})
	if err != nil {
		b.Fatal(err)
	}
	tx := z.Txn()
	tx.SetSource(zone.SourceYAML)
	if z, err = tx.Commit(); err != nil {
		b.Fatal(err)
	}
	var buf strings.Builder
	if err := Format(&buf, z); err != nil {
		b.Fatal(err)
	}
	return buf.String()
}

// BenchmarkReadYAML100k is BenchmarkRead100k for the same zone as YAML:
// the aim is at most twice the time.
func BenchmarkReadYAML100k(b *testing.B) {
	text := yaml100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := ReadYAML(strings.NewReader(text), "example.org.yaml", "example.org.", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormatYAML100k is BenchmarkFormat100k as YAML.
func BenchmarkFormatYAML100k(b *testing.B) {
	z, _, err := ReadYAML(strings.NewReader(yaml100k(b)), "example.org.yaml", "example.org.", Options{})
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
