package zoneapi

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/miekg/dns"
)

const pluginName = "zoneapi"

func init() { plugin.Register(pluginName, setup) }

func setup(c *caddy.Controller) error {
	cfg, err := parse(c)
	if err != nil {
		return plugin.Error(pluginName, err)
	}
	st, err := acquire(cfg)
	if err != nil {
		return plugin.Error(pluginName, err)
	}
	za := &Zoneapi{Fall: cfg.fall, state: st}
	// The API starts, or takes this Corefile's settings, only once the whole
	// Corefile is accepted; a reload that fails leaves it as it was.
	c.OnStartup(func() error {
		if err := st.startAPI(cfg); err != nil {
			return err
		}
		var t *transfer.Transfer
		if h := dnsserver.GetConfig(c).Handler("transfer"); h != nil {
			t, _ = h.(*transfer.Transfer)
		}
		st.useTransfer(t)
		return nil
	})
	c.OnShutdown(func() error { release(st); return nil })

	// RFC 2136 UPDATE reaches a plugin only when it opts in.
	dnsserver.GetConfig(c).AllowOpcode(dns.OpcodeUpdate)
	dnsserver.GetConfig(c).AddPlugin(func(next plugin.Handler) plugin.Handler {
		za.Next = next
		return za
	})
	return nil
}

// config is what the Corefile says.
type config struct {
	dir         string
	listen      string
	tokens      []*token
	fall        fall.F
	maxRecords  int
	maxBody     int64
	maxChanges  int
	maxZones    int
	updateKeys  []*token
	secondaries []string
	acmeTTL     uint32
	acmeLease   time.Duration
	acmeWait    bool
	acmeWaitMax time.Duration
	git         *gitConfig // nil: no Git history
}

const (
	defaultDir    = "zones"
	defaultListen = "127.0.0.1:8053"
)

func parse(c *caddy.Controller) (config, error) {
	cfg := config{dir: defaultDir, listen: defaultListen, maxBody: defaultMaxBody, acmeTTL: defaultACMETTL, acmeLease: defaultACMELease, acmeWaitMax: acmeWaitMax}
	i := 0
	for c.Next() {
		if i > 0 {
			return cfg, plugin.ErrOnce
		}
		i++
		args := c.RemainingArgs()
		switch len(args) {
		case 0:
		case 1:
			cfg.dir = args[0]
		default:
			return cfg, c.ArgErr()
		}
		for c.NextBlock() {
			if err := parseProperty(c, &cfg); err != nil {
				return cfg, err
			}
		}
	}
	if root := dnsserver.GetConfig(c).Root; !filepath.IsAbs(cfg.dir) && root != "" {
		cfg.dir = filepath.Join(root, cfg.dir)
	}
	abs, err := filepath.Abs(cfg.dir)
	if err != nil {
		return cfg, err
	}
	cfg.dir = abs
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return cfg, c.Errf("zone store: %v", err)
	}
	if len(cfg.tokens) == 0 && !isLoopback(cfg.listen) {
		return cfg, c.Errf("listen %s is not a loopback address: configure a token", cfg.listen)
	}
	return cfg, nil
}

func parseProperty(c *caddy.Controller, cfg *config) error {
	var err error
	switch prop := c.Val(); prop {
	case "listen":
		if cfg.listen, err = oneArg(c); err == nil {
			if _, _, e := net.SplitHostPort(cfg.listen); e != nil {
				err = c.Errf("listen: %v", e)
			}
		}
	case "token":
		err = addToken(c, cfg)
	case "update":
		var k *token
		if k, err = parseUpdateKey(c); err == nil {
			cfg.updateKeys = append(cfg.updateKeys, k)
		}
	case "secondaries":
		err = parseSecondaries(c, cfg)
	case "git":
		cfg.git, err = parseGit(c)
	case "fallthrough":
		cfg.fall.SetZonesFromArgs(c.RemainingArgs())
	case "acme_ttl":
		var n int64
		if n, err = positive(c, prop); err == nil {
			cfg.acmeTTL = uint32(min(n, 1<<31-1))
		}
	case "acme_lease":
		var arg string
		if arg, err = oneArg(c); err == nil {
			cfg.acmeLease, err = duration(c, prop, arg)
		}
	case "acme_wait": // [DURATION]
		cfg.acmeWait = true
		switch args := c.RemainingArgs(); len(args) {
		case 0:
		case 1:
			cfg.acmeWaitMax, err = duration(c, prop, args[0])
		default:
			err = c.ArgErr()
		}
	case "max_records", "max_changes", "max_zones", "max_body":
		var n int64
		if n, err = positive(c, prop); err == nil {
			switch prop {
			case "max_records":
				cfg.maxRecords = int(n)
			case "max_changes":
				cfg.maxChanges = int(n)
			case "max_zones":
				cfg.maxZones = int(n)
			case "max_body":
				cfg.maxBody = n
			}
		}
	default:
		err = c.Errf("unknown property %q", prop)
	}
	return err
}

