// Package history keeps the Git history of a zone store. The store
// directory is the work tree of a Git repository; every change to a zone
// becomes one commit, written from memory: the new file's blob, the root
// tree with that one entry replaced, the commit and the branch ref. Nothing
// scans the work tree, so a commit costs the same whatever the number of
// zones, apart from re-encoding the root tree.
//
// go-git (pure Go) is used rather than the git command: a commit is a few
// object writes in process, where spawning git for hash-object, mktree,
// commit-tree and update-ref would cost a process each and make the binary
// depend on git being installed. The package handles files as bytes: it
// never parses a zone, and knows nothing of the pipeline that changes them
// (plugin/gitlog makes the commits, plugin/gitops follows a remote).
package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Ignore is the .gitignore a new history starts with: the journals, the
// ACME leases and temporary files are the store's own business.
const Ignore = ".journal/\n.acme-leases.json\n.*.tmp-*\n"

// Author signs the commits.
type Author struct{ Name, Email string }

// Repo is the Git history of one store. Its methods are safe for
// concurrent use; they take turns.
type Repo struct {
	dir    string
	repo   *git.Repository
	branch plumbing.ReferenceName
	author Author

	mu      sync.Mutex
	head    plumbing.Hash        // zero until the first commit
	entries []object.TreeEntry   // HEAD's root tree, in Git's order
	pos     map[string]int       // the index of each name in entries
	obj     buffer               // where objects are encoded, reused
	held    bool                 // commits move the branch in memory only, until Release
	auth    transport.AuthMethod // the remote's credentials, see SetRemote
}

