package zoneapi

import (
	"reflect"
	"sync"

	spec "github.com/zoneapi/zoneapi"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/zoneapi/zoneapi/plugin/acme"
	"github.com/zoneapi/zoneapi/plugin/apidocs"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/hetzner"
	"github.com/zoneapi/zoneapi/plugin/hetzner/mirror"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/ixfr"
	"github.com/zoneapi/zoneapi/plugin/mcp"
	"github.com/zoneapi/zoneapi/plugin/notify"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/powerdns"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/resign"
	"github.com/zoneapi/zoneapi/plugin/rest"
	"github.com/zoneapi/zoneapi/plugin/tokens"
)

var log = clog.NewWithPlugin(pluginName)

// instance is one zone store and the parts that serve and change it. It
// outlives a Corefile reload: the new plugin instances acquire the one the
// old ones hold, so zones are not read again and nothing changes for
// queries; only the settings are swapped.
type instance struct {
	dir  string
	refs int // guarded by registryMu

	pipe     *pipeline.Pipeline
	keys     *dnssec.Keys
	tokens   *tokens.Store
	ixfr     *ixfr.Log
	notifier *notify.Notifier
	http     *httpapi.Server

	mirrorMu sync.Mutex
	mirror   *mirrorRun // the hetzner block's mirror, if any

	configs   []func(config) // each part takes a (new) Corefile's settings
	stop      chan struct{}  // closed by the last release: the background goroutines end
	closers   []func()       // run in order by the last release, after stop
	closeOnce sync.Once
}

var (
	registryMu sync.Mutex
	registry   = map[string]*instance{}
)

// acquire returns the instance of the store in cfg.dir, loading it the
// first time.
func acquire(cfg config) (*instance, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if st, ok := registry[cfg.dir]; ok {
		st.refs++
		return st, nil
	}
	st, err := open(cfg)
	if err != nil {
		return nil, err
	}
	registry[cfg.dir] = st
	return st, nil
}

// open loads the store of cfg.dir and starts its parts: the steps after
// publication in the order they hear of a change (IXFR, record ids,
// NOTIFY, Git, the audit line), the background work, and the APIs.
func open(cfg config) (*instance, error) {
	pipe, replayed, err := pipeline.Open(cfg.dir, pipeline.Limits{MaxRecords: cfg.maxRecords, MaxZones: cfg.maxZones})
	if err != nil {
		return nil, err
	}
	keys, err := dnssec.OpenKeys(cfg.dir)
	if err != nil {
		return nil, err
	}
	keys.Timing = cfg.dnssec.timing
	issued, err := tokens.Open(cfg.dir)
	if err != nil {
		return nil, err
	}
	pipe.SetSigners(func(origin string) pipeline.Signer {
		if s := keys.Signer(origin); s != nil {
			return s
		}
		return nil
	})
	st := &instance{dir: cfg.dir, refs: 1, pipe: pipe, ixfr: ixfr.New(), notifier: notify.New(), stop: make(chan struct{}), keys: keys, tokens: issued}
	ids := record.NewIndex(pipe.Zone)
	pipe.Listen(st.ixfr)
	pipe.Listen(ids)
	pipe.Listen(st.notifier)
	var git *gitlog.Committer
	if cfg.git != nil {
		// A history that cannot be opened does not stop DNS: the zones are
		// served, and the log and getGitStatus say that there is no history.
		gcfg := *cfg.git
		gcfg.Signed = pipe.Signed
		if git, err = gitlog.Open(cfg.dir, gcfg, pipe.Zones().Zones(), replayed); err != nil {
			log.Errorf("git: %v; serving without a Git history", err)
			git = nil
		} else {
			pipe.Listen(git)
		}
	}
	audit := pipeline.NewAudit()
	pipe.Listen(audit)

	pipe.Start()
	go st.notifier.Run(st.stop)
	go resign.Run(pipe, keys, cfg.dnssec.parent, st.stop)
	var ops *gitops.GitOps
	if git != nil && cfg.gitops != nil {
		if ops, err = gitops.Start(*cfg.gitops, git, pipe, st.stop); err != nil {
			log.Errorf("git: %v; not pulling or pushing", err)
		}
	}
	st.closers = append(st.closers, pipe.Close)
	if git != nil {
		st.closers = append(st.closers, git.Close)
	}
	st.closers = append(st.closers, audit.Close)

	adapters, err := st.adapters(ids, git, ops)
	if err != nil {
		st.close()
		return nil, err
	}
	st.http = httpapi.New(adapters...)
	return st, nil
}

