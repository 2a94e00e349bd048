package store

import (
	"errors"
	"os"
	"testing"
)

func TestJournalAppendsReadsAndDropsATornTail(t *testing.T) {
	dir := t.TempDir()
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	for i := uint32(1); i <= 3; i++ {
		if err := j.Append(Entry{From: i, To: i + 1, Add: []string{"x.example.org. 60 IN A 192.0.2.1"}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	path, _ := JournalPath(dir, "example.org.")
	// A crash in the middle of an append leaves part of a line.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`57 0badf00d {"from":4,"to"`)
	f.Close()
	entries, torn, err := ReadJournal(path)
	if err != nil || !torn || len(entries) != 3 || entries[2].To != 4 {
		t.Fatalf("want 3 entries and a torn tail, got %d, torn=%v, %v", len(entries), torn, err)
	}
	// Reopening cuts the tail off, so that new entries follow whole ones.
	j, got, err := OpenJournal(dir, "example.org.")
	if err != nil || len(got) != 3 || !j.Repaired() {
		t.Fatalf("reopen: %d entries, repaired=%v, %v", len(got), j.Repaired(), err)
	}
	j.Append(Entry{From: 4, To: 5})
	j.Close()
	entries, torn, err = ReadJournal(path)
	if err != nil || torn || len(entries) != 4 {
		t.Fatalf("after reopening: %d entries, torn=%v, %v", len(entries), torn, err)
	}
}

func TestJournalDetectsCorruptionBeforeTheEnd(t *testing.T) {
	dir := t.TempDir()
	j, _, _ := OpenJournal(dir, "example.org.")
	j.Append(Entry{From: 1, To: 2})
	j.Append(Entry{From: 2, To: 3})
	j.Close()
	path, _ := JournalPath(dir, "example.org.")
	b, _ := os.ReadFile(path)
	b[20] ^= 0x20 // flip a bit in the first entry
	os.WriteFile(path, b, 0o644)
	if _, _, err := ReadJournal(path); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("want ErrJournalCorrupt, got %v", err)
	}
}