// Open opens the Git repository in dir, creating it (with a first commit
// holding Ignore) if there is none. Commits go to branch, which HEAD is set
// to.
func Open(dir, branch string, author Author) (*Repo, error) {
	r := &Repo{dir: dir, branch: plumbing.NewBranchReferenceName(branch), author: author, pos: map[string]int{}}
	repo, err := git.PlainOpen(dir)
	created := false
	if errors.Is(err, git.ErrRepositoryNotExists) {
		repo, err = git.PlainInitWithOptions(dir, &git.PlainInitOptions{InitOptions: git.InitOptions{DefaultBranch: r.branch}})
		created = true
	}
	if err != nil {
		return nil, fmt.Errorf("git %s: %w", dir, err)
	}
	r.repo = repo
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, r.branch)); err != nil {
		return nil, fmt.Errorf("git %s: %w", dir, err)
	}
	if err := r.readHead(); err != nil {
		return nil, err
	}
	if created {
		ignore := []byte(Ignore)
		if old, err := os.ReadFile(filepath.Join(dir, ".gitignore")); err == nil {
			ignore = old
		} else if err := os.WriteFile(filepath.Join(dir, ".gitignore"), ignore, 0o644); err != nil {
			return nil, err
		}
		if _, err := r.Commit(map[string][]byte{".gitignore": ignore}, "Start the history of this zone store", time.Now()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// readHead loads the branch's commit and its root tree.
func (r *Repo) readHead() error {
	r.head = plumbing.ZeroHash
	r.setEntries(nil)
	ref, err := r.repo.Storer.Reference(r.branch)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil // an unborn branch
	}
	if err != nil {
		return fmt.Errorf("git %s: %w", r.dir, err)
	}
	c, err := r.repo.CommitObject(ref.Hash())
	if err != nil {
		return fmt.Errorf("git %s: %s: %w", r.dir, r.branch, err)
	}
	t, err := c.Tree()
	if err != nil {
		return fmt.Errorf("git %s: %w", r.dir, err)
	}
	r.setEntries(t.Entries)
	r.head = c.Hash
	return nil
}

// setEntries makes entries (in Git's order) the tree of HEAD.
func (r *Repo) setEntries(entries []object.TreeEntry) {
	r.entries = entries
	r.pos = make(map[string]int, len(entries))
	for i, e := range entries {
		r.pos[e.Name] = i
	}
}

// entryMap returns HEAD's tree by name.
func (r *Repo) entryMap() map[string]object.TreeEntry {
	m := make(map[string]object.TreeEntry, len(r.entries))
	for _, e := range r.entries {
		m[e.Name] = e
	}
	return m
}

// sorted returns the entries of m in Git's order.
func sorted(m map[string]object.TreeEntry) []object.TreeEntry {
	out := make([]object.TreeEntry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sort.Sort(object.TreeEntrySorter(out))
	return out
}

// Head returns the branch's commit; zero before the first.
func (r *Repo) Head() plumbing.Hash {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.head
}

// Branch returns the branch name commits go to.
func (r *Repo) Branch() string { return r.branch.Short() }

// Blob returns the blob of file name at HEAD, and whether there is one.
func (r *Repo) Blob(name string) (plumbing.Hash, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.pos[name]
	if !ok {
		return plumbing.ZeroHash, false
	}
	return r.entries[i].Hash, true
}

// Names returns the names of the files at HEAD's top level.
func (r *Repo) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.entries))
	for _, e := range r.entries {
		if e.Mode.IsFile() {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out
}

// BlobHash is the Git object id of a file holding data.
func BlobHash(data []byte) plumbing.Hash { return plumbing.ComputeHash(plumbing.BlobObject, data) }

// Commit makes one commit on the branch in which each named top-level file
// holds the given bytes, or is removed when they are nil. A change that
// changes no file makes no commit and returns the zero hash.
func (r *Repo) Commit(files map[string][]byte, msg string, when time.Time) (plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// The usual change replaces the blob of a file the tree has: the tree
	// is updated in place (and put back if the commit fails). A file added
	// or removed rebuilds it.
	type undo struct {
		i int
		e object.TreeEntry
	}
	var undos []undo
	var rebuilt map[string]object.TreeEntry
	for name, data := range files {
		i, had := r.pos[name]
		if data == nil {
			if had {
				if rebuilt == nil {
					rebuilt = r.entryMap()
				}
				delete(rebuilt, name)
			}
			continue
		}
		h := BlobHash(data)
		if had && r.entries[i].Hash == h && r.entries[i].Mode == filemode.Regular {
			continue
		}
		if _, err := r.writeObject(plumbing.BlobObject, data); err != nil {
			return plumbing.ZeroHash, err
		}
		e := object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
		if had {
			undos = append(undos, undo{i, r.entries[i]})
			r.entries[i] = e
			continue
		}
		if rebuilt == nil {
			rebuilt = r.entryMap()
		}
		rebuilt[name] = e
	}
	entries := r.entries
	if rebuilt != nil {
		for _, u := range undos { // the rebuilt map was taken before or after them
			rebuilt[u.e.Name] = r.entries[u.i]
		}
		entries = sorted(rebuilt)
	}
	if rebuilt == nil && len(undos) == 0 {
		return plumbing.ZeroHash, nil
	}
	h, err := r.commitTree(entries, msg, when, r.head)
	if err != nil {
		for _, u := range undos {
			r.entries[u.i] = u.e
		}
		return plumbing.ZeroHash, err
	}
	r.head = h
	if rebuilt != nil {
		r.setEntries(entries)
	}
	return h, nil
}

// commitTree writes the tree of entries and a commit of it on the given
// parents, then moves the branch to it.
func (r *Repo) commitTree(entries []object.TreeEntry, msg string, when time.Time, parents ...plumbing.Hash) (plumbing.Hash, error) {
	treeHash, err := r.encode(&object.Tree{Entries: entries})
	if err != nil {
		return plumbing.ZeroHash, err
	}
	sig := object.Signature{Name: r.author.Name, Email: r.author.Email, When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: treeHash}
	for _, p := range parents {
		if !p.IsZero() {
			c.ParentHashes = append(c.ParentHashes, p)
		}
	}
	h, err := r.encode(c)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if r.held {
		return h, nil
	}
	return h, r.setBranch(h)
}

// Hold makes the commits that follow move the branch in memory only; a
// batch of commits then writes the ref once, at Release. A crash in between
// leaves the branch at the last commit written; zoneapi's startup commits
// the difference.
func (r *Repo) Hold() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = true
}

// Release writes the branch ref once after Hold.
func (r *Repo) Release() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.held = false
	if r.head.IsZero() {
		return nil
	}
	return r.setBranch(r.head)
}

type encoder interface {
	Encode(plumbing.EncodedObject) error
}

func (r *Repo) encode(o encoder) (plumbing.Hash, error) {
	r.obj.reset()
	if err := o.Encode(&r.obj); err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := r.repo.Storer.SetEncodedObject(&r.obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git %s: %w", r.dir, err)
	}
	return h, nil
}

