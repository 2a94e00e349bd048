package record

import (
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestNewRR(t *testing.T) {
	long := strings.Repeat("x", 600)
	tests := []struct {
		name, typ, value string
		want             string // the RR's text, or the field in error
	}{
		{"www", "A", "192.0.2.1", "www.example.org.\t3600\tIN\tA\t192.0.2.1"},
		{"@", "MX", "10 mail", "example.org.\t3600\tIN\tMX\t10 mail.example.org."},
		{"WWW.Example.ORG.", "aaaa", "2001:db8::1", "WWW.Example.ORG.\t3600\tIN\tAAAA\t2001:db8::1"},
		{"t", "TXT", `a "quoted" word; with a semicolon`, `t.example.org.` + "\t3600\tIN\tTXT\t" + `"a \"quoted\" word; with a semicolon"`},
		{"t", "TXT", `"two" "strings"`, "t.example.org.\t3600\tIN\tTXT\t\"two\" \"strings\""},
		{"t", "TXT", long, "t.example.org.\t3600\tIN\tTXT\t\"" + long[:255] + "\" \"" + long[255:510] + "\" \"" + long[510:] + "\""},
		{"*.dev", "A", "192.0.2.9", "*.dev.example.org.\t3600\tIN\tA\t192.0.2.9"},
		{"x", "TYPE65280", `\# 2 abcd`, "x.example.org.\t3600\tCLASS1\tTYPE65280\t\\# 2 abcd"},
		// A relative name ending in an escaped dot, after a two-byte character.
		{`é\\\.`, "CNAME", `֌\\\.`, `\195\169\\\..example.org.` + "\t3600\tIN\tCNAME\t" + `\214\140\\\..example.org.`},
		{"www.example.com.", "A", "192.0.2.1", "name"},
		{"x", "ANY", "192.0.2.1", "type"},
		{"x", "A", "192.0.2.1 ; comment", "value"},
		{"x", "A", "192.0.2.1\n", "value"},
	}
	for _, tc := range tests {
		rr, err := New("example.org.", tc.name, tc.typ, tc.value, nil)
		var fe *FieldError
		switch {
		case errors.As(err, &fe):
			if fe.Field != tc.want {
				t.Errorf("%s %s %q: error in %s, want %s: %v", tc.name, tc.typ, tc.value, fe.Field, tc.want, err)
			}
		case err != nil:
			t.Errorf("%s %s %q: %v", tc.name, tc.typ, tc.value, err)
		case rr.String() != tc.want:
			t.Errorf("%s %s %q:\n got %q\nwant %q", tc.name, tc.typ, tc.value, rr.String(), tc.want)
		}
	}
}

func TestRecordIDIsStableAndIgnoresTTLAndCase(t *testing.T) {
	a, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.1")
	b, _ := dns.NewRR("WWW.example.org. 60 IN A 192.0.2.1")
	c, _ := dns.NewRR("www.example.org. 300 IN A 192.0.2.2")
	if ID(a) != ID(b) || ID(a) == ID(c) || len(ID(a)) != 16 {
		t.Fatalf("ids: %s %s %s", ID(a), ID(b), ID(c))
	}
	// The ids and values clients hold: the same in every release. The
	// type miekg/dns does not know had its whole line as its value (and
	// in its id) until its header was skipped by its tabs.
	for _, tc := range []struct{ rr, value, id string }{
		{"www.example.org. 300 IN A 192.0.2.1", "192.0.2.1", "8b6dadabaa95b21e"},
		{"example.org. 300 IN MX 10 mail.example.org.", "10 mail.example.org.", "09b5feef93893972"},
		{`t.example.org. 300 IN TXT "a b" "c"`, `"a b" "c"`, "6bf05a63c73d059e"},
		{"s.example.org. 300 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5", "ns1.example.org. h.example.org. 1 2 3 4 5", "3b248ca4ec06bf4e"},
		{`x.example.org. 300 IN TYPE65280 \# 4 0a000001`, `\# 4 0a000001`, "3b5c7834c5cbda42"},
		{`x.example.org. 60 IN TYPE65280 \# 4 0a000001`, `\# 4 0a000001`, "3b5c7834c5cbda42"},
	} {
		rr, err := dns.NewRR(tc.rr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Show(rr, "example.org."); got.Value != tc.value || got.ID != tc.id || got.ID != ID(rr) {
			t.Errorf("%s: value %q id %s (ID %s), want %q %s", tc.rr, got.Value, got.ID, ID(rr), tc.value, tc.id)
		}
	}
}

func TestOwnerNames(t *testing.T) {
	for in, want := range map[string]string{"@": "example.org.", "www": "www.example.org.", "a.b": "a.b.example.org.", "x.example.org.": "x.example.org.",
		`www\.`: `www\..example.org.`, `x\\.example.org.`: `x\\.example.org.`, `é.example.org.`: `\195\169.example.org.`} {
		if got, err := Owner(in, "example.org."); err != nil || got != want {
			t.Errorf("%s: got %s, %v", in, got, err)
		}
	}
	if _, err := Owner("example.org.evil.", "example.org."); !errors.Is(err, zone.ErrOutOfZone) {
		t.Errorf("a name that only contains the origin must be outside: %v", err)
	}
	if Relative("WWW.example.org.", "example.org.") != "WWW" || Relative("example.org.", "example.org.") != "@" {
		t.Error("Relative")
	}
}

// An A or AAAA value written plainly skips the zone file parser; whatever
// it is, the record (or the refusal) is the one the parser makes.
func TestAddressFastPathMatchesTheParser(t *testing.T) {
	values := []string{
		"192.0.2.1", "0.0.0.0", "255.255.255.255", "192.0.2.256", "192.0.2", "192.0.2.1.5", "01.2.3.4",
		"192.0.2.1 ", " 192.0.2.1", "192..2.1", ".", "", "::ffff:192.0.2.1", "2001:db8::1", "2001:DB8::A",
		"::", "::1", "2001:db8::g", "2001:db8:::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "::192.0.2.1",
		"2001:db8::1%eth0", "fe80::", "12345::", "1.2.3.4:",
	}
	for _, typ := range []string{"A", "AAAA"} {
		for _, v := range values {
			got, err := New("example.org.", "x", typ, v, nil)
			want, werr := dns.NewRR("x.example.org. 3600 IN " + typ + " " + v)
			if werr == nil && want == nil {
				werr = errors.New("empty")
			}
			if (err == nil) != (werr == nil) {
				t.Errorf("%s %q: New says %v, the parser %v", typ, v, err, werr)
				continue
			}
			if err != nil {
				continue
			}
			if got.String() != want.String() || !dns.IsDuplicate(got, want) {
				t.Errorf("%s %q: New made %v, the parser %v", typ, v, got, want)
			}
			// The same bytes, not only the same address: the parser keeps an
			// IPv4 address in its 16-byte form.
			if a, ok := got.(*dns.A); ok && (len(a.A) != len(want.(*dns.A).A) || !a.A.Equal(want.(*dns.A).A)) {
				t.Errorf("%s %q: address %v, the parser's %v", typ, v, []byte(a.A), []byte(want.(*dns.A).A))
			}
			if a, ok := got.(*dns.AAAA); ok && (len(a.AAAA) != len(want.(*dns.AAAA).AAAA) || !a.AAAA.Equal(want.(*dns.AAAA).AAAA)) {
				t.Errorf("%s %q: address %v, the parser's %v", typ, v, []byte(a.AAAA), []byte(want.(*dns.AAAA).AAAA))
			}
		}
	}
}
