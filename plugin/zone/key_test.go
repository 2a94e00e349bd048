package zone

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestKeyOrderIsCanonicalOrder(t *testing.T) {
	// RFC 4034 §6.1's example, in canonical order.
	names := []string{
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", `\001.z.example.`, "*.z.example.", `\200.z.example.`,
	}
	keys := make([][]byte, len(names))
	for i, n := range names {
		k, err := Key(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		keys[i] = k
	}
	if !sort.SliceIsSorted(keys, func(i, j int) bool { return bytes.Compare(keys[i], keys[j]) < 0 }) {
		for i := range names {
			t.Logf("%-20s %q", names[i], keys[i])
		}
		t.Fatal("keys are not in canonical order")
	}
}

func TestKeyOfAncestorIsPrefix(t *testing.T) {
	tests := []struct{ parent, child string }{
		{"example.org.", "www.example.org."},
		{"example.org.", `a\000b.example.org.`},
		{"example.org.", `a\.b.example.org.`},
		{".", "org."},
	}
	for _, tc := range tests {
		p, _ := Key(tc.parent)
		c, _ := Key(tc.child)
		if !bytes.HasPrefix(c, p) {
			t.Errorf("key(%s)=%q is not a prefix of key(%s)=%q", tc.parent, p, tc.child, c)
		}
	}
	// A name is not below another whose last label is only a prefix of its own.
	p, _ := Key("ample.org.")
	c, _ := Key("example.org.")
	if bytes.HasPrefix(c, p) {
		t.Error("example.org. must not be below ample.org.")
	}
	// Escapes that make a NUL or a dot inside a label keep the label whole.
	a, _ := Key(`a\000.example.`)
	b, _ := Key(`a.example.`)
	if bytes.HasPrefix(a, b) || bytes.HasPrefix(b, a) {
		t.Errorf("a\\000 and a must not be ancestors of each other: %q %q", a, b)
	}
	d, _ := Key(`a\.b.example.`)
	e, _ := Key(`b.example.`)
	if bytes.HasPrefix(d, e) {
		t.Errorf(`a\.b is one label, not a name below b: %q %q`, d, e)
	}
}

func TestKeyRefusesBadNames(t *testing.T) {
	for _, n := range []string{"", "www.example.org", "a..b.", string(make([]byte, 300)) + "."} {
		if _, err := Key(n); err == nil {
			t.Errorf("%q: want an error", n)
		}
	}
}

func TestKeyIgnoresCase(t *testing.T) {
	a, _ := Key("WwW.Example.ORG.")
	b, _ := Key("www.example.org.")
	if !bytes.Equal(a, b) {
		t.Fatalf("%q != %q", a, b)
	}
}

func TestNameOfIsTheInverseOfKey(t *testing.T) {
	for _, name := range []string{".", "example.org.", "a.b.example.org.", `we\.ird.example.`, `\000x.example.`, `\001.example.`, "*.dev.example.org."} {
		k, err := Key(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := NameOf(k); got != name {
			t.Errorf("NameOf(Key(%q)) = %q", name, got)
		}
	}
}

// TestHashedKeyAsHashed: the NSEC3 owner names the chain is made of
// (Hashed) are miekg/dns's hashes, and the key a query's proof looks up
// (appendHashedKey) is theirs.
func TestHashedKeyAsHashed(t *testing.T) {
	zk, _ := Key("example.org.")
	for _, name := range []string{"example.org.", "www.example.org.", "WwW.ExAmPlE.oRg.", "*.example.org.", "*.dev.example.org.",
		"a-b.c_d.example.org.", "x.y.z.0123456789.example.org.", "missing12345.example.org.", `a\.b.example.org.`, "é.example.org."} {
		owner := strings.ToLower(dns.HashName(name, dns.SHA1, 0, "")) + ".example.org."
		if got := Hashed(name, "example.org."); got != owner {
			t.Errorf("Hashed(%s) = %s, dns.HashName gives %s", name, got, owner)
		}
		want, err := AppendKey(nil, owner)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := appendHashedKey(nil, name, zk); ok && !bytes.Equal(got, want) {
			t.Errorf("%s: key %q, the owner's %q", name, got, want)
		} else if !ok && !strings.ContainsAny(name, "\\é") {
			t.Errorf("%s: not hashed in place", name)
		}
	}
	for _, name := range []string{`a\.b.example.org.`, `\065.example.org.`, "é.example.org."} {
		if _, ok := appendHashedKey(nil, name, zk); ok {
			t.Errorf("%s: hashed here, not by Hashed", name)
		}
	}
}

// TestSuffixAsNameOf: the closest encloser and next closer names of a
// NSEC3 proof, cut from the name asked, are the names of their keys.
func TestSuffixAsNameOf(t *testing.T) {
	for _, c := range []struct{ qname, ce string }{
		{"a.b.example.org.", "example.org."}, {"a.b.example.org.", "b.example.org."}, {"a.b.example.org.", "a.b.example.org."},
		{"example.org.", "example.org."}, {"x.example.org.", "org."}, {"A.B.Example.ORG.", "b.example.org."},
		{`a\.b.example.org.`, "example.org."}, {`x.a\.b.example.org.`, `a\.b.example.org.`},
	} {
		ce, _ := Key(c.ce)
		if got := encloser(c.qname, ce); !strings.EqualFold(got, NameOf(ce)) {
			t.Errorf("encloser(%s, %s) = %s, want %s", c.qname, c.ce, got, NameOf(ce))
		}
		labels := dns.SplitDomainName(c.qname)
		depth := dns.CountLabel(c.ce) + 1
		want := c.qname
		if depth <= len(labels) {
			want = dns.Fqdn(strings.Join(labels[len(labels)-depth:], "."))
		}
		if got := nextCloser(c.qname, ce); got != want {
			t.Errorf("nextCloser(%s, %s) = %s, want %s", c.qname, c.ce, got, want)
		}
	}
}