// adapters makes the APIs of the listener, each with what it needs and
// what it takes from the Corefile.
func (st *instance) adapters(ids *record.Index, git *gitlog.Committer, ops *gitops.GitOps) ([]httpapi.Adapter, error) {
	v1, err := rest.New(rest.Deps{Pipeline: st.pipe, IDs: ids, Notifier: st.notifier, Git: git, GitOps: ops, Mirror: st.currentMirror, Keys: st.keys, Tokens: st.tokens})
	if err != nil {
		return nil, err
	}
	st.configs = append(st.configs, func(cfg config) {
		names := make([]string, 0, len(cfg.tokens))
		for _, t := range cfg.tokens {
			names = append(names, t.Name)
		}
		v1.Configure(rest.Settings{MaxChanges: cfg.maxChanges, TokenNames: names, RateLimit: cfg.rateLimit})
	})
	challenges := acme.New(st.pipe, st.notifier, v1.Checks())
	go challenges.Sweep(st.stop)
	st.configs = append(st.configs, func(cfg config) { challenges.Configure(cfg.acme) })
	hz := hetzner.New(st.pipe)
	st.configs = append(st.configs, func(cfg config) { hz.Configure(cfg.hetzner) }, func(cfg config) { st.runMirror(cfg.mirror) })
	tools, err := mcp.New(spec.OpenAPI, rest.Base)
	if err != nil {
		return nil, err
	}
	page, err := apidocs.New(spec.OpenAPI, rest.Base)
	if err != nil {
		return nil, err
	}
	return []httpapi.Adapter{v1, challenges, hz, tools, page, powerdns.New(st.pipe)}, nil
}

// configure gives the store a (new) Corefile's settings and makes the API
// listen where it says.
func (st *instance) configure(cfg config) error {
	registryMu.Lock()
	defer registryMu.Unlock()
	st.settings(cfg)
	return st.http.Listen(cfg.listen)
}

// settings gives every part cfg's settings.
func (st *instance) settings(cfg config) {
	st.pipe.SetLimits(pipeline.Limits{MaxRecords: cfg.maxRecords, MaxZones: cfg.maxZones})
	st.notifier.SetSecondaries(cfg.secondaries)
	for _, f := range st.configs {
		f(cfg)
	}
	st.http.SetConfig(httpapi.Config{Tokens: cfg.tokens, Issued: st.tokens, MaxBody: cfg.maxBody, TLS: cfg.tls})
}

// useTransfer is called at startup with the server's transfer plugin, if
// any; every zone is announced to the secondaries once.
func (st *instance) useTransfer(t *transfer.Transfer) {
	var origins []string
	for _, z := range st.pipe.Zones().Zones() {
		origins = append(origins, z.Origin())
	}
	st.notifier.UseTransfer(t, origins)
}

// release drops a reference; the last one stops everything.
func release(st *instance) {
	registryMu.Lock()
	defer registryMu.Unlock()
	st.refs--
	if st.refs == 0 {
		delete(registry, st.dir)
		if st.http != nil {
			st.http.Stop()
		}
		st.close()
	}
}

// close ends the background work, compacts every zone and closes the
// history and the audit log.
func (st *instance) close() {
	st.closeOnce.Do(func() {
		st.runMirror(nil)
		close(st.stop)
		for _, f := range st.closers {
			f()
		}
	})
}

// mirrorRun is a running mirror and what stops it.
type mirrorRun struct {
	cfg  mirror.Config
	m    *mirror.Mirror
	stop chan struct{}
	done chan struct{}
}

// runMirror runs the mirror cfg says, replacing one that runs after other
// settings; nil stops it. registryMu is held, or the instance is closing.
func (st *instance) runMirror(cfg *mirror.Config) {
	st.mirrorMu.Lock()
	defer st.mirrorMu.Unlock()
	if cur := st.mirror; cur != nil {
		if cfg != nil && reflect.DeepEqual(cur.cfg, *cfg) {
			return
		}
		close(cur.stop)
		<-cur.done
		st.mirror = nil
	}
	if cfg == nil {
		return
	}
	r := &mirrorRun{cfg: *cfg, m: mirror.New(*cfg, st.pipe), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.m.Run(r.stop)
	}()
	st.mirror = r
	log.Infof("mirror of %s every %s", cfg.Endpoint, cfg.Interval)
}

// currentMirror returns the running mirror, or nil.
func (st *instance) currentMirror() *mirror.Mirror {
	st.mirrorMu.Lock()
	defer st.mirrorMu.Unlock()
	if st.mirror == nil {
		return nil
	}
	return st.mirror.m
}
