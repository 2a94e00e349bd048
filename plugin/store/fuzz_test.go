package store

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// FuzzRead feeds arbitrary text to the zone loader. It must refuse or load
// without panicking, and what it loads must write out and read back the same.
func FuzzRead(f *testing.F) {
	f.Add(good)
	f.Add(good + "*.w IN CNAME www\nsub IN NS ns.sub\nns.sub IN A 192.0.2.9\n")
	f.Add("$ORIGIN example.org.\n@ 1 IN SOA a b 1 2 3 4 5\n$GENERATE 1-3 h$ A 192.0.2.$\n")
	f.Add("@ IN SOA a b (1 2 3 4 5)\n\\000\\. IN TXT \"\\\"x\" y\n")
	f.Fuzz(func(t *testing.T, text string) {
		start := time.Now()
		z, _, err := Read(strings.NewReader(text), "fuzz.zone", "example.org.", Options{MaxRecords: 1000})
		// Inputs are a few KB; seconds mean a quadratic or endless loop.
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("reading %d bytes took %s", len(text), d)
		}
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Format(&out, z); err != nil {
			t.Fatal(err)
		}
		again, _, err := Read(bytes.NewReader(out.Bytes()), "fuzz.zone", "example.org.", Options{})
		if err != nil {
			t.Fatalf("written zone does not read back: %v\n%s", err, out.String())
		}
		var out2 bytes.Buffer
		Format(&out2, again)
		if out.String() != out2.String() {
			t.Fatalf("round trip changed the zone:\n%s\n---\n%s", out.String(), out2.String())
		}
	})
}
