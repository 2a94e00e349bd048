package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/zoneapi/zoneapi/plugin/zone"
)

const good = `$TTL 3600
@	IN SOA ns1 hostmaster (
		2024010101 ; serial
		7200 3600 1209600 300 )
	IN NS ns1
ns1	IN A 192.0.2.1
www	IN A 192.0.2.2
`

func TestReadFileReportsTheLineOfTheBadRecord(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		line  int
		cause error
		msg   string
	}{
		{"syntax", good + "bad IN A 999.1.1.1\n", 8, nil, "bad A"},
		{"cname beside data", good + "www IN CNAME ns1\n", 8, zone.ErrCNAMEConflict, ""},
		{"data beside cname", good + "c IN CNAME ns1\nc IN TXT x\n", 9, zone.ErrCNAMEConflict, ""},
		{"out of zone", good + "www.example.com. IN A 192.0.2.9\n", 8, zone.ErrOutOfZone, ""},
		{"soa not at apex", good + "sub IN SOA a b 1 2 3 4 5\n", 8, zone.ErrSOANotAtApex, ""},
		{"second soa", good + "@ IN SOA a b 1 2 3 4 5\n", 8, zone.ErrMultipleSOA, ""},
		{"cname at apex", "@ 3600 IN CNAME x.example.com.\n", 1, zone.ErrCNAMEAtApex, ""},
		{"include", good + "$INCLUDE /etc/passwd\n", 8, nil, "$INCLUDE"},
		{"no soa", "www 3600 IN A 192.0.2.1\n", 0, zone.ErrNoSOA, ""},
		{"ttl too large", good + "big 2147483648 IN A 192.0.2.1\n", 8, zone.ErrBadTTL, ""},
		{"meta type", good + "x IN TYPE255 \\# 0\n", 8, zone.ErrBadType, ""},
		{"class", good + "x CH A 192.0.2.1\n", 8, nil, ""},
		{"record after multiline", good + "m IN TXT ( a\n b )\nm IN CNAME ns1\n", 10, zone.ErrCNAMEConflict, ""},
		{"type 0 in a bitmap", good + "n IN NSEC ns1 A \\1830\n", 8, zone.ErrBadRdata, ""},
		{"after raw UTF-8", good + "t IN TXT \"é ֌\"\nbad IN A 999.1.1.1\n", 9, nil, "bad A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Read(strings.NewReader(tc.text), "example.org.zone", "example.org.", Options{})
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("want a FileError, got %v", err)
			}
			if fe.Line != tc.line {
				t.Errorf("line: want %d, got %d (%v)", tc.line, fe.Line, err)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("want %v, got %v", tc.cause, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("want %q in %q", tc.msg, err)
			}
			if !strings.HasPrefix(err.Error(), "example.org.zone:") {
				t.Errorf("error does not name the file: %q", err)
			}
		})
	}
}

// Bytes over 0x7F reach the parser as \DDD escapes, which stand for the
// same bytes. A name that ends in an escaped dot just after a two-byte
// UTF-8 character is then relative, as the same name written with the
// escapes is (miekg/dns took the first for absolute), and the zone reads
// back as it was written. An escaped raw byte is that byte.
func TestReadTakesRawBytesAsTheirEscapes(t *testing.T) {
	text := good + "é\\\\\\. IN A 192.0.2.9\n" + "m IN MX 10 ֌\\\\\\.\n" + `t IN TXT "é" "\é"` + "\n"
	z, _, err := Read(strings.NewReader(text), "example.org.zone", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, rr := range z.Records() {
		got[rr.String()] = true
	}
	for _, want := range []string{
		`\195\169\\\..example.org.` + "\t3600\tIN\tA\t192.0.2.9",
		"m.example.org.\t3600\tIN\tMX\t10 " + `\214\140\\\..example.org.`,
		"t.example.org.\t3600\tIN\tTXT\t" + `"\195\169" "\195\169"`,
	} {
		if !got[want] {
			t.Errorf("no record %q in %v", want, got)
		}
	}
	var once, twice bytes.Buffer
	if err := Format(&once, z); err != nil {
		t.Fatal(err)
	}
	again, _, err := Read(bytes.NewReader(once.Bytes()), "example.org.zone", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	Format(&twice, again)
	if once.String() != twice.String() {
		t.Errorf("read back differently:\n%s\n---\n%s", once.String(), twice.String())
	}
	if EscapeRaw(`é\é`) != `\195\169\195\169` || EscapeRaw("plain") != "plain" {
		t.Errorf("EscapeRaw: %q", EscapeRaw(`é\é`))
	}
}
