package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// appendEntry writes e and syncs it, as the writer does for a batch of one.
func appendEntry(j *Journal, e Entry) error {
	if err := j.Write(e); err != nil {
		return err
	}
	return j.Sync()
}

func writeAt(t *testing.T, path string, off int64, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte(s), off); err != nil {
		t.Fatal(err)
	}
}

func TestJournalAppendsReadsAndDropsATornTail(t *testing.T) {
	dir := t.TempDir()
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	for i := uint32(1); i <= 3; i++ {
		if err := appendEntry(j, Entry{From: i, To: i + 1, Add: []string{"x.example.org. 60 IN A 192.0.2.1"}}); err != nil {
			t.Fatal(err)
		}
	}
	end := j.Size()
	j.Close()
	path, _ := JournalPath(dir, "example.org.")
	// A crash in the middle of an append leaves part of a line, followed
	// by the zeros the file was grown with.
	writeAt(t, path, end, `57 0badf00d {"from":4,"to"`)
	entries, torn, err := ReadJournal(path)
	if err != nil || !torn || len(entries) != 3 || entries[2].To != 4 {
		t.Fatalf("want 3 entries and a torn tail, got %d, torn=%v, %v", len(entries), torn, err)
	}
	// Reopening cuts the tail off, so that new entries follow whole ones.
	j, got, err := OpenJournal(dir, "example.org.")
	if err != nil || len(got) != 3 || !j.Repaired() {
		t.Fatalf("reopen: %d entries, repaired=%v, %v", len(got), j.Repaired(), err)
	}
	appendEntry(j, Entry{From: 4, To: 5})
	j.Close()
	entries, torn, err = ReadJournal(path)
	if err != nil || torn || len(entries) != 4 {
		t.Fatalf("after reopening: %d entries, torn=%v, %v", len(entries), torn, err)
	}
}

func TestJournalDetectsCorruptionBeforeTheEnd(t *testing.T) {
	dir := t.TempDir()
	j, _, _ := OpenJournal(dir, "example.org.")
	appendEntry(j, Entry{From: 1, To: 2})
	appendEntry(j, Entry{From: 2, To: 3})
	j.Close()
	path, _ := JournalPath(dir, "example.org.")
	b, _ := os.ReadFile(path)
	b[20] ^= 0x20 // flip a bit in the first entry
	os.WriteFile(path, b, 0o644)
	if _, _, err := ReadJournal(path); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("want ErrJournalCorrupt, got %v", err)
	}
}

// Entries given to Write reach the file, and count, once a sync writes them
// and makes them durable; a sync that fails acknowledges none of them.
func TestJournalSyncAcknowledgesWhatWasWritten(t *testing.T) {
	dir := t.TempDir()
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	j.Write(Entry{From: 1, To: 2})
	j.Write(Entry{From: 2, To: 3})
	path, _ := JournalPath(dir, "example.org.")
	if entries, _, _ := ReadJournal(path); j.Len() != 0 || len(entries) != 0 {
		t.Fatalf("before the sync: %d entries acknowledged, %d in the file", j.Len(), len(entries))
	}
	if err := j.Sync(); err != nil || j.Len() != 2 {
		t.Fatalf("after the sync: %d entries, %v", j.Len(), err)
	}
	if entries, torn, err := ReadJournal(path); len(entries) != 2 || torn || err != nil {
		t.Fatalf("read back %d entries, torn=%v, %v", len(entries), torn, err)
	}

	j.Write(Entry{From: 3, To: 4})
	j.f.Close() // the sync fails, and so does cutting the entry off
	if err := j.Sync(); err == nil {
		t.Fatal("a failed sync reported success")
	}
	if j.Len() != 2 || !j.Bad() {
		t.Fatalf("after a failed sync: %d entries, bad=%v; want 2 and bad", j.Len(), j.Bad())
	}
	if err := j.Write(Entry{From: 3, To: 4}); !errors.Is(err, ErrJournalBad) {
		t.Fatalf("a bad journal took an entry: %v", err)
	}
}

