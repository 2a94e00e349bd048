// Package history keeps the Git history of a zone store. The store
// directory is the work tree of a Git repository; every change to a zone
// becomes one commit, written from memory: the new file's blob, the root
// tree with that one entry replaced, the commit and the branch ref. Nothing
// scans the work tree, so a commit costs the same whatever the number of
// zones, apart from re-encoding the root tree (about 60 bytes a zone).
//
// go-git (pure Go) is used rather than the git command: a commit is a few
// hundred microseconds in process, where spawning git for hash-object,
// mktree, commit-tree and update-ref would cost milliseconds and make the
// binary depend on git being installed.
package history

import (
	"bytes"
	"errors"
	"fmt"
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

	mu    sync.Mutex
	head  plumbing.Hash               // zero until the first commit
	files map[string]object.TreeEntry // HEAD's root tree, by name
}

// Open opens the Git repository in dir, creating it (with a first commit
// holding Ignore) if there is none. Commits go to branch, which HEAD is set
// to.
func Open(dir, branch string, author Author) (*Repo, error) {
	r := &Repo{dir: dir, branch: plumbing.NewBranchReferenceName(branch), author: author, files: map[string]object.TreeEntry{}}
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
	r.head, r.files = plumbing.ZeroHash, map[string]object.TreeEntry{}
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
	for _, e := range t.Entries {
		r.files[e.Name] = e
	}
	r.head = c.Hash
	return nil
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
	e, ok := r.files[name]
	return e.Hash, ok
}

// Names returns the names of the files at HEAD's top level.
func (r *Repo) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.files))
	for n, e := range r.files {
		if e.Mode.IsFile() {
			out = append(out, n)
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
	next := make(map[string]object.TreeEntry, len(r.files)+len(files))
	for n, e := range r.files {
		next[n] = e
	}
	changed := false
	for name, data := range files {
		old, had := next[name]
		if data == nil {
			if had {
				delete(next, name)
				changed = true
			}
			continue
		}
		h := BlobHash(data)
		if had && old.Hash == h && old.Mode == filemode.Regular {
			continue
		}
		if _, err := r.writeObject(plumbing.BlobObject, data); err != nil {
			return plumbing.ZeroHash, err
		}
		next[name] = object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h}
		changed = true
	}
	if !changed {
		return plumbing.ZeroHash, nil
	}
	h, err := r.commitTree(next, msg, when, r.head)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	r.head, r.files = h, next
	return h, nil
}

// commitTree writes the tree of entries and a commit of it on the given
// parents, then moves the branch to it.
func (r *Repo) commitTree(entries map[string]object.TreeEntry, msg string, when time.Time, parents ...plumbing.Hash) (plumbing.Hash, error) {
	tree := &object.Tree{Entries: make([]object.TreeEntry, 0, len(entries))}
	for _, e := range entries {
		tree.Entries = append(tree.Entries, e)
	}
	sort.Sort(object.TreeEntrySorter(tree.Entries))
	treeHash, err := r.encode(tree)
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
	return h, r.setBranch(h)
}

type encoder interface {
	Encode(plumbing.EncodedObject) error
}

func (r *Repo) encode(o encoder) (plumbing.Hash, error) {
	obj := r.repo.Storer.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := r.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("git %s: %w", r.dir, err)
	}
	return h, nil
}

func (r *Repo) writeObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	obj := r.repo.Storer.NewEncodedObject()
	obj.SetType(t)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	w.Close()
	h, err := r.repo.Storer.SetEncodedObject(obj)
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

// Log returns up to limit revisions that changed file name, newest first,
// following first parents from the commit before (HEAD when empty). It
// looks at no more than scan commits; next is where to go on from, "" once
// the history is exhausted.
func (r *Repo) Log(name, before string, limit, scan int) (revs []Revision, next string, err error) {
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
	cur, err := entry(c, name)
	if err != nil {
		return nil, "", err
	}
	for i := 0; c != nil; i++ {
		if len(revs) == limit || i == scan {
			return revs, c.Hash.String(), nil
		}
		var parent *object.Commit
		prev := plumbing.ZeroHash
		if len(c.ParentHashes) > 0 {
			if parent, err = r.repo.CommitObject(c.ParentHashes[0]); err != nil {
				return nil, "", err
			}
			if prev, err = entry(parent, name); err != nil {
				return nil, "", err
			}
		}
		if prev != cur {
			revs = append(revs, revisionOf(c))
		}
		c, cur = parent, prev
	}
	return revs, "", nil
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
