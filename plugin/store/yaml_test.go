package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
	"go.yaml.in/yaml/v3"
)

// TestEveryOctoDNSTypeRoundTrips: a YAML zone of every type octoDNS knows
// (and HINFO, a type it does not, as presentation RDATA) reads as the
// records it says and is written back byte for byte.
func TestEveryOctoDNSTypeRoundTrips(t *testing.T) {
	src, err := os.ReadFile("testdata/octodns.yaml")
	if err != nil {
		t.Fatal(err)
	}
	z, warns, err := ReadYAML(bytes.NewReader(src), "octodns.yaml", "example.org.", Options{})
	if err != nil || len(warns) > 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if z.Source() != zone.SourceYAML {
		t.Error("the zone's source is not YAML")
	}
	var out bytes.Buffer
	if err := Format(&out, z); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(src) {
		t.Errorf("written back differently:\n%s", lineDiff(string(src), out.String()))
	}
	want := map[string]string{
		"example.org. MX":                 "10 mail.example.org.",
		"example.org. CAA":                `128 iodef "mailto:security@example.org"`,
		"example.org. TXT":                `"with a semicolon; in it"`,
		"_sip._tcp.example.org. SRV":      "20 0 5060 sip2.example.org.",
		"geo.example.org. LOC":            "52 22 23.000 N 04 53 32.000 E -2m 1m 10000m 10m",
		"sipnaptr.example.org. NAPTR":     `100 10 "S" "SIP+D2T" "" _sip._tcp.example.org.`,
		"svc.example.org. HTTPS":          `1 www.example.org. alpn="h2,h3" port="443"`,
		"www.example.org. A":              "192.0.2.80",
		"*.dev.example.org. CNAME":        "www.example.org.",
		"child.example.org. DS":           "60485 13 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
		"info.example.org. HINFO":         `"PC" "Linux"`,
		"_443._tcp.www.example.org. TLSA": "3 1 1 d2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971",
	}
	for key, rdata := range want {
		name, typ, _ := strings.Cut(key, " ")
		found := false
		for _, rr := range rrsetOf(z, name, dns.StringToType[typ]) {
			found = found || RDATA(rr) == rdata
		}
		if !found {
			t.Errorf("%s: no %s in %v", key, rdata, rrsetOf(z, name, dns.StringToType[typ]))
		}
	}
	if rr := rrsetOf(z, "www.example.org.", dns.TypeA); len(rr) != 1 || rr[0].Header().Ttl != 60 {
		t.Errorf("www's TTL: %v", rr)
	}
	// As a master file and back: the same records.
	var master bytes.Buffer
	FormatZone(&master, z)
	again, _, err := Read(&master, "x", "example.org.", Options{})
	if err != nil || again.Len() != z.Len() {
		t.Errorf("as a master file: %v, %d records of %d", err, again.Len(), z.Len())
	}
}

func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var d strings.Builder
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			d.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + x + "\n+ " + y + "\n")
		}
	}
	return d.String()
}

func rrsetOf(z *zone.Zone, name string, t uint16) []dns.RR {
	if n, ok := z.Node(name); ok {
		return n.Type(t)
	}
	return nil
}