func (r *Repo) writeObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	r.obj.reset()
	r.obj.typ = t
	r.obj.buf.Write(data)
	h, err := r.repo.Storer.SetEncodedObject(&r.obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git %s: %w", r.dir, err)
	}
	return h, nil
}

// setBranch points the branch at h with an atomic rename, so that a crash
// never leaves the ref empty (go-git truncates the ref file in place).
func (r *Repo) setBranch(h plumbing.Hash) error {
	path := filepath.Join(r.dir, ".git", filepath.FromSlash(r.branch.String()))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return r.writeAtomic(path, []byte(h.String()+"\n"))
}

// WriteIndex makes the index match HEAD, so that `git status` in the store
// shows what differs from the last commit (stat data is left empty: git
// hashes the files and refreshes it). It is written with a rename.
func (r *Repo) WriteIndex() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	idx := &index.Index{Version: 2}
	if !r.head.IsZero() {
		c, err := r.repo.CommitObject(r.head)
		if err != nil {
			return err
		}
		t, err := c.Tree()
		if err != nil {
			return err
		}
		w := object.NewTreeWalker(t, true, nil)
		defer w.Close()
		for {
			name, e, err := w.Next()
			if err != nil {
				break
			}
			if e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
				continue
			}
			idx.Entries = append(idx.Entries, &index.Entry{Name: name, Hash: e.Hash, Mode: e.Mode})
		}
		sort.Slice(idx.Entries, func(i, j int) bool { return idx.Entries[i].Name < idx.Entries[j].Name })
	}
	var buf bytes.Buffer
	if err := index.NewEncoder(&buf).Encode(idx); err != nil {
		return err
	}
	return r.writeAtomic(filepath.Join(r.dir, ".git", "index"), buf.Bytes())
}

// writeAtomic replaces a file of the repository with a rename, so that a
// crash leaves the old or the new one, never a torn one.
func (r *Repo) writeAtomic(path string, data []byte) error {
	tmp := path + ".lock"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("git %s: %w", r.dir, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("git %s: %w", r.dir, err)
	}
	return nil
}

// Revision is one commit that changed a file.
type Revision struct {
	ID      string
	Parent  string // the first parent; "" for the first commit
	Time    time.Time
	Author  string // "Name <email>"
	Subject string
	Body    string            // the message after the subject line
	Trailer map[string]string // "Key: value" lines of the message's last paragraph
}

func revisionOf(c *object.Commit) Revision {
	subject, body, _ := strings.Cut(strings.TrimRight(c.Message, "\n"), "\n")
	rev := Revision{ID: c.Hash.String(), Time: c.Author.When.UTC(), Author: fmt.Sprintf("%s <%s>", c.Author.Name, c.Author.Email),
		Subject: subject, Body: strings.TrimSpace(body)}
	if len(c.ParentHashes) > 0 {
		rev.Parent = c.ParentHashes[0].String()
	}
	paras := strings.Split(rev.Body, "\n\n")
	last := paras[len(paras)-1]
	for _, line := range strings.Split(last, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return rev // not a trailer paragraph
		}
		if rev.Trailer == nil {
			rev.Trailer = map[string]string{}
		}
		rev.Trailer[k] = v
	}
	return rev
}

// ErrUnknownRevision is returned for a revision id that names no commit.
var ErrUnknownRevision = errors.New("unknown revision")

// commit returns the commit id names: 4 to 40 hex digits.
func (r *Repo) commit(id string) (*object.Commit, error) {
	if len(id) < 4 || len(id) > 40 || strings.Trim(strings.ToLower(id), "0123456789abcdef") != "" {
		return nil, fmt.Errorf("%q: %w", id, ErrUnknownRevision)
	}
	var h plumbing.Hash
	if len(id) == 40 {
		h = plumbing.NewHash(id)
	} else {
		p, err := r.repo.ResolveRevision(plumbing.Revision(strings.ToLower(id)))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", id, ErrUnknownRevision)
		}
		h = *p
	}
	c, err := r.repo.CommitObject(h)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", id, ErrUnknownRevision)
	}
	return c, nil
}

// entry returns the hash of file name in commit c's root tree.
func entry(c *object.Commit, name string) (plumbing.Hash, error) {
	t, err := c.Tree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	e, err := t.FindEntry(name)
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}

