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
// presentation format, the notes it changed, and the SOA serial before and
// after it.
type Entry struct {
	From uint32   `json:"from"`
	To   uint32   `json:"to"`
	Del  []string `json:"del,omitempty"`
	Add  []string `json:"add,omitempty"`
	// Notes holds the notes the change set, and as null those it deleted.
	Notes map[string]*string `json:"notes,omitempty"`
}

// Journal is the append-only journal of one zone: DIR/.journal/<zone>.jnl.
// Each entry is one line, "<length> <crc32> <json>", so that a line cut short
// by a crash is recognized and ignored; it was never acknowledged, because an
// entry is acknowledged only once it is synced.
//
// Entries given to Write are kept until Sync writes them all at once and
// syncs them: several changes made one after the other are made durable by
// one write and one sync (group commit). The file is grown
// ahead of the entries, in steps of zeros written out (preallocated), so
// that syncing an entry writes the entry and not the file's size: an
// fdatasync then costs about half of what an fsync of a growing file does.
// Reading stops at the first line that begins with a zero byte.
type Journal struct {
	path     string
	f        *os.File
	entries  int    // whole, synced entries
	size     int64  // their bytes
	written  int    // entries given to Write since, not yet synced
	pending  []byte // their lines
	alloc    int64  // bytes of the file: the entries, then zeros
	bad      bool   // a failed write or sync could not be undone
	repaired bool   // OpenJournal cut off a torn last entry
}

// The file grows by its size, at least growMin and at most growMax bytes.
// The buffer of the entries waiting for Sync is kept for the next batch if
// it is no larger than keepPending.
const (
	growMin     = 16 << 10
	growMax     = 1 << 20
	keepPending = 64 << 10
)

// Repaired reports whether opening cut off an entry torn by a crash.
func (j *Journal) Repaired() bool { return j.repaired }

// ErrJournalBad is returned by Write and Sync once a write or sync failed
// and could not be taken back: the journal may end in an entry that was
// never acknowledged, so it takes no more until compaction replaces it.
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
// crash is cut off, as a failed write would be; Repaired says so.
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
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
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
	// The file is cut after the whole entries: what follows is a torn entry
	// or zeros, and a new entry must not leave a torn one's tail behind it.
	j := &Journal{path: path, f: f, entries: len(entries), size: whole, alloc: whole}
	if fi, err := f.Stat(); err != nil || fi.Size() != whole {
		err = f.Truncate(whole)
		if err == nil {
			err = syncData(f)
		}
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("journal %s: cutting off what follows the entries: %w", path, err)
		}
	}
	j.repaired = torn
	return j, entries, nil
}

// Write adds e to the entries the next Sync writes and syncs.
func (j *Journal) Write(e Entry) error {
	if j.bad {
		return ErrJournalBad
	}
	line, err := encodeEntry(e)
	if err != nil {
		return err
	}
	j.pending = append(j.pending, line...)
	j.written++
	return nil
}

var zeros [64 << 10]byte

// grow makes the file at least n bytes long, writing zeros, and a step
// longer if the disk has room.
func (j *Journal) grow(n int64) error {
	if n <= j.alloc {
		return nil
	}
	to := max(n, j.alloc+min(max(j.alloc, growMin), growMax))
	for j.alloc < to {
		w, err := j.f.WriteAt(zeros[:min(int64(len(zeros)), to-j.alloc)], j.alloc)
		j.alloc += int64(w)
		if err != nil {
			if j.alloc >= n {
				return nil // a disk that filled up still holds these entries
			}
			return err
		}
	}
	return nil
}

// Sync writes the entries given to Write since the last Sync, in one
// write after the synced ones, and makes them durable. When that fails (a
// full or read-only disk), all of them are cut off again, so that the
// journal holds only acknowledged changes; if even that fails, the journal
// is bad.
func (j *Journal) Sync() error {
	if j.bad {
		return ErrJournalBad
	}
	if j.written == 0 {
		return nil
	}
	lines, n := j.pending, j.written
	j.pending, j.written = j.pending[:0], 0
	if cap(lines) > keepPending {
		j.pending = nil // a large batch's buffer is not kept for every later one
	}
	end := j.size + int64(len(lines))
	err := j.grow(end)
	if err == nil {
		_, err = j.f.WriteAt(lines, j.size)
	}
	if err == nil {
		err = syncData(j.f)
	}
	if err != nil {
		return j.cut(j.size, fmt.Errorf("journal %s: %w", j.path, err))
	}
	j.entries += n
	j.size = end
	return nil
}

// cut takes back a failed grow, write or sync, cutting the file at size, and
// returns err.
func (j *Journal) cut(size int64, err error) error {
	if j.f.Truncate(size) != nil || syncData(j.f) != nil {
		j.bad = true
	}
	j.alloc = size
	return err
}

// Bad reports whether the journal needs compaction before it takes more.
func (j *Journal) Bad() bool { return j.bad }

// Len returns the number of entries in the journal.
func (j *Journal) Len() int { return j.entries }

// Size returns the length of the synced entries: where the next one goes.
func (j *Journal) Size() int64 { return j.size }

// Trim drops the entries in the first off bytes of the journal, which the
// zone's file holds now: the ones after them are written to a new file,
// synced, and renamed over the journal. A crash leaves the old journal or
// the new one; replaying either onto the new file gives the same zone,
// since entries the file holds already are skipped. Entries given to Write
// and not synced are an error.
func (j *Journal) Trim(off int64) error {
	if j.bad {
		return ErrJournalBad
	}
	if j.written > 0 || off > j.size || off < 0 {
		return fmt.Errorf("journal %s: trimming %d bytes of %d with %d entries not synced", j.path, off, j.size, j.written)
	}
	tail := make([]byte, j.size-off)
	if _, err := j.f.ReadAt(tail, off); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	tmp := j.path + ".trim"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	_, err = f.Write(tail)
	if err == nil {
		err = syncFile(f)
	}
	if err == nil {
		err = os.Rename(tmp, j.path)
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("journal %s: trimming: %w", j.path, err)
	}
	// The new file is the journal now, whatever follows.
	j.f.Close()
	j.f = f
	j.entries = bytes.Count(tail, []byte{'\n'})
	j.size, j.alloc = int64(len(tail)), int64(len(tail))
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		j.bad = true // the rename may not last: take no more until compaction replaces it
		return fmt.Errorf("journal %s: trimming: %w", j.path, err)
	}
	return nil
}

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
		b, err := r.Peek(1)
		if err == io.EOF || (err == nil && b[0] == 0) {
			return entries, whole, false, nil // the end, or the zeros that follow it
		}
		if err != nil {
			return entries, whole, false, fmt.Errorf("journal: %w", err)
		}
		line, err := r.ReadBytes('\n')
		e, ok := decodeEntry(line)
		if !ok {
			if zeroTail(r) {
				return entries, whole, true, nil // the last line: a torn write
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

// zeroTail reports whether r holds nothing more than zero bytes.
func zeroTail(r *bufio.Reader) bool {
	for {
		b, err := r.ReadByte()
		if err == io.EOF {
			return true
		}
		if err != nil || b != 0 {
			return false
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
