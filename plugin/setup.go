package zoneapi

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/fall"
	"github.com/coredns/coredns/plugin/transfer"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/acme"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/dnsserve"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/hetzner"
	"github.com/zoneapi/zoneapi/plugin/hetzner/mirror"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/resign"
)

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
	keys := map[string]*auth.Token{}
	for _, k := range cfg.updateKeys {
		keys[k.Name] = k
	}
	za := &Zoneapi{&dnsserve.Handler{Fall: cfg.fall, Pipeline: st.pipe, IXFR: st.ixfr, UpdateKeys: keys}}
	// The API starts, or takes this Corefile's settings, only once the whole
	// Corefile is accepted; a reload that fails leaves it as it was.
	c.OnStartup(func() error {
		if err := st.configure(cfg); err != nil {
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
		if cfg.view != nil {
			// A server block for the view's networks only (dnsserver.Viewer).
			return &viewed{Zoneapi: za, view: cfg.view}
		}
		return za
	})
	return nil
}

// config is what the Corefile says.
type config struct {
	dir         string
	listen      string
	tokens      []*auth.Token
	fall        fall.F
	maxRecords  int
	maxBody     int64
	maxChanges  int
	maxZones    int
	updateKeys  []*auth.Token
	secondaries []string
	acme        acme.Settings
	hetzner     hetzner.Settings
	mirror      *mirror.Config // nil: no hetzner block
	dnssec      dnssecConfig
	tls         *httpapi.TLSFiles // nil: plain HTTP
	plaintext   bool              // plain HTTP on a non-loopback address, said on purpose
	rateLimit   int               // /v1 requests an hour per token; 0: no limit
	view        *view             // nil: the server block answers every client
	git         *gitlog.Config    // nil: no Git history
	gitops      *gitops.Config    // nil: no remote
}

const (
	defaultDir    = "zones"
	defaultListen = "127.0.0.1:8053"
)

// defaultConfig is what a Corefile without properties says.
func defaultConfig() config {
	return config{dir: defaultDir, listen: defaultListen, maxBody: httpapi.DefaultMaxBody,
		acme:    acme.Settings{TTL: acme.DefaultTTL, Lease: acme.DefaultLease, WaitMax: acme.DefaultWaitMax},
		hetzner: hetzner.Settings{RateLimit: hetzner.DefaultRateLimit},
		dnssec:  dnssecConfig{timing: dnssec.DefaultTiming, parent: resign.Parent{Every: resign.DefaultParentEvery}}}
}

func parse(c *caddy.Controller) (config, error) {
	cfg := defaultConfig()
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
	if cfg.tls == nil && !cfg.plaintext && !isLoopback(cfg.listen) {
		return cfg, c.Errf("listen %s is not a loopback address: serve the API over TLS (tls CERT KEY), or say plaintext to send tokens in the clear", cfg.listen)
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
		var k *auth.Token
		if k, err = parseUpdateKey(c); err == nil {
			cfg.updateKeys = append(cfg.updateKeys, k)
		}
	case "secondaries":
		err = parseSecondaries(c, cfg)
	case "git":
		cfg.git, cfg.gitops, err = parseGit(c)
	case "fallthrough":
		cfg.fall.SetZonesFromArgs(c.RemainingArgs())
	case "acme_ttl", "acme_lease", "acme_wait":
		err = parseACME(c, prop, &cfg.acme)
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
	case "hetzner":
		cfg.mirror, err = parseMirror(c)
	case "dnssec":
		cfg.dnssec, err = parseDNSSEC(c)
	case "tls":
		cfg.tls, err = parseTLS(c)
	case "plaintext":
		if len(c.RemainingArgs()) != 0 {
			return c.ArgErr()
		}
		cfg.plaintext = true
	case "view":
		cfg.view, err = parseView(c)
	case "rate_limit":
		var arg string
		if arg, err = oneArg(c); err == nil {
			n, e := strconv.Atoi(arg)
			if e != nil || n < 0 {
				err = c.Errf("rate_limit needs a number of requests an hour (0 for no limit), got %q", arg)
			}
			cfg.rateLimit = n
		}
	case "hetzner_rate_limit":
		var arg string
		if arg, err = oneArg(c); err == nil {
			n, e := strconv.Atoi(arg)
			if e != nil || n < 0 {
				err = c.Errf("hetzner_rate_limit needs a number of requests an hour (0 for no limit), got %q", arg)
			}
			cfg.hetzner.RateLimit = n
		}
	default:
		err = c.Errf("unknown property %q", prop)
	}
	return err
}

// parseACME reads acme_ttl SECONDS, acme_lease DURATION and
// acme_wait [DURATION].
func parseACME(c *caddy.Controller, prop string, s *acme.Settings) error {
	switch prop {
	case "acme_ttl":
		n, err := positive(c, prop)
		s.TTL = uint32(min(n, 1<<31-1))
		return err
	case "acme_lease":
		arg, err := oneArg(c)
		if err == nil {
			s.Lease, err = duration(c, prop, arg)
		}
		return err
	}
	s.Wait = true
	switch args := c.RemainingArgs(); len(args) {
	case 0:
		return nil
	case 1:
		var err error
		s.WaitMax, err = duration(c, prop, args[0])
		return err
	}
	return c.ArgErr()
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
