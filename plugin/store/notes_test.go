package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func TestNotesSurviveTheFile(t *testing.T) {
	z, _, err := Read(strings.NewReader("@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n"), "test", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx := z.Txn()
	for k, v := range map[string]string{"hetzner.zone": `{"id":7,"labels":{"é":"x y"}}`, "a": "1"} {
		if err := tx.SetNote(k, v); err != nil {
			t.Fatal(err)
		}
	}
	z, err = tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := Format(&file, z); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(file.String(), "\n;@note a 1\n;@note hetzner.zone {") {
		t.Fatalf("notes not written in key order after the first line:\n%s", file.String())
	}
	again, _, err := Read(&file, "test", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := again.Note("hetzner.zone"); v != `{"id":7,"labels":{"é":"x y"}}` {
		t.Fatalf("note read back as %q", v)
	}
	if again.Len() != z.Len() {
		t.Fatalf("a note changed the records: %d, want %d", again.Len(), z.Len())
	}
}

func TestANoteWrittenByHandIsReadAndABadOneNamesItsLine(t *testing.T) {
	src := "$ORIGIN example.org.\r\n;@note k v\r\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\n; @note not-a-note x\n"
	z, _, err := Read(strings.NewReader(src), "test", "example.org.", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := z.Note("k"); v != "v" || len(z.NoteKeys()) != 1 {
		t.Fatalf("notes %v, k=%q", z.NoteKeys(), v)
	}
	_, _, err = Read(strings.NewReader("@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n;@note \tbad\n"), "f.zone", "example.org.", Options{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 || !errors.Is(err, zone.ErrBadNote) {
		t.Fatalf("got %v, want a bad note at line 2", err)
	}
}

// TestRRSIGsKeepTheTTLOfTheRRsetTheyCover: the RRSIGs at one name have the
// TTLs of the RRsets they cover (RFC 4034 §3), so a presigned file reads
// and writes back as it is.
func TestRRSIGsKeepTheTTLOfTheRRsetTheyCover(t *testing.T) {
	src := `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
www 300 IN A 192.0.2.1
www 60 IN TXT "x"
www 300 IN RRSIG A 13 3 300 20270101000000 20261201000000 12345 example.org. AAAA
www 60 IN RRSIG TXT 13 3 60 20270101000000 20261201000000 12345 example.org. AAAA
`
	z, warns, err := Read(strings.NewReader(src), "test", "example.org.", Options{})
	if err != nil || len(warns) != 0 {
		t.Fatalf("%v %v", err, warns)
	}
	n, _ := z.Node("www.example.org.")
	ttls := map[uint32]bool{}
	for _, rr := range n.Type(dns.TypeRRSIG) {
		ttls[rr.Header().Ttl] = true
	}
	if !ttls[300] || !ttls[60] {
		t.Fatalf("the RRSIGs' TTLs: %v", ttls)
	}
}