// Touched tells, from a revision's message alone, the one file it
// changed; ok is false when the message does not say (the trees are then
// compared). It makes a log of a file that rarely changes, in a long
// history of changes to other files, read commits instead of trees.
type Touched func(Revision) (file string, ok bool)

// Log returns up to limit revisions that changed file name, newest first,
// following first parents from the commit before (HEAD when empty). It
// looks at no more than scan commits; next is where to go on from, "" once
// the history is exhausted. touched may be nil.
func (r *Repo) Log(name, before string, limit, scan int, touched Touched) (revs []Revision, next string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var c *object.Commit
	switch {
	case before != "":
		if c, err = r.commit(before); err != nil {
			return nil, "", err
		}
	case r.head.IsZero():
		return nil, "", nil
	default:
		if c, err = r.repo.CommitObject(r.head); err != nil {
			return nil, "", err
		}
	}
	for i := 0; c != nil; i++ {
		if len(revs) == limit || i == scan {
			return revs, c.Hash.String(), nil
		}
		var parent *object.Commit
		if len(c.ParentHashes) > 0 {
			if parent, err = r.repo.CommitObject(c.ParentHashes[0]); err != nil {
				return nil, "", err
			}
		}
		rev := revisionOf(c)
		changed := false
		if file, ok := touchedBy(touched, rev, len(c.ParentHashes)); ok {
			changed = file == name
		} else if changed, err = r.changes(c, parent, name); err != nil {
			return nil, "", err
		}
		if changed {
			revs = append(revs, rev)
		}
		c = parent
	}
	return revs, "", nil
}

// touchedBy asks touched about a commit with one parent; a merge or a
// root commit always has its trees compared.
func touchedBy(touched Touched, rev Revision, parents int) (string, bool) {
	if touched == nil || parents != 1 {
		return "", false
	}
	return touched(rev)
}

// changes reports whether commit c changed file name from its parent.
func (r *Repo) changes(c, parent *object.Commit, name string) (bool, error) {
	cur, err := entry(c, name)
	if err != nil {
		return false, err
	}
	prev := plumbing.ZeroHash
	if parent != nil {
		if prev, err = entry(parent, name); err != nil {
			return false, err
		}
	}
	return prev != cur, nil
}

// Show returns revision id and the file name before and after it (nil
// where it did not exist).
func (r *Repo) Show(id, name string) (rev Revision, before, after []byte, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.commit(id)
	if err != nil {
		return rev, nil, nil, err
	}
	if after, err = r.fileAt(c, name); err != nil {
		return rev, nil, nil, err
	}
	if len(c.ParentHashes) > 0 {
		p, err := r.repo.CommitObject(c.ParentHashes[0])
		if err != nil {
			return rev, nil, nil, err
		}
		if before, err = r.fileAt(p, name); err != nil {
			return rev, nil, nil, err
		}
	}
	return revisionOf(c), before, after, nil
}

func (r *Repo) fileAt(c *object.Commit, name string) ([]byte, error) {
	h, err := entry(c, name)
	if err != nil || h.IsZero() {
		return nil, err
	}
	return r.readBlob(h)
}

// readBlob returns the bytes of blob h. r.mu is held.
func (r *Repo) readBlob(h plumbing.Hash) ([]byte, error) {
	b, err := r.repo.BlobObject(h)
	if err != nil {
		return nil, err
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rd)
	return buf.Bytes(), err
}

// buffer is a plumbing.EncodedObject whose bytes are reused from one
// object to the next, so that a commit allocates no copy of the root tree.
type buffer struct {
	typ plumbing.ObjectType
	buf bytes.Buffer
}

func (b *buffer) reset()                        { b.typ = plumbing.InvalidObject; b.buf.Reset() }
func (b *buffer) Hash() plumbing.Hash           { return plumbing.ComputeHash(b.typ, b.buf.Bytes()) }
func (b *buffer) Type() plumbing.ObjectType     { return b.typ }
func (b *buffer) SetType(t plumbing.ObjectType) { b.typ = t }
func (b *buffer) Size() int64                   { return int64(b.buf.Len()) }
func (b *buffer) SetSize(int64)                 {}
func (b *buffer) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.buf.Bytes())), nil
}
func (b *buffer) Writer() (io.WriteCloser, error) {
	return nopWriteCloser{&b.buf}, nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
