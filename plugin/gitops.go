package zoneapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// GitOps: with git { remote URL; pull INTERVAL; push }, the store follows
// a branch of a remote repository. A pull fetches the branch; when the
// server has no commits of its own since, it fast-forwards, and when it has
// (API changes), it merges, provided the two sides changed different files.
// Every zone file that changes is parsed and checked first, and all of them
// are served at once, in one snapshot swap; one invalid file refuses the
// whole pull and nothing changes. A remote that changed a file the server
// changed too is a divergence: it is reported and nothing is overwritten.
// With push, the server pushes its commits (never forcing).

// pullTimeout bounds one fetch or push.
const pullTimeout = time.Minute

type gitops struct {
	cfg  *gitConfig
	mu   sync.Mutex    // one pull or push at a time
	kick chan struct{} // commits were made: push them

	statusMu sync.Mutex
	status   api.GitRemoteStatus
}

// pullError is a refused pull: its code, its file and line, for the
// status, the log and the API.
type pullError struct {
	code string
	err  error
}

func (e *pullError) Error() string { return e.err.Error() }
func (e *pullError) Unwrap() error { return e.err }

func (e *pullError) problem() *problem {
	p := &problem{status: http.StatusConflict, code: e.code, title: "Pull refused", detail: e.err.Error()}
	switch e.code {
	case "invalid-zone-file":
		p.title, p.hint = "Invalid zone file", "Fix the file in the remote repository and push again; the zones are served as before."
		var fe *store.FileError
		if errors.As(e.err, &fe) {
			p.file, p.line = fe.File, fe.Line
		}
	case "diverged":
		p.hint = "The server and the remote both changed these zones: merge the server's branch (pushed with push, or read from the store) into the remote and push again."
	case "fetch-failed":
		p.status, p.title, p.hint = http.StatusBadGateway, "Fetch failed", "Check the remote's URL and credentials; the zones are served as before."
	case "push-failed":
		p.title, p.hint = "Push failed", "The remote has commits the server does not: pull first."
	}
	return p
}

// startGitOps starts pulling and pushing, once the history is open.
func (st *state) startGitOps(cfg *gitConfig) error {
	if cfg.remote == "" {
		return nil
	}
	if err := st.git.repo.SetRemote(cfg.remote); err != nil {
		return fmt.Errorf("git remote %s: %w", history.Public(cfg.remote), err)
	}
	g := &gitops{cfg: cfg, kick: make(chan struct{}, 1)}
	g.status = api.GitRemoteStatus{Url: history.Public(cfg.remote), Push: cfg.push}
	if cfg.pull > 0 {
		g.status.PullIntervalSeconds = ptr(int(cfg.pull / time.Second))
	}
	st.gitops = g
	if cfg.push {
		st.git.mu.Lock()
		st.git.onCommit = func() {
			select {
			case g.kick <- struct{}{}:
			default:
			}
		}
		st.git.mu.Unlock()
	}
	go st.gitopsLoop(st.stop)
	return nil
}

func (st *state) gitopsLoop(stop <-chan struct{}) {
	g := st.gitops
	var tick <-chan time.Time
	if g.cfg.pull > 0 {
		t := time.NewTicker(g.cfg.pull)
		defer t.Stop()
		tick = t.C
		st.pull(why{op: "pull", token: "gitops"}) // at once, then at every tick
	}
	for {
		select {
		case <-stop:
			return
		case <-tick:
			st.pull(why{op: "pull", token: "gitops"})
		case <-g.kick:
			st.push()
		}
	}
}

func (g *gitops) setStatus(fn func(s *api.GitRemoteStatus)) {
	g.statusMu.Lock()
	defer g.statusMu.Unlock()
	fn(&g.status)
}

// fail records a refused or failed pull or push.
func (st *state) gitFail(code string, err error) *pullError {
	pe := &pullError{code: code, err: err}
	gitPullErrors.Inc()
	log.Errorf("git: %s: %v", code, err)
	st.gitops.setStatus(func(s *api.GitRemoteStatus) { s.Error, s.ErrorCode = ptr(err.Error()), ptr(code) })
	return pe
}

