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
	switch c.Val() {
	case "listen":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		if _, _, err := net.SplitHostPort(args[0]); err != nil {
			return c.Errf("listen: %v", err)
		}
		cfg.listen = args[0]
	case "token":
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
	case "acme_ttl":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		n, err := strconv.ParseUint(args[0], 10, 31)
		if err != nil {
			return c.Errf("acme_ttl needs a TTL in seconds, got %q", args[0])
		}
		cfg.acmeTTL = uint32(n)
	case "acme_wait":
		args := c.RemainingArgs()
		if len(args) > 1 {
			return c.ArgErr()
		}
		cfg.acmeWait = true
		if len(args) == 1 {
			d, err := time.ParseDuration(args[0])
			if err != nil || d <= 0 {
				return c.Errf("acme_wait takes a duration such as 30s, got %q", args[0])
			}
			cfg.acmeWaitMax = d
		}
	case "acme_lease":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		d, err := time.ParseDuration(args[0])
		if err != nil || d <= 0 {
			return c.Errf("acme_lease needs a duration such as 1h, got %q", args[0])
		}
		cfg.acmeLease = d
	case "secondaries":
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
	case "update":
		k, err := parseUpdateKey(c)
		if err != nil {
			return err
		}
		cfg.updateKeys = append(cfg.updateKeys, k)
	case "max_changes", "max_zones":
		prop := c.Val()
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n <= 0 {
			return c.Errf("%s needs a positive number, got %q", prop, args[0])
		}
		if prop == "max_changes" {
			cfg.maxChanges = n
		} else {
			cfg.maxZones = n
		}
	case "max_body":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n <= 0 {
			return c.Errf("max_body needs a positive number of bytes, got %q", args[0])
		}
		cfg.maxBody = n
	case "fallthrough":
		cfg.fall.SetZonesFromArgs(c.RemainingArgs())
	case "max_records":
		args := c.RemainingArgs()
		if len(args) != 1 {
			return c.ArgErr()
		}
		n, err := strconv.Atoi(args[0])
		if err != nil || n <= 0 {
			return c.Errf("max_records needs a positive number, got %q", args[0])
		}
		cfg.maxRecords = n
	default:
		return c.Errf("unknown property %q", c.Val())
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
