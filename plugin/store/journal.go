package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// JournalDir is the directory of the store that holds the journals. A
// journal holds the changes to a zone that are acknowledged but not yet in
// the zone's file; compaction moves them into the file and empties it.
const JournalDir = ".journal"

// Entry is one change to a zone: the RRs it removed and added, in
// presentation format, and the SOA serial before and after it.
type Entry struct {
	From uint32   `json:"from"`
	To   uint32   `json:"to"`
	Del  []string `json:"del,omitempty"`
	Add  []string `json:"add,omitempty"`
}

// Journal is the append-only journal of one zone: DIR/.journal/<zone>.jnl.
// Each entry is one line, "<length> <crc32> <json>", so that a line cut short
// by a crash is recognized and ignored; it was never acknowledged, because an
// entry is acknowledged only once Append has synced it.
type Journal struct {
	path    string
	f       *os.File
	entries int
	size    int64 // bytes of whole, synced entries
	bad     bool  // a failed append could not be undone
}

// ErrJournalBad is returned by Append once an append failed and could not
// be taken back: the journal may end in an entry that was never
// acknowledged, so it takes no more until compaction replaces it.
var ErrJournalBad = errors.New("journal needs compaction after a failed write")

// JournalPath returns the journal file of origin in dir.
func JournalPath(dir, origin string) (string, error) {
	name, err := FileName(origin)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, JournalDir, name[:len(name)-len(Ext)]+".jnl"), nil
}

// OpenJournal opens (creating if needed) the journal of origin in dir for
// appending.
func OpenJournal(dir, origin string) (*Journal, error) {
	path, err := JournalPath(dir, origin)
	if err != nil {
		return nil, err
	}
	// Only the journal directory is made: a store that is gone stays gone.
	if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil && !os.IsExist(err) {
		return nil, fmt.Errorf("journal: %w", err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if os.IsNotExist(statErr) {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	entries, torn, err := ReadJournal(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	j := &Journal{path: path, f: f, entries: len(entries)}
	if fi, err := f.Stat(); err == nil {
		j.size = fi.Size()
	}
	if torn { // drop the torn tail before appending after it
		if err := j.Keep(len(entries)); err != nil {
			f.Close()
			return nil, err
		}
	}
	return j, nil
}

// Append writes e and syncs it to disk. When that fails (a full or
// read-only disk), the entry is cut off again, so that the journal holds
// only acknowledged changes; if even that fails, the journal is bad.
func (j *Journal) Append(e Entry) error {
	if j.bad {
		return ErrJournalBad
	}
	line, err := encodeEntry(e)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(line); err != nil {
		return j.undo(fmt.Errorf("journal %s: %w", j.path, err))
	}
	if err := j.f.Sync(); err != nil {
		return j.undo(fmt.Errorf("journal %s: sync: %w", j.path, err))
	}
	j.entries++
	j.size += int64(len(line))
	return nil
}

// undo takes back a failed append and returns err.
func (j *Journal) undo(err error) error {
	if j.f.Truncate(j.size) != nil || j.f.Sync() != nil {
		j.bad = true
	}
	return err
}

// Bad reports whether the journal needs compaction before it takes more.
func (j *Journal) Bad() bool { return j.bad }

// Len returns the number of entries in the journal.
func (j *Journal) Len() int { return j.entries }

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

// Keep replaces the journal with only its last n entries: the ones not yet
// in the zone file. It writes them to a new file and renames it over the
// journal, so that a crash leaves the old journal or the new one.
func (j *Journal) Keep(n int) error {
	entries, _, err := ReadJournal(j.path)
	if err != nil {
		return err
	}
	if n > len(entries) {
		n = len(entries)
	}
	keep := entries[len(entries)-n:]
	tmp := j.path + tmpMarker
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	for _, e := range keep {
		line, _ := encodeEntry(e)
		if _, err := f.Write(line); err != nil {
			f.Close()
			os.Remove(tmp)
			return fmt.Errorf("journal: %w", err)
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("journal: %w", err)
	}
	f.Close()
	if err := os.Rename(tmp, j.path); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		return err
	}
	j.f.Close()
	if j.f, err = os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.entries = len(keep)
	if fi, err := j.f.Stat(); err == nil {
		j.size = fi.Size()
	}
	return nil
}

// Remove deletes the journal.
func (j *Journal) Remove() error {
	j.f.Close()
	if err := os.Remove(j.path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return syncDir(filepath.Dir(j.path))
}

func encodeEntry(e Entry) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%d %08x %s\n", len(body), crc32.ChecksumIEEE(body), body), nil
}

// ErrJournalCorrupt is returned for a journal whose entries before the last
// do not check out: something other than a crash changed the file.
var ErrJournalCorrupt = errors.New("journal is corrupt")

// ReadJournal reads every entry of the journal at path. A missing journal
// is empty. A last line cut short by a crash is dropped and reported as
// torn; a bad line before the last is an error.
func ReadJournal(path string) (entries []Entry, torn bool, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			return entries, false, nil
		}
		e, ok := decodeEntry(line)
		if !ok {
			if _, peekErr := r.Peek(1); peekErr == io.EOF {
				return entries, true, nil // the last line: a torn append
			}
			return entries, false, fmt.Errorf("%s:%d: %w", path, n, ErrJournalCorrupt)
		}
		entries = append(entries, e)
		if err == io.EOF {
			return entries, false, nil
		}
	}
}

func decodeEntry(line []byte) (Entry, bool) {
	var e Entry
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return e, false
	}
	f := bytes.SplitN(line[:len(line)-1], []byte(" "), 3)
	if len(f) != 3 {
		return e, false
	}
	n, err1 := strconv.Atoi(string(f[0]))
	sum, err2 := strconv.ParseUint(string(f[1]), 16, 32)
	if err1 != nil || err2 != nil || n != len(f[2]) || uint32(sum) != crc32.ChecksumIEEE(f[2]) {
		return e, false
	}
	return e, json.Unmarshal(f[2], &e) == nil
}
