package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

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
