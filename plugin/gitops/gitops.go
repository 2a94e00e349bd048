// Package gitops makes the store follow a branch of a remote Git
// repository: git { remote URL; pull INTERVAL; push }. A pull fetches the
// branch; when the server has no commits of its own since, it
// fast-forwards, and when it has (API changes), it merges, provided the
// two sides changed different files. Every zone file that changes is
// parsed and checked first, and all of them are installed at once through
// the pipeline, in one snapshot swap; one invalid file refuses the whole
// pull and nothing changes. A remote that changed a file the server
// changed too is a divergence: it is reported and nothing is overwritten.
// With push, the server pushes its commits (never forcing).
//
// It changes zones only through pipeline.Excl.Install, and reads the
// history through gitlog's Committer.
package gitops

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
)

var log = clog.NewWithPlugin("zoneapi")

// pullTimeout bounds one fetch or push.
const pullTimeout = time.Minute

// Config is the git property's say on the remote.
type Config struct {
	Remote string        // the repository to pull from and push to
	Pull   time.Duration // 0: no pulling on a timer
	Push   bool
}

// GitOps pulls and pushes one store's history.
type GitOps struct {
	cfg  Config
	git  *gitlog.Committer
	pipe *pipeline.Pipeline
	mu   sync.Mutex    // one pull or push at a time
	kick chan struct{} // commits were made: push them

	statusMu sync.Mutex
	status   Status
}

// Status is what the last pull and push did.
type Status struct {
	URL           string // without credentials
	Push          bool
	PullInterval  time.Duration
	LastPullAt    time.Time // zero: never
	LastAppliedAt time.Time // zero: never
	RemoteHead    string
	Ahead, Behind *int // unknown until compared
	Error         string
	ErrorCode     string
}

// PullError is a refused or failed pull or push, with a code the APIs
// show: invalid-zone-file, diverged, fetch-failed, push-failed,
// store-failed.
type PullError struct {
	Code string
	Err  error
}

func (e *PullError) Error() string { return e.Err.Error() }
func (e *PullError) Unwrap() error { return e.Err }

// Start makes g pull and push the history of git, which changes through
// pipe, until stop is closed.
func Start(cfg Config, git *gitlog.Committer, pipe *pipeline.Pipeline, stop <-chan struct{}) (*GitOps, error) {
	if err := git.Repo().SetRemote(cfg.Remote); err != nil {
		return nil, fmt.Errorf("git remote %s: %w", history.Public(cfg.Remote), err)
	}
	g := &GitOps{cfg: cfg, git: git, pipe: pipe, kick: make(chan struct{}, 1)}
	g.status = Status{URL: history.Public(cfg.Remote), Push: cfg.Push, PullInterval: cfg.Pull}
	if cfg.Push {
		git.OnCommit(func() {
			select {
			case g.kick <- struct{}{}:
			default:
			}
		})
	}
	go g.loop(stop)
	return g, nil
}

func (g *GitOps) loop(stop <-chan struct{}) {
	var tick <-chan time.Time
	timer := pipeline.Meta{Op: "pull", Actor: "gitops"}
	if g.cfg.Pull > 0 {
		t := time.NewTicker(g.cfg.Pull)
		defer t.Stop()
		tick = t.C
		g.Pull(timer) // at once, then at every tick
	}
	for {
		select {
		case <-stop:
			return
		case <-tick:
			g.Pull(timer)
		case <-g.kick:
			g.push()
		}
	}
}

// Status returns what the last pull and push did.
func (g *GitOps) Status() Status {
	g.statusMu.Lock()
	defer g.statusMu.Unlock()
	return g.status
}

func (g *GitOps) setStatus(fn func(s *Status)) {
	g.statusMu.Lock()
	defer g.statusMu.Unlock()
	fn(&g.status)
}

// fail records a refused or failed pull or push.
func (g *GitOps) fail(code string, err error) *PullError {
	pe := &PullError{Code: code, Err: err}
	gitPullErrors.Inc()
	log.Errorf("git: %s: %v", code, err)
	g.setStatus(func(s *Status) { s.Error, s.ErrorCode = err.Error(), code })
	return pe
}

// push pushes the branch, if push is on and the remote lacks commits.
func (g *GitOps) push() error {
	if !g.cfg.Push {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	defer cancel()
	repo := g.git.Repo()
	if err := repo.Push(ctx); err != nil {
		return g.fail("push-failed", err)
	}
	g.setStatus(func(s *Status) {
		zero := 0
		s.Ahead, s.RemoteHead = &zero, repo.Head().String()
		if s.ErrorCode == "push-failed" {
			s.Error, s.ErrorCode = "", ""
		}
	})
	return nil
}

// Pull fetches the remote branch and applies it (see the package comment),
// then pushes. m says who asked.
func (g *GitOps) Pull(m pipeline.Meta) error {
	repo := g.git.Repo()
	g.mu.Lock()
	ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
	remote, err := repo.Fetch(ctx)
	cancel()
	now := time.Now().UTC()
	g.setStatus(func(s *Status) { s.LastPullAt = now })
	if errors.Is(err, history.ErrNoRemoteBranch) && g.cfg.Push {
		// An empty remote: the first push gives it the server's branch.
		g.mu.Unlock()
		log.Infof("git: %s has no branch %s yet; pushing the store's", history.Public(g.cfg.Remote), repo.Branch())
		if err := g.push(); err != nil {
			return err
		}
		g.setStatus(func(s *Status) { s.Error, s.ErrorCode = "", "" })
		return nil
	}
	if err != nil {
		g.mu.Unlock()
		return g.fail("fetch-failed", err)
	}
	g.setStatus(func(s *Status) { s.RemoteHead = remote.String() })
	var applied bool
	err = g.pipe.Exclusive(func(x *pipeline.Excl) error {
		applied, err = g.merge(x, m, remote)
		return err
	})
	g.mu.Unlock()
	if err != nil {
		return err
	}
	g.setStatus(func(s *Status) {
		s.Error, s.ErrorCode = "", ""
		if applied {
			s.LastAppliedAt = now
		}
	})
	return g.push()
}