// oneArg returns the single argument of the current property.
func oneArg(c *caddy.Controller) (string, error) {
	args := c.RemainingArgs()
	if len(args) != 1 || args[0] == "" {
		return "", c.ArgErr()
	}
	return args[0], nil
}

// positive returns the single argument of prop as a positive number.
func positive(c *caddy.Controller, prop string) (int64, error) {
	arg, err := oneArg(c)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || n <= 0 {
		return 0, c.Errf("%s needs a positive number, got %q", prop, arg)
	}
	return n, nil
}

// duration parses arg, an argument of prop, as a positive duration.
func duration(c *caddy.Controller, prop, arg string) (time.Duration, error) {
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 {
		return 0, c.Errf("%s needs a duration such as 30s or 1h, got %q", prop, arg)
	}
	return d, nil
}

// addToken parses a token property and refuses a name or a secret used twice.
func addToken(c *caddy.Controller, cfg *config) error {
	t, err := parseToken(c, len(cfg.tokens)+1)
	if err != nil {
		return err
	}
	for _, o := range cfg.tokens {
		if o.name == t.name {
			return c.Errf("token %q is defined twice", t.name)
		}
		if o.digest == t.digest {
			return c.Errf("tokens %s and %s have the same secret", o.name, t.name)
		}
	}
	cfg.tokens = append(cfg.tokens, t)
	return nil
}

// parseSecondaries reads `secondaries ADDRESS...`; a bare host is on port 53.
func parseSecondaries(c *caddy.Controller, cfg *config) error {
	args := c.RemainingArgs()
	if len(args) == 0 {
		return c.ArgErr()
	}
	for _, a := range args {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, "53")
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return c.Errf("secondaries: %q is not an address", a)
		}
		cfg.secondaries = append(cfg.secondaries, a)
	}
	return nil
}

// isLoopback reports whether the listen address only accepts local clients.
func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// gitConfig is the git property:
//
//	git {
//	    branch NAME
//	    author NAME EMAIL
//	    remote URL
//	    pull INTERVAL
//	    push
//	}
type gitConfig struct {
	branch      string
	authorName  string
	authorEmail string
	remote      string        // GitOps: the repository to pull from and push to
	pull        time.Duration // 0: no pulling
	push        bool
}

func parseGit(c *caddy.Controller) (*gitConfig, error) {
	g := &gitConfig{branch: "main", authorName: "zoneapi", authorEmail: "zoneapi@localhost"}
	if len(c.RemainingArgs()) != 0 {
		return nil, c.ArgErr()
	}
	if !c.NextArg() {
		return g, nil
	}
	err := parseBlock(c, "git", func(prop string, vals []string) error {
		switch prop {
		case "branch":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			if err := plumbing.NewBranchReferenceName(vals[0]).Validate(); err != nil || strings.HasPrefix(vals[0], "-") {
				return c.Errf("git: branch %q is not a valid branch name", vals[0])
			}
			g.branch = vals[0]
		case "author":
			if len(vals) != 2 || vals[0] == "" || !strings.Contains(vals[1], "@") {
				return c.Errf("git: author needs a name and an email address, e.g. author \"DNS bot\" dns@example.org")
			}
			g.authorName, g.authorEmail = vals[0], strings.Trim(vals[1], "<>")
		case "remote":
			if len(vals) != 1 || vals[0] == "" {
				return c.ArgErr()
			}
			g.remote = vals[0]
		case "pull":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			d, err := duration(c, "git pull", vals[0])
			if err != nil {
				return err
			}
			g.pull = d
		case "push":
			if len(vals) != 0 {
				return c.ArgErr()
			}
			g.push = true
		default:
			return c.Errf("git: unknown property %q", prop)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if (g.pull > 0 || g.push) && g.remote == "" {
		return nil, c.Errf("git: pull and push need a remote")
	}
	return g, nil
}