// push pushes the branch, if push is on and the remote lacks commits.
func (st *state) push() error {
	g := st.gitops
	if !g.cfg.push {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	defer cancel()
	if err := st.git.repo.Push(ctx); err != nil {
		return st.gitFail("push-failed", err)
	}
	g.setStatus(func(s *api.GitRemoteStatus) {
		s.Ahead, s.RemoteHead = ptr(0), ptr(st.git.repo.Head().String())
		if s.ErrorCode != nil && *s.ErrorCode == "push-failed" {
			s.Error, s.ErrorCode = nil, nil
		}
	})
	return nil
}

// pull fetches the remote branch and applies it; see the top of the file.
func (st *state) pull(w why) error {
	g := st.gitops
	g.mu.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	remote, err := st.git.repo.Fetch(ctx)
	cancel()
	now := time.Now().UTC()
	g.setStatus(func(s *api.GitRemoteStatus) { s.LastPullAt = &now })
	if errors.Is(err, history.ErrNoRemoteBranch) && g.cfg.push {
		// An empty remote: the first push gives it the server's branch.
		g.mu.Unlock()
		log.Infof("git: %s has no branch %s yet; pushing the store's", history.Public(g.cfg.remote), st.git.repo.Branch())
		if err := st.push(); err != nil {
			return err
		}
		g.setStatus(func(s *api.GitRemoteStatus) { s.Error, s.ErrorCode = nil, nil })
		return nil
	}
	if err != nil {
		g.mu.Unlock()
		return st.gitFail("fetch-failed", err)
	}
	g.setStatus(func(s *api.GitRemoteStatus) { s.RemoteHead = ptr(remote.String()) })
	applied, err := st.merge(w, remote)
	g.mu.Unlock()
	if err != nil {
		return err
	}
	g.setStatus(func(s *api.GitRemoteStatus) {
		s.Error, s.ErrorCode = nil, nil
		if applied {
			s.LastAppliedAt = &now
		}
	})
	return st.push()
}

// merge brings the branch up to remote and serves the zones that changed.
// It reports whether any did.
func (st *state) merge(w why, remote plumbing.Hash) (bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.git.flush() // every acknowledged change is committed
	repo := st.git.repo
	rel, err := repo.Compare(remote)
	if err != nil {
		return false, st.gitFail("fetch-failed", err)
	}
	st.gitops.setStatus(func(s *api.GitRemoteStatus) { s.Ahead, s.Behind = ptr(rel.Ahead), ptr(rel.Behind) })
	if rel.Behind == 0 {
		return false, nil // nothing new
	}
	local, err := repo.Tree(repo.Head())
	if err != nil {
		return false, err
	}
	target, err := repo.Tree(remote)
	if err != nil {
		return false, err
	}
	if rel.Ahead > 0 { // both moved: take the remote's tree plus the server's own changes
		base, err := repo.Tree(rel.Base)
		if err != nil {
			return false, err
		}
		var conflicts []string
		for _, name := range changedNames(base, local) {
			if entryOf(base, name) != entryOf(target, name) && entryOf(local, name) != entryOf(target, name) {
				if strings.HasSuffix(name, store.Ext) {
					conflicts = append(conflicts, name)
				}
				continue // a file that is not a zone (.gitignore, a README): the remote's wins
			}
			if e, ok := local[name]; ok {
				target[name] = e
			} else {
				delete(target, name)
			}
		}
		if len(conflicts) > 0 {
			return false, st.gitFail("diverged", fmt.Errorf("the server and %s both changed %s since %s; nothing was applied",
				history.Public(st.gitops.cfg.remote), strings.Join(conflicts, ", "), rel.Base.String()[:12]))
		}
	}
	zones, err := st.readZones(repo, local, target)
	if err != nil {
		return false, st.gitFail("invalid-zone-file", err)
	}
	raised, err := st.serve(zones)
	if err != nil {
		return false, st.gitFail("store-failed", err)
	}
	if rel.Ahead == 0 {
		err = repo.Advance(remote)
	} else {
		_, err = repo.Merge(remote, target, fmt.Sprintf("Merge %s of %s\n\nOperation: %s\n", repo.Branch(), history.Public(st.gitops.cfg.remote), w.op), time.Now())
	}
	if err == nil && len(raised) > 0 {
		_, err = repo.Commit(raised, fmt.Sprintf("pull: serials raised above those served (%d zones)\n\nRFC 1982: a secondary must never see a zone's serial go backwards.\n\nOperation: %s\n", len(raised), w.op), time.Now())
	}
	if err == nil {
		err = repo.WriteIndex()
	}
	if err != nil {
		log.Errorf("git: pull applied, but the branch could not be moved: %v; the next start commits the difference", err)
	}
	gitPulls.Inc()
	names := make([]string, 0, len(zones))
	for _, z := range zones {
		names = append(names, trimDot(z.origin))
	}
	log.Infof("audit token=%s op=%s head=%s zones=%s", w.token, w.op, remote.String()[:12], strings.Join(names, ","))
	return true, nil
}

// pulled is a zone as a pull leaves it: z nil when its file is gone.
type pulled struct {
	origin string
	name   string
	z      *zone.Zone
	data   []byte
}

// readZones parses every zone file that differs between two trees. One
// that does not parse refuses them all.
func (st *state) readZones(repo interface {
	ReadBlob(plumbing.Hash) ([]byte, error)
}, from, to map[string]object.TreeEntry) ([]pulled, error) {
	var out []pulled
	for _, name := range changedNames(from, to) {
		if !strings.HasSuffix(name, store.Ext) {
			continue // not a zone: it only goes into the tree
		}
		origin, err := store.Origin(name)
		if err != nil {
			return nil, &store.FileError{File: name, Err: err}
		}
		p := pulled{origin: origin, name: name}
		if e, ok := to[name]; ok && e.Mode.IsFile() {
			if p.data, err = repo.ReadBlob(e.Hash); err != nil {
				return nil, err
			}
			if p.z, _, err = store.Read(bytes.NewReader(p.data), name, origin, store.Options{MaxRecords: st.maxRecords}); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// serve writes the pulled zones to the store and publishes them in one
// swap. A zone whose serial is not above the one served gets one above it;
// their files are returned, to be committed. st.mu is held.
func (st *state) serve(zones []pulled) (map[string][]byte, error) {
	set := st.zones.Load()
	raised := map[string][]byte{}
	for i, p := range zones {
		cur, ok := set.Get(p.origin)
		if p.z == nil || !ok || serialGreater(p.z.Serial(), cur.Serial()) {
			continue
		}
		tx := p.z.Txn()
		if err := bumpSerial(tx, cur.Serial()); err != nil {
			return nil, err
		}
		z, err := tx.Commit()
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := store.Format(&buf, z); err != nil {
			return nil, err
		}
		zones[i].z, zones[i].data = z, buf.Bytes()
		raised[p.name] = zones[i].data
	}
	var written []pulled
	for _, p := range zones {
		var err error
		if p.z == nil {
			err = store.RemoveFile(st.dir, p.origin)
		} else {
			data := p.data
			err = store.WriteAtomic(st.dir, p.name, func(w io.Writer) error { _, err := w.Write(data); return err })
		}
		if err != nil {
			st.restore(written)
			return nil, err
		}
		written = append(written, p)
	}
	delta := 0
	for _, p := range zones {
		if cur, ok := set.Get(p.origin); ok {
			delta -= cur.Len()
			st.removeJournal(p.origin) // its changes are committed, and in the pulled file
		}
		if p.z == nil {
			set = set.Without(p.origin)
			delete(st.written, p.origin)
		} else {
			set = set.With(p.z)
			delta += p.z.Len()
			st.written[p.origin] = stampOf(st.zonePath(p.origin))
		}
	}
	st.publish(set, delta)
	for _, p := range zones {
		st.dropIDs(p.origin)
		st.forget(p.origin)
		st.changed(p.origin)
	}
	return raised, nil
}

// restore puts back the files of zones a failed pull had already written.
func (st *state) restore(written []pulled) {
	set := st.zones.Load()
	for _, p := range written {
		if z, ok := set.Get(p.origin); ok {
			if err := store.WriteFile(st.dir, z); err != nil {
				log.Errorf("git: restoring %s after a failed pull: %v", p.name, err)
			}
		} else {
			store.RemoveFile(st.dir, p.origin)
		}
	}
}

// changedNames returns the names whose entries differ between two trees.
func changedNames(a, b map[string]object.TreeEntry) []string {
	var out []string
	for n, e := range a {
		if f, ok := b[n]; !ok || f.Hash != e.Hash || f.Mode != e.Mode {
			out = append(out, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func entryOf(t map[string]object.TreeEntry, name string) plumbing.Hash { return t[name].Hash }

// GetGitStatus implements api.StrictServerInterface.
func (h *handlers) GetGitStatus(ctx context.Context, _ api.GetGitStatusRequestObject) (api.GetGitStatusResponseObject, error) {
	return api.GetGitStatus200JSONResponse(h.st.gitStatus()), nil
}

func (st *state) gitStatus() api.GitStatus {
	out := api.GitStatus{}
	if st.git == nil {
		return out
	}
	out.Enabled = true
	out.Branch = ptr(st.git.repo.Branch())
	if h := st.git.repo.Head(); !h.IsZero() {
		out.Head = ptr(h.String())
	}
	st.git.mu.Lock()
	out.PendingCommits = len(st.git.queue)
	if st.git.busy {
		out.PendingCommits++
	}
	if st.git.lastErr != nil {
		out.LastCommitError = ptr(st.git.lastErr.Error())
	}
	st.git.mu.Unlock()
	if g := st.gitops; g != nil {
		g.statusMu.Lock()
		s := g.status
		g.statusMu.Unlock()
		out.Remote = &s
	}
	return out
}

// PullGit implements api.StrictServerInterface.
func (h *handlers) PullGit(ctx context.Context, _ api.PullGitRequestObject) (api.PullGitResponseObject, error) {
	if !tokenFrom(ctx).full() && tokenFrom(ctx) != anonymous {
		return nil, fmt.Errorf("token %s may not pull: %w", tokenFrom(ctx).name, errForbidden)
	}
	if h.st.git == nil {
		return nil, errHistoryDisabled
	}
	if h.st.gitops == nil {
		return nil, &problem{status: http.StatusConflict, code: "no-remote", title: "No remote", detail: "the git property has no remote",
			hint: "Add remote URL (and pull INTERVAL) to the git block of the Corefile."}
	}
	if err := h.st.pull(whyOf(ctx, "pullGit")); err != nil {
		var pe *pullError
		if errors.As(err, &pe) && pe.code != "store-failed" {
			return nil, pe.problem()
		}
		return nil, err
	}
	return api.PullGit200JSONResponse(h.st.gitStatus()), nil
}