// The file is grown ahead of the entries with zeros; reading stops at them,
// a line cut short before them is a torn write, and what a crash left after
// them is cut off before new entries are written.
func TestJournalIsPreallocated(t *testing.T) {
	dir := t.TempDir()
	path, _ := JournalPath(dir, "example.org.")
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	long := Entry{From: 1, To: 2, Add: []string{"x.example.org. 60 IN TXT \"" + strings.Repeat("a", 250) + "\""}}
	for i := uint32(1); i <= 100; i++ {
		long.From, long.To = i, i+1
		if err := appendEntry(j, long); err != nil {
			t.Fatal(err)
		}
	}
	fi, _ := os.Stat(path)
	if fi.Size() <= j.Size() || fi.Size()%growMin != 0 {
		t.Fatalf("the file is %d bytes for %d of entries: want it grown ahead in steps", fi.Size(), j.Size())
	}
	if entries, torn, err := ReadJournal(path); len(entries) != 100 || torn || err != nil {
		t.Fatalf("read %d entries, torn=%v, %v; want 100", len(entries), torn, err)
	}
	end := j.Size()
	j.Close()

	// A lost page in the middle of the last entry: zeros inside the line.
	b, _ := os.ReadFile(path)
	last := int64(bytes.LastIndexByte(b[:end-1], '\n') + 1) // where the last entry begins
	writeAt(t, path, last+10, strings.Repeat("\x00", 20))
	if entries, torn, err := ReadJournal(path); len(entries) != 99 || !torn || err != nil {
		t.Fatalf("with a hole in the last entry: %d entries, torn=%v, %v; want 99 and torn", len(entries), torn, err)
	}
	writeAt(t, path, last, string(b[last:end])) // mended

	// Garbage after the zeros: reading stops at the zeros; opening cuts it.
	writeAt(t, path, end+5000, "garbage\n")
	if entries, torn, err := ReadJournal(path); len(entries) != 100 || torn || err != nil {
		t.Fatalf("with garbage after the zeros: %d entries, torn=%v, %v; want 100", len(entries), torn, err)
	}
	j, got, err := OpenJournal(dir, "example.org.")
	if err != nil || len(got) != 100 {
		t.Fatalf("reopen: %d entries, %v", len(got), err)
	}
	if fi, _ := os.Stat(path); fi.Size() != end {
		t.Fatalf("reopened, the file is %d bytes; want it cut at its entries' end, %d", fi.Size(), end)
	}
	for i := uint32(101); i <= 103; i++ {
		appendEntry(j, Entry{From: i, To: i + 1})
	}
	j.Close()
	if entries, torn, err := ReadJournal(path); len(entries) != 103 || torn || err != nil {
		t.Fatalf("after reopening: %d entries, torn=%v, %v; want 103", len(entries), torn, err)
	}
}

func TestJournalTrimKeepsTheEntriesAfterTheCut(t *testing.T) {
	dir := t.TempDir()
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	appendEntry(j, Entry{From: 1, To: 2, Add: []string{"a.example.org. 300 IN A 192.0.2.1"}})
	appendEntry(j, Entry{From: 2, To: 3})
	off := j.Size()
	appendEntry(j, Entry{From: 3, To: 4, Add: []string{"b.example.org. 300 IN A 192.0.2.2"}})
	j.Write(Entry{From: 4, To: 5})
	if err := j.Trim(off); err == nil {
		t.Fatal("trimmed with an entry written and not synced")
	}
	j.Sync()
	if err := j.Trim(off); err != nil {
		t.Fatal(err)
	}
	if j.Len() != 2 {
		t.Fatalf("%d entries after the trim, want 2", j.Len())
	}
	// The trimmed journal takes new entries, and a reader sees the rest.
	if err := appendEntry(j, Entry{From: 5, To: 6}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	path, _ := JournalPath(dir, "example.org.")
	entries, torn, err := ReadJournal(path)
	if err != nil || torn {
		t.Fatal(err, torn)
	}
	var chain []uint32
	for _, e := range entries {
		chain = append(chain, e.From, e.To)
	}
	if fmt.Sprint(chain) != "[3 4 4 5 5 6]" {
		t.Fatalf("entries after the trim: %v", chain)
	}
	if _, err := os.Stat(path + ".trim"); !os.IsNotExist(err) {
		t.Fatal("the trim left its temporary file")
	}
}

// A batch larger than keepPending is written whole, and its buffer is not
// kept for the batches after it; a small batch's buffer is.
func TestJournalDropsTheBufferOfALargeBatch(t *testing.T) {
	dir := t.TempDir()
	j, _, err := OpenJournal(dir, "example.org.")
	if err != nil {
		t.Fatal(err)
	}
	var add []string
	for i := range 2000 {
		add = append(add, fmt.Sprintf("host%d.example.org.\t300\tIN\tA\t192.0.2.1", i))
	}
	j.Write(Entry{From: 1, To: 2, Add: add})
	if len(j.pending) <= keepPending {
		t.Fatalf("the batch is %d bytes, not over %d", len(j.pending), keepPending)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if j.pending != nil {
		t.Fatalf("a %d-byte buffer was kept after a large batch", cap(j.pending))
	}
	j.Write(Entry{From: 2, To: 3, Add: add[:1]})
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	if cap(j.pending) == 0 {
		t.Fatal("a small batch's buffer was not kept")
	}
	path, _ := JournalPath(dir, "example.org.")
	entries, torn, err := ReadJournal(path)
	if err != nil || torn || len(entries) != 2 || len(entries[0].Add) != 2000 || entries[1].To != 3 {
		t.Fatalf("read back %d entries (torn=%v, %v)", len(entries), torn, err)
	}
}