// TestBadYAMLZonesSayWhereAndWhat: each bad YAML zone is refused with the
// line of the problem and what it is.
func TestBadYAMLZonesSayWhereAndWhat(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		line       int
		want       string // in the error
	}{
		{"bad indentation", "www:\n  type: A\n value: 192.0.2.1\n", 2, "did not find expected key"},
		{"a tab", "www:\n\ttype: A\n", 2, "tab"},
		{"not a mapping", "- www\n", 1, "a zone is a mapping"},
		{"a name twice", "www:\n  type: A\n  value: 192.0.2.1\nwww:\n  type: AAAA\n  value: '::1'\n", 4, "the name \"www\" is here and at line 1"},
		{"a name twice, other case", "www:\n  type: A\n  value: 192.0.2.1\nWWW:\n  type: TXT\n  value: x\n", 4, "at line 1"},
		{"a field twice", "www:\n  type: A\n  type: AAAA\n  value: 192.0.2.1\n", 3, "\"type\" is twice"},
		{"unknown type", "www:\n  type: NOPE\n  value: x\n", 2, "\"NOPE\" is not a type"},
		{"type ANY", "www:\n  type: ANY\n  value: x\n", 2, "not a type a zone holds"},
		{"a provider type", "www:\n  type: ALIAS\n  value: example.net.\n", 2, "ALIAS is a provider's"},
		{"URLFWD", "www:\n  type: URLFWD\n  value: {}\n", 2, "URLFWD is a provider's"},
		{"no type", "www:\n  value: 192.0.2.1\n", 2, "has no type"},
		{"no value", "www:\n  type: A\n", 2, "has no value"},
		{"value and values", "www:\n  type: A\n  value: 192.0.2.1\n  values: [192.0.2.2]\n", 4, "not both"},
		{"empty values", "www:\n  type: A\n  values: []\n", 3, "one value at least"},
		{"unknown field", "www:\n  type: A\n  value: 192.0.2.1\n  colour: red\n", 4, "no field \"colour\""},
		{"octodns settings", "www:\n  type: A\n  value: 192.0.2.1\n  octodns:\n    healthcheck: {}\n", 4, "octodns: a provider's settings"},
		{"bad IPv4", "www:\n  type: A\n  value: 300.1.2.3\n", 3, "\"300.1.2.3\" is not valid A RDATA"},
		{"IPv4 in AAAA", "www:\n  type: AAAA\n  values:\n  - 2001:db8::1\n  - 192.0.2.1\n", 5, "not valid AAAA RDATA"},
		{"relative CNAME", "www:\n  type: CNAME\n  value: example.net\n", 3, "is not absolute: end it with a dot"},
		{"MX without exchange", "'':\n  type: MX\n  value:\n    preference: 10\n", 4, "has no exchange"},
		{"MX as a text", "'':\n  type: MX\n  value: 10 mail.example.org.\n", 3, "a mapping of preference, exchange"},
		{"MX with an unknown field", "'':\n  type: MX\n  value:\n    preference: 10\n    exchange: mail.example.org.\n    weight: 5\n", 4, "no field \"weight\""},
		{"SRV port not a number", "_sip._tcp:\n  type: SRV\n  value:\n    priority: 1\n    weight: 1\n    port: http\n    target: sip.example.org.\n", 4, "not valid SRV RDATA"},
		{"CNAME beside data", "www:\n- type: CNAME\n  value: example.net.\n- type: A\n  value: 192.0.2.1\n", 5, "CNAME"},
		{"two records of one type", "www:\n- type: A\n  value: 192.0.2.1\n- type: A\n  value: 192.0.2.2\n", 4, "has two A records (here and at line 2)"},
		{"a value twice", "www:\n  type: A\n  values:\n  - 192.0.2.1\n  - 192.0.2.1\n", 5, "is there twice"},
		{"a TTL not a number", "www:\n  type: A\n  ttl: soon\n  value: 192.0.2.1\n", 3, "ttl \"soon\""},
		{"a negative TTL", "www:\n  type: A\n  ttl: -1\n  value: 192.0.2.1\n", 3, "ttl \"-1\""},
		{"an unescaped semicolon", "www:\n  type: TXT\n  value: a;b\n", 3, "written \\;"},
		{"an absolute name", "www.example.org.:\n  type: A\n  value: 192.0.2.1\n", 1, "ends with a dot"},
		{"@ for the apex", "'@':\n  type: A\n  value: 192.0.2.1\n", 1, "the apex is ''"},
		{"an empty label", "a..b:\n  type: A\n  value: 192.0.2.1\n", 1, "is not a name"},
		{"records not a mapping", "www: 192.0.2.1\n", 1, "the records of \"www\" are a mapping or a list"},
		{"a record not a mapping", "www:\n- A 192.0.2.1\n", 2, "a record of \"www\" is a mapping"},
		{"generic RDATA with a comment", "info:\n  type: HINFO\n  value: '\"PC\" ; \"Linux\"'\n", 3, "';' outside double quotes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadYAML(strings.NewReader(tc.yaml), "z.yaml", "example.org.", Options{})
			var fe *FileError
			if err == nil || !errors.As(err, &fe) || fe.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want z.yaml:%d: ...%s..., got %v", tc.line, tc.want, err)
			}
		})
	}
}

