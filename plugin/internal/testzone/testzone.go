// Package testzone holds the zones the tests of the plugin's packages
// share, and makes stores of them. Only tests import it.
package testzone

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ExampleOrg is a zone of 13 records with every kind of name a lookup
// meets: an apex with NS and MX, addresses, a CNAME in and out of the zone,
// a wildcard, an empty non-terminal and a delegation with DS and glue.
const ExampleOrg = `$TTL 3600
@         IN SOA  ns1 hostmaster 2024010101 7200 3600 1209600 300
          IN NS   ns1
          IN MX   10 mail
ns1       IN A    192.0.2.1
mail      IN A    192.0.2.25
www       IN A    192.0.2.80
alias     IN CNAME www
out       IN CNAME www.example.net.
*.dev     IN A    192.0.2.99
a.b.ent   IN TXT  "deep"
sub       IN NS   ns.sub
sub       IN DS   12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
ns.sub    IN A    192.0.2.53
`

// Records is the number of records of ExampleOrg.
const Records = 13

// Large returns ExampleOrg with n A records more, h0 to h(n-1).
func Large(n int) string {
	var zf strings.Builder
	zf.WriteString(ExampleOrg)
	for i := range n {
		fmt.Fprintf(&zf, "h%d IN A 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
	}
	return zf.String()
}

// Store returns a new store directory holding text as the zone example.org.
func Store(tb testing.TB, text string) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Small returns a zone of origin of three records (SOA, NS and its
// address) at serial.
func Small(tb testing.TB, origin string, serial int) *zone.Zone {
	tb.Helper()
	z, _, err := store.Read(strings.NewReader(fmt.Sprintf("@ 60 IN SOA ns1 h %d 1 1 1 1\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n", serial)), "test", origin, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return z
}
