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
	path     string
	f        *os.File
	entries  int
	size     int64 // bytes of whole, synced entries
	bad      bool  // a failed append could not be undone
	repaired bool  // OpenJournal cut off a torn last entry
}

// Repaired reports whether opening cut off an entry torn by a crash.
func (j *Journal) Repaired() bool { return j.repaired }

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
// appending, and returns the entries it holds. A last entry cut short by a
// crash is cut off, as a failed Append would be; Repaired says so.
func OpenJournal(dir, origin string) (*Journal, []Entry, error) {
	path, err := JournalPath(dir, origin)
	if err != nil {
		return nil, nil, err
	}
	// Only the journal directory is made: a store that is gone stays gone.
	if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil && !os.IsExist(err) {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	if os.IsNotExist(statErr) {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	entries, whole, torn, err := readEntries(path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	j := &Journal{path: path, f: f, entries: len(entries), size: whole}
	if torn {
		if err := j.truncate(); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal %s: cutting off a torn entry: %w", path, err)
		}
		j.repaired = true
	}
	return j, entries, nil
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
	if j.truncate() != nil {
		j.bad = true
	}
	return err
}

// truncate cuts the file back to its whole entries, durably.
func (j *Journal) truncate() error {
	if err := j.f.Truncate(j.size); err != nil {
		return err
	}
	return j.f.Sync()
}

// Bad reports whether the journal needs compaction before it takes more.
func (j *Journal) Bad() bool { return j.bad }

// Len returns the number of entries in the journal.
func (j *Journal) Len() int { return j.entries }

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

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
	entries, _, torn, err = readEntries(path)
	return entries, torn, err
}

// readEntries is ReadJournal that also returns the length of the whole
// entries, where a torn one begins.
func readEntries(path string) (entries []Entry, whole int64, torn bool, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF && len(line) == 0 {
			return entries, whole, false, nil
		}
		e, ok := decodeEntry(line)
		if !ok {
			if _, peekErr := r.Peek(1); peekErr == io.EOF {
				return entries, whole, true, nil // the last line: a torn append
			}
			return entries, whole, false, fmt.Errorf("%s:%d: %w", path, n, ErrJournalCorrupt)
		}
		entries = append(entries, e)
		whole += int64(len(line))
		if err == io.EOF {
			return entries, whole, false, nil
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