// TestTheFastReaderReadsAsYAMLDoes: where fastYAML takes a file, its tree
// is yaml.v3's (kinds, values, lines); it takes what FormatYAML writes.
func TestTheFastReaderReadsAsYAMLDoes(t *testing.T) {
	fixture, _ := os.ReadFile("testdata/octodns.yaml")
	inputs := []string{string(fixture), "", "---\n", "www:\n  type: A\n  value: '192.0.2.1'\n", "a: 1\nb:\n- x\n- y: 'it''s'\n  z: w\nc: d\n",
		"www:\n  type: A\n  value: 192.0.2.1 # a comment\n", "x: {a: 1}\n", "x: \"q\"\n", "x:\n  - a\n  - b\n", "- a\n- b\n", "a:\n  b:\n    c: d\n  e: f\n"}
	taken := 0
	for _, in := range inputs {
		fast, ok := fastYAML([]byte(in))
		if !ok {
			continue
		}
		taken++
		var slow yaml.Node
		if err := yaml.Unmarshal([]byte(in), &slow); err != nil {
			t.Errorf("fastYAML took what yaml.v3 refuses: %q: %v", in, err)
			continue
		}
		if d := sameTree(fast, &slow); d != "" {
			t.Errorf("%q: %s", in, d)
		}
	}
	if taken != 5 { // the block-style ones; the others are yaml.v3's
		t.Errorf("fastYAML took %d of the inputs, not the 5 in block style", taken)
	}
	// The fixture but its flow mapping (svcparams), which fastYAML leaves
	// to yaml.v3.
	block := string(fixture)[:strings.Index(string(fixture), "svc:\n")] + "www:\n  ttl: 60\n  type: A\n  value: 192.0.2.80\n"
	fast, ok := fastYAML([]byte(block))
	var slow yaml.Node
	yaml.Unmarshal([]byte(block), &slow)
	if !ok {
		t.Error("fastYAML does not take what FormatYAML writes")
	} else if d := sameTree(fast, &slow); d != "" {
		t.Errorf("the fixture: %s", d)
	}
}

func sameTree(a, b *yaml.Node) string {
	if a.Kind != b.Kind || a.Value != b.Value || a.Line != b.Line || len(a.Content) != len(b.Content) {
		return fmt.Sprintf("at line %d: %v %q (%d) against %v %q at line %d (%d)", a.Line, a.Kind, a.Value, len(a.Content), b.Kind, b.Value, b.Line, len(b.Content))
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// FuzzFastYAML: whatever fastYAML takes, yaml.v3 reads as the same tree.
func FuzzFastYAML(f *testing.F) {
	fixture, _ := os.ReadFile("testdata/octodns.yaml")
	f.Add(string(fixture))
	f.Add("a: 1\nb:\n- x\n- y: 'it''s'\n  z: w\nc: d\n")
	f.Add("'':\n- type: A\n  values:\n  - 192.0.2.1\n  - -2\n- ttl: 300\n  type: TXT\n  value: 'a: b'\n")
	f.Fuzz(func(t *testing.T, in string) {
		fast, ok := fastYAML([]byte(in))
		if !ok {
			return
		}
		var slow yaml.Node
		if err := yaml.Unmarshal([]byte(in), &slow); err != nil {
			t.Fatalf("fastYAML took what yaml.v3 refuses: %q: %v", in, err)
		}
		if d := sameTree(fast, &slow); d != "" {
			t.Fatalf("%q: %s", in, d)
		}
	})
}

// TestAYAMLZoneKeepsItsNotes: the notes of a zone (the Hetzner API's
// labels) are comment lines of its YAML file, read back as they were.
func TestAYAMLZoneKeepsItsNotes(t *testing.T) {
	z, _, err := ReadYAML(strings.NewReader("---\n#@note www/A {\"labels\":{\"env\":\"prod\"}}\nwww:\n  type: A\n  value: 192.0.2.1\n"), "z.yaml", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := z.Note("www/A"); !ok || v != `{"labels":{"env":"prod"}}` {
		t.Fatalf("note: %q %v", v, ok)
	}
	var out bytes.Buffer
	FormatYAML(&out, z, false)
	text := out.String()
	again, _, err := ReadYAML(strings.NewReader(text), "z.yaml", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := again.Note("www/A"); v != `{"labels":{"env":"prod"}}` || !strings.Contains(text, "#@note www/A ") {
		t.Errorf("written back:\n%s", text)
	}
}
