package history

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// remoteName is the remote GitOps pulls from and pushes to.
const remoteName = "origin"

// SetRemote makes url the repository's origin. Credentials in an http(s)
// URL (https://user:token@host/...) are kept in memory for fetch and push,
// and never written to .git/config.
func (r *Repo) SetRemote(raw string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	url, auth := splitCredentials(raw)
	r.auth = auth
	if rem, err := r.repo.Remote(remoteName); err == nil {
		if urls := rem.Config().URLs; len(urls) == 1 && urls[0] == url {
			return nil
		}
		if err := r.repo.DeleteRemote(remoteName); err != nil {
			return err
		}
	}
	_, err := r.repo.CreateRemote(&config.RemoteConfig{Name: remoteName, URLs: []string{url}})
	return err
}

func (r *Repo) remoteRef() plumbing.ReferenceName {
	return plumbing.NewRemoteReferenceName(remoteName, r.branch.Short())
}

// ErrNoRemoteBranch is returned by Fetch when the remote repository is
// empty or lacks the branch: a first push creates it.
var ErrNoRemoteBranch = errors.New("the remote has no such branch yet")

// Fetch fetches the branch from origin and returns its commit.
func (r *Repo) Fetch(ctx context.Context) (plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	spec := config.RefSpec(fmt.Sprintf("+%s:%s", r.branch, r.remoteRef()))
	err := r.repo.FetchContext(ctx, &git.FetchOptions{RemoteName: remoteName, RefSpecs: []config.RefSpec{spec}, Tags: git.NoTags, Auth: r.auth})
	if errors.Is(err, transport.ErrEmptyRemoteRepository) || errors.Is(err, git.NoMatchingRefSpecError{}) {
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", r.branch.Short(), ErrNoRemoteBranch)
	}
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return plumbing.ZeroHash, err
	}
	ref, err := r.repo.Storer.Reference(r.remoteRef())
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s has no branch %s: %w", remoteName, r.branch.Short(), err)
	}
	return ref.Hash(), nil
}

// Push pushes the branch to origin; a remote that has commits the branch
// does not is refused by the remote (no force).
func (r *Repo) Push(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	spec := config.RefSpec(fmt.Sprintf("%s:%s", r.branch, r.branch))
	err := r.repo.PushContext(ctx, &git.PushOptions{RemoteName: remoteName, RefSpecs: []config.RefSpec{spec}, Auth: r.auth})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	if err == nil {
		// Record what the remote now has, as a fetch would.
		err = r.repo.Storer.SetReference(plumbing.NewHashReference(r.remoteRef(), r.head))
	}
	return err
}

// Relation is how the branch and another commit relate.
type Relation struct {
	Base          plumbing.Hash // their merge base; zero when they share no history
	Ahead, Behind int           // first-parent commits from the base to each
}

// Compare relates the branch's head to other.
func (r *Repo) Compare(other plumbing.Hash) (Relation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if other == r.head {
		return Relation{Base: other}, nil
	}
	if r.head.IsZero() {
		n, err := r.distance(other, plumbing.ZeroHash)
		return Relation{Behind: n}, err
	}
	a, err := r.repo.CommitObject(r.head)
	if err != nil {
		return Relation{}, err
	}
	b, err := r.repo.CommitObject(other)
	if err != nil {
		return Relation{}, err
	}
	bases, err := a.MergeBase(b)
	if err != nil {
		return Relation{}, err
	}
	rel := Relation{}
	if len(bases) > 0 {
		rel.Base = bases[0].Hash
	}
	if rel.Ahead, err = r.distance(r.head, rel.Base); err != nil {
		return rel, err
	}
	rel.Behind, err = r.distance(other, rel.Base)
	return rel, err
}

// distance counts first-parent commits from h back to base.
func (r *Repo) distance(h, base plumbing.Hash) (int, error) {
	n := 0
	for h != base && !h.IsZero() {
		c, err := r.repo.CommitObject(h)
		if err != nil {
			return n, err
		}
		n++
		h = plumbing.ZeroHash
		if len(c.ParentHashes) > 0 {
			h = c.ParentHashes[0]
		}
	}
	return n, nil
}

// Tree returns the top-level entries of commit h (none for zero).
func (r *Repo) Tree(h plumbing.Hash) (map[string]object.TreeEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]object.TreeEntry{}
	if h.IsZero() {
		return out, nil
	}
	c, err := r.repo.CommitObject(h)
	if err != nil {
		return nil, err
	}
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		out[e.Name] = e
	}
	return out, nil
}

// ReadBlob returns the bytes of blob h.
func (r *Repo) ReadBlob(h plumbing.Hash) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.readBlob(h)
}

// Advance moves the branch forward to h, a descendant of its head.
func (r *Repo) Advance(h plumbing.Hash) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.setBranch(h); err != nil {
		return err
	}
	return r.readHead()
}

// Merge commits entries as the merge of the branch's head and other.
func (r *Repo) Merge(other plumbing.Hash, entries map[string]object.TreeEntry, msg string, when time.Time) (plumbing.Hash, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.commitTree(sorted(entries), msg, when, r.head, other)
	if err != nil {
		return h, err
	}
	return h, r.readHead()
}

// splitCredentials returns an http(s) URL without its user and password,
// and those as the auth of fetch and push.
func splitCredentials(raw string) (string, transport.AuthMethod) {
	u, err := neturl.Parse(raw)
	if err != nil || u.User == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return raw, nil
	}
	password, _ := u.User.Password()
	auth := &githttp.BasicAuth{Username: u.User.Username(), Password: password}
	u.User = nil
	return u.String(), auth
}

// Public returns a remote URL as it may be shown and logged: without the
// credentials of an http(s) URL.
func Public(raw string) string {
	url, _ := splitCredentials(raw)
	return url
}
