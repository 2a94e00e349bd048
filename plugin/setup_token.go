package zoneapi

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/coredns/caddy"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/record"
)

// addToken parses a token property and refuses a name or a secret used twice.
func addToken(c *caddy.Controller, cfg *config) error {
	t, err := parseToken(c, len(cfg.tokens)+1)
	if err != nil {
		return err
	}
	for _, o := range cfg.tokens {
		if o.Name == t.Name {
			return c.Errf("token %q is defined twice", t.Name)
		}
		if o.Digest == t.Digest && t.Digest != auth.NoSecret {
			return c.Errf("tokens %s and %s have the same secret", o.Name, t.Name)
		}
		for _, s := range t.Certs {
			if slices.ContainsFunc(o.Certs, func(x string) bool { return strings.EqualFold(x, s) }) {
				return c.Errf("tokens %s and %s name the same client certificate %q", o.Name, t.Name, s)
			}
		}
	}
	cfg.tokens = append(cfg.tokens, t)
	return nil
}

// parseToken reads one token property:
//
//	token SECRET
//	token NAME {
//	    secret SECRET | secret_file PATH
//	    client_cert SUBJECT...
//	    read_only
//	    zones ZONE...
//	    names PATTERN...
//	    types TYPE...
//	}
//
// The first form may do everything and is named "token<n>" in logs; a secret
// from the environment is written {$VAR}, which the Corefile expands.
func parseToken(c *caddy.Controller, n int) (*auth.Token, error) {
	args := c.RemainingArgs()
	if len(args) != 1 || args[0] == "" {
		return nil, c.ArgErr()
	}
	if !c.NextArg() { // token SECRET
		return &auth.Token{Name: fmt.Sprintf("token%d", n), Digest: auth.Digest(args[0])}, nil
	}
	t := &auth.Token{Name: args[0]}
	secret := ""
	err := parseBlock(c, "token "+t.Name, func(prop string, vals []string) error {
		switch prop {
		case "read_only", "zones", "names", "types":
			return parseScope(c, t, prop, vals)
		case "client_cert":
			if len(vals) == 0 {
				return c.ArgErr()
			}
			t.Certs = append(t.Certs, vals...)
			return nil
		case "secret", "secret_file":
			if len(vals) != 1 || vals[0] == "" {
				return c.ArgErr()
			}
			if secret = vals[0]; prop == "secret_file" {
				s, err := readSecretFile(vals[0])
				if err != nil {
					return c.Errf("token %s: secret_file: %v", t.Name, err)
				}
				secret = s
			}
			return nil
		}
		return c.Errf("token %s: unknown property %q", t.Name, prop)
	})
	if err != nil {
		return nil, err
	}
	if secret == "" && len(t.Certs) == 0 {
		return nil, c.Errf("token %s: needs a secret, a secret_file or a client_cert", t.Name)
	}
	if secret != "" {
		t.Digest = auth.Digest(secret)
	} else {
		// A token of client certificates only has no secret that a bearer
		// could send: a digest of none is one no secret matches.
		t.Digest = auth.NoSecret
	}
	return t, nil
}

// parseUpdateKey reads an update property: the TSIG key (its secret is the
// tsig plugin's) that may send RFC 2136 UPDATEs, and what it may change:
//
//	update KEY [{
//	    zones ZONE...
//	    names PATTERN...
//	    types TYPE...
//	}]
func parseUpdateKey(c *caddy.Controller) (*auth.Token, error) {
	args := c.RemainingArgs()
	if len(args) != 1 {
		return nil, c.ArgErr()
	}
	t := &auth.Token{Name: strings.ToLower(dns.Fqdn(args[0]))}
	if !c.NextArg() {
		return t, nil
	}
	err := parseBlock(c, "update "+t.Name, func(prop string, vals []string) error {
		if prop == "zones" || prop == "names" || prop == "types" {
			return parseScope(c, t, prop, vals)
		}
		return c.Errf("update %s: unknown property %q", t.Name, prop)
	})
	return t, err
}

// parseBlock reads the { ... } block that follows a property's arguments
// (the current token is its "{"), calling prop for each line. Caddy's
// NextBlock does not nest, so the block is read line by line.
func parseBlock(c *caddy.Controller, what string, prop func(name string, vals []string) error) error {
	if c.Val() != "{" {
		return c.ArgErr()
	}
	for c.Next() && c.Val() != "}" {
		name := c.Val()
		if err := prop(name, c.RemainingArgs()); err != nil {
			return err
		}
	}
	if c.Val() != "}" {
		return c.Errf("%s: missing }", what)
	}
	return nil
}

// parseScope reads one scope property of a token or an update key.
func parseScope(c *caddy.Controller, t *auth.Token, prop string, vals []string) error {
	if prop == "read_only" {
		if len(vals) != 0 {
			return c.ArgErr()
		}
		t.ReadOnly = true
		return nil
	}
	if len(vals) == 0 {
		return c.ArgErr()
	}
	for _, v := range vals {
		switch prop {
		case "zones":
			t.Zones = append(t.Zones, strings.ToLower(dns.Fqdn(v)))
		case "names":
			t.Names = append(t.Names, strings.ToLower(dns.Fqdn(v)))
		case "types":
			typ, ok := record.Type(v)
			if !ok {
				return c.Errf("%s: types: %q is not an RR type", t.Name, v)
			}
			t.Types = append(t.Types, typ)
		}
	}
	return nil
}

func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
