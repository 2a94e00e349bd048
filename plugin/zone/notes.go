package zone

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Notes are a zone's annotations: small named strings that travel with the
// zone (in its file as ";@note" comment lines, in its journal and in its Git
// history) and are never served. An API that needs state of its own per
// zone keeps it there, so that it is changed, made durable and versioned
// with the records it describes: the Hetzner API keeps a zone's id, labels
// and protection and its records' comments in notes.
//
// A key is a non-empty word of printable ASCII without spaces; a value is
// one line of text.

// ErrBadNote is returned for a note whose key or value cannot be written.
var ErrBadNote = errors.New("a note's key is one word of printable ASCII and its value one line")

// noteSet is a zone's notes. The zones that a change of records alone
// makes from one another share it, and with it the sorted keys, made once
// (a zone's file writes its notes in order on every commit).
type noteSet struct {
	m    map[string]string
	once sync.Once
	keys []string
}

// Note returns the value of the note key, if the zone has it.
func (z *Zone) Note(key string) (string, bool) {
	if z.notes == nil {
		return "", false
	}
	v, ok := z.notes.m[key]
	return v, ok
}

// Notes returns the number of the zone's notes.
func (z *Zone) Notes() int {
	if z.notes == nil {
		return 0
	}
	return len(z.notes.m)
}

// NoteKeys returns the keys of the zone's notes in sorted order. The caller
// must not modify them.
func (z *Zone) NoteKeys() []string {
	if z.notes == nil {
		return nil
	}
	z.notes.once.Do(func() { z.notes.keys = slices.Sorted(maps.Keys(z.notes.m)) })
	return z.notes.keys
}

// committedNotes is the note set of the zone the Txn commits: the one it
// started from, unless it changed a note.
func (t *Txn) committedNotes() *noteSet {
	if !t.notesOwned {
		return t.base
	}
	if len(t.notes) == 0 {
		return nil
	}
	return &noteSet{m: t.notes}
}

// Note returns the value of the note key in the zone being built.
func (t *Txn) Note(key string) (string, bool) {
	v, ok := t.notes[key]
	return v, ok
}

// NoteKeys returns the keys of the notes of the zone being built, sorted.
func (t *Txn) NoteKeys() []string { return slices.Sorted(maps.Keys(t.notes)) }

// SetNote sets the note key to value.
func (t *Txn) SetNote(key, value string) error {
	if !validNoteKey(key) || strings.ContainsAny(value, "\r\n") {
		return ErrBadNote
	}
	if old, ok := t.notes[key]; ok && old == value {
		return nil
	}
	t.ownNotes()
	t.notes[key] = value
	t.noteTouched(key)
	return nil
}

// DeleteNote removes the note key, if there is one.
func (t *Txn) DeleteNote(key string) {
	if _, ok := t.notes[key]; !ok {
		return
	}
	t.ownNotes()
	delete(t.notes, key)
	t.noteTouched(key)
}

// NotesTouched returns the keys of the notes this Txn set or deleted, sorted.
func (t *Txn) NotesTouched() []string { return slices.Sorted(maps.Keys(t.notesTouched)) }

// ownNotes gives the Txn a map of its own: the zone it started from shares
// its map until the first write.
func (t *Txn) ownNotes() {
	if t.notesOwned {
		return
	}
	t.notes = maps.Clone(t.notes)
	if t.notes == nil {
		t.notes = map[string]string{}
	}
	t.notesOwned = true
}

func (t *Txn) noteTouched(key string) {
	if t.notesTouched == nil {
		t.notesTouched = map[string]struct{}{}
	}
	t.notesTouched[key] = struct{}{}
}

func validNoteKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return false
		}
	}
	return true
}

// mapOf is the set's map; nil for no set.
func (s *noteSet) mapOf() map[string]string {
	if s == nil {
		return nil
	}
	return s.m
}
