package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestPatchIsFormat changes a zone at random, many times, and checks that
// patching the previous file gives exactly what Format writes.
func TestPatchIsFormat(t *testing.T) {
	src := `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
@ 3600 IN MX 10 mail
ns1 IN A 192.0.2.53
`
	z, _, err := Read(strings.NewReader(src), "test", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Owners that sort in awkward places: escapes, a wildcard, case, deep
	// names below empty non-terminals, a leading $.
	names := []string{"a", "B", "b.a", "c.b.a", "*", "*.w", `\$dollar`, `a\.dot`, `sp\032ace`, "z", "zz.y.x", "mail", "x-1", "0", "@"}
	for i := range 40 {
		names = append(names, fmt.Sprintf("h%d", i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var file bytes.Buffer
	Format(&file, z)
	for step := range 2000 {
		tx := z.Txn()
		for range 1 + rng.IntN(4) {
			name := names[rng.IntN(len(names))]
			owner := name + ".example.org."
			if name == "@" {
				owner = "example.org."
			}
			switch rng.IntN(6) {
			case 5: // a note set or deleted
				k := fmt.Sprintf("n%d", rng.IntN(3))
				if rng.IntN(2) == 0 {
					tx.DeleteNote(k)
				} else if err := tx.SetNote(k, fmt.Sprintf(`{"v":%d}`, rng.IntN(9))); err != nil {
					t.Fatal(err)
				}
			case 4: // the same A RRset, its owner in another case
				up := strings.ToUpper(owner[:1]) + owner[1:]
				var rrs []dns.RR
				for _, rr := range tx.RRset(owner, dns.TypeA) {
					c := dns.Copy(rr)
					c.Header().Name = up
					rrs = append(rrs, c)
				}
				if len(rrs) > 0 {
					if err := tx.ReplaceRRset(up, dns.TypeA, rrs); err != nil {
						t.Fatal(err)
					}
				}
			case 0, 1:
				rr, err := dns.NewRR(fmt.Sprintf("%s %d IN TXT \"t%d\"", owner, 60+rng.IntN(3), rng.IntN(5)))
				if err != nil {
					t.Fatal(err)
				}
				tx.Add(rr)
			case 2:
				rr, _ := dns.NewRR(fmt.Sprintf("%s 300 IN A 192.0.2.%d", owner, rng.IntN(4)))
				tx.Add(rr)
			case 3:
				for _, typ := range tx.Types(owner) {
					if typ == dns.TypeSOA || (name == "@" && typ == dns.TypeNS) {
						continue
					}
					tx.DeleteRRset(owner, typ)
				}
			}
		}
		soa := dns.Copy(z.SOA()).(*dns.SOA)
		soa.Serial++
		if err := tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa}); err != nil {
			t.Fatal(err)
		}
		nz, err := tx.Commit()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		Format(&want, nz)
		got, ok := Patch(file.Bytes(), nz, tx.Touched())
		if !ok || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("step %d: patched file differs (ok %v)\n--- got\n%s\n--- want\n%s", step, ok, got, want.Bytes())
		}
		z = nz
		file.Reset()
		file.Write(got)
	}
	if z.Len() < 30 {
		t.Fatalf("the zone ended with %d records: the test changed little", z.Len())
	}
}

func TestPatchRefusesAFileNotFormatWrote(t *testing.T) {
	z, _, err := Read(strings.NewReader("@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"), "test", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Patch([]byte("$ORIGIN example.org.\n@ IN NS ns1\n"), z, nil); ok {
		t.Fatal("patched a file written by hand")
	}
	if _, ok := Patch([]byte("x"), z, nil); ok {
		t.Fatal("patched garbage")
	}
}
