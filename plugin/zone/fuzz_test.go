package zone

import (
	"bytes"
	"testing"
)

// FuzzKey checks that every name the parser accepts has a key, and that the
// key of its parent is a prefix of it.
func FuzzKey(f *testing.F) {
	for _, s := range []string{"www.example.org.", `a\000.b\.c.`, `\255\001.x.`, "*.", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		k, err := Key(name)
		if err != nil {
			return
		}
		p := parentKey(k)
		if !bytes.HasPrefix(k, p) || (len(k) > 0 && len(p) >= len(k)) {
			t.Fatalf("parent key %q of %q is not a proper prefix", p, k)
		}
	})
}
