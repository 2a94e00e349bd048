package zoneapi

import (
	"net/url"
	"path/filepath"
	"strings"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/hetzner/mirror"
	"github.com/zoneapi/zoneapi/plugin/store"
)

// parseMirror reads the hetzner block, the warm mirror of a Hetzner Cloud
// DNS API:
//
//	hetzner {
//	    endpoint URL          (https://api.hetzner.cloud/v1)
//	    token_file PATH       (required: the API token, one line; relative to root)
//	    zones ZONE... | all   (all)
//	    interval DURATION     (1m)
//	    delete                (delete a zone gone upstream; it is reported only)
//	}
func parseMirror(c *caddy.Controller) (*mirror.Config, error) {
	m := &mirror.Config{Endpoint: mirror.DefaultEndpoint, Interval: mirror.DefaultInterval}
	if len(c.RemainingArgs()) != 0 || !c.NextArg() {
		return nil, c.Errf("hetzner: needs a block with token_file")
	}
	tokenFile := ""
	err := parseBlock(c, "hetzner", func(prop string, vals []string) error {
		switch prop {
		case "endpoint":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			u, err := url.Parse(vals[0])
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return c.Errf("hetzner: endpoint %q is not an http(s) URL", vals[0])
			}
			m.Endpoint = vals[0]
		case "token_file":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			tokenFile = vals[0]
		case "zones":
			if len(vals) == 0 {
				return c.ArgErr()
			}
			m.Zones = nil
			if len(vals) == 1 && vals[0] == "all" {
				return nil
			}
			for _, z := range vals {
				origin := strings.ToLower(dns.Fqdn(z))
				if _, err := store.FileName(origin); err != nil {
					return c.Errf("hetzner: zones: %q: %v", z, err)
				}
				m.Zones = append(m.Zones, origin)
			}
		case "interval":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			d, err := duration(c, "hetzner interval", vals[0])
			if err != nil {
				return err
			}
			m.Interval = d
		case "delete":
			if len(vals) != 0 {
				return c.ArgErr()
			}
			m.Delete = true
		default:
			return c.Errf("hetzner: unknown property %q", prop)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if tokenFile == "" {
		return nil, c.Errf("hetzner: token_file is required")
	}
	if root := dnsserver.GetConfig(c).Root; !filepath.IsAbs(tokenFile) && root != "" {
		tokenFile = filepath.Join(root, tokenFile)
	}
	if m.Token, err = readSecretFile(tokenFile); err != nil {
		return nil, c.Errf("hetzner: token_file %s: %v", tokenFile, err)
	}
	if m.Token == "" || strings.ContainsAny(m.Token, " \t\r\n") {
		return nil, c.Errf("hetzner: token_file %s must hold the token alone, on one line", tokenFile)
	}
	return m, nil
}
