package store

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestFormatRoundTripsAndIsStable(t *testing.T) {
	z, _, err := Read(strings.NewReader(good+"$ORIGIN sub.example.org.\nx IN TXT \"a b\" c\n$ORIGIN example.org.\n\\$dollar IN A 192.0.2.9\nWeird\\.Dot IN A 192.0.2.10\n"), "example.org.zone", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := Format(&first, z); err != nil {
		t.Fatal(err)
	}
	again, _, err := Read(bytes.NewReader(first.Bytes()), "example.org.zone", "example.org.", Options{})
	if err != nil {
		t.Fatalf("written zone does not read back: %v\n%s", err, first.String())
	}
	var second bytes.Buffer
	Format(&second, again)
	if first.String() != second.String() {
		t.Fatalf("format is not stable:\n%s\n---\n%s", first.String(), second.String())
	}
	want := []string{
		"; zone example.org. - written by zoneapi, one record a line in DNS canonical order",
		"$ORIGIN example.org.",
		"@\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300",
		"@\t3600\tIN\tNS\tns1.example.org.",
		`\$dollar` + "\t3600\tIN\tA\t192.0.2.9",
	}
	lines := strings.Split(first.String(), "\n")
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: want %q, got %q", i+1, w, lines[i])
		}
	}
	// One line a record, in the order of the zone's Records.
	var byRecords bytes.Buffer
	bw := bufio.NewWriter(&byRecords)
	for _, rr := range z.Records() {
		writeRR(bw, rr, z.Origin())
	}
	bw.Flush()
	if body := strings.SplitN(first.String(), "\n", 3)[2]; body != byRecords.String() {
		t.Errorf("the records are not written in the order of Records:\n%s\n---\n%s", body, byRecords.String())
	}
	if !strings.Contains(first.String(), "x.sub\t3600\tIN\tTXT\t\"a b\" \"c\"\n") {
		t.Errorf("multi-string TXT not written as expected:\n%s", first.String())
	}
}

// Each line is the owner relative to the origin, then what follows
// miekg/dns's owner in rr.String(), and reads back as the same record;
// RDATA is what follows the header's four fields. For owners with escaped
// bytes (a tab among them), many types, and a type miekg/dns does not know,
// whose String() spells the class CLASS1 and so does not begin with the
// header formatted apart.
func TestWriteRRIsTheOwnerThenTheRestOfTheRecord(t *testing.T) {
	tests := []struct {
		text  string
		want  string // the line, where the header formatted apart cannot give it
		rdata string // and its RDATA
	}{
		{text: "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300"},
		{text: "example.org. 300 IN MX 10 mail.example.org."},
		{text: "a\\009b.example.org. 60 IN A 192.0.2.1"},
		{text: "Weird\\.Dot.example.org. 60 IN AAAA 2001:db8::1"},
		{text: "\\$dollar.example.org. 60 IN TXT \"say \\\"hi\\\"; ok\" \"c d\""},
		{text: "_sip._tcp.example.org. 60 IN SRV 0 5 5060 sip.example.org."},
		{text: "example.org. 60 IN CAA 0 issue \"letsencrypt.org\""},
		{text: "*.wild.example.org. 60 IN CNAME target.example.net."},
		{text: "x.example.org. 60 IN TYPE65280 \\# 3 010203", want: "x\t60\tCLASS1\tTYPE65280\t\\# 3 010203\n", rdata: "\\# 3 010203"},
		{text: "sub.example.org. 60 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"},
		{text: "example.org. 60 IN HTTPS 1 . alpn=h2,h3"},
	}
	for _, tc := range tests {
		rr, err := dns.NewRR(tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		var got bytes.Buffer
		bw := bufio.NewWriter(&got)
		writeRR(bw, rr, "example.org.")
		bw.Flush()
		line := got.String()
		want, rdata := tc.want, tc.rdata
		if hdr := rr.Header().String(); want == "" {
			if !strings.HasPrefix(rr.String(), hdr) {
				t.Fatalf("%s: String() %q does not begin with the header %q", tc.text, rr.String(), hdr)
			}
			rdata = strings.TrimPrefix(rr.String(), hdr)
			want = relative(rr.Header().Name, "example.org.") + hdr[strings.IndexByte(hdr, '\t'):] + rdata + "\n"
		}
		if line != want {
			t.Errorf("%s:\n got %q\nwant %q", tc.text, line, want)
		}
		if got := RDATA(rr); got != rdata {
			t.Errorf("%s: RDATA %q, want %q", tc.text, got, rdata)
		}
		zp := dns.NewZoneParser(strings.NewReader(line), "example.org.", "")
		back, ok := zp.Next()
		if !ok || zp.Err() != nil || !dns.IsDuplicate(back, rr) || back.Header().Ttl != rr.Header().Ttl {
			t.Errorf("%s: the line %q reads back as %v (%v)", tc.text, line, back, zp.Err())
		}
	}
}

func TestWriteFileReplacesAtomicallyAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	z, _, err := Read(strings.NewReader(good), "example.org.zone", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dir, z); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "example.org.zone" {
		t.Fatalf("want only example.org.zone, got %v", entries)
	}
	got, _, err := ReadFile(filepath.Join(dir, "example.org.zone"), "example.org.", Options{})
	if err != nil || got.Len() != z.Len() {
		t.Fatalf("read back: %v, %d records", err, got.Len())
	}
}

func TestLoadDirSkipsBadFilesAndCleansTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"example.org.zone":            good,
		"broken.example.zone":         "@ IN SOA a b 1 2 3 4 5\nx IN A nope\n",
		"Upper.example.zone":          good,
		".example.org.zone.tmp-12345": "partial",
		"2.0.192.in-addr.arpa.zone":   "@ 60 IN SOA ns.example. h.example. 1 2 3 4 5\n1 IN PTR www.example.\n",
		"notes.txt":                   "not a zone",
	}
	for name, text := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	loaded, err := LoadDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ok, bad := map[string]bool{}, map[string]string{}
	for _, l := range loaded {
		if l.Err != nil {
			bad[filepath.Base(l.Path)] = l.Err.Error()
		} else {
			ok[l.Zone.Origin()] = true
		}
	}
	if !ok["example.org."] || !ok["2.0.192.in-addr.arpa."] || len(ok) != 2 {
		t.Errorf("loaded %v", ok)
	}
	if !strings.Contains(bad["broken.example.zone"], "broken.example.zone:2:") {
		t.Errorf("broken file error lacks file:line: %q", bad["broken.example.zone"])
	}
	if !strings.Contains(bad["Upper.example.zone"], "lower-case") {
		t.Errorf("upper-case file name: %q", bad["Upper.example.zone"])
	}
	if _, err := os.Stat(filepath.Join(dir, ".example.org.zone.tmp-12345")); !os.IsNotExist(err) {
		t.Error("temporary file left behind")
	}
}

func TestFileNameRefusesNamesThatEscapeTheStore(t *testing.T) {
	for _, origin := range []string{"../../etc.", "a/b.example.", ".", `a\000b.example.`, "..example.", "a\nb.example."} {
		if name, err := FileName(origin); err == nil {
			t.Errorf("%q: want an error, got %q", origin, name)
		}
	}
	if name, err := FileName("Example.ORG."); err != nil || name != "example.org.zone" {
		t.Errorf("want example.org.zone, got %q, %v", name, err)
	}
}
