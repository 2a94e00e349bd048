package zoneapi

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"

	"github.com/coredns/caddy"
	"github.com/miekg/dns"
)

// parseToken reads one token property:
//
//	token SECRET
//	token NAME {
//	    secret SECRET | secret_file PATH
//	    read_only
//	    zones ZONE...
//	    names PATTERN...
//	    types TYPE...
//	}
//
// The first form may do everything and is named "token<n>" in logs; a secret
// from the environment is written {$VAR}, which the Corefile expands.
func parseToken(c *caddy.Controller, n int) (*token, error) {
	args := c.RemainingArgs()
	if len(args) != 1 || args[0] == "" {
		return nil, c.ArgErr()
	}
	if !c.NextArg() { // token SECRET
		return &token{name: fmt.Sprintf("token%d", n), digest: sha256.Sum256([]byte(args[0]))}, nil
	}
	t := &token{name: args[0]}
	secret := ""
	err := parseBlock(c, "token "+t.name, func(prop string, vals []string) error {
		switch prop {
		case "read_only", "zones", "names", "types":
			return parseScope(c, t, prop, vals)
		case "secret", "secret_file":
			if len(vals) != 1 || vals[0] == "" {
				return c.ArgErr()
			}
			if secret = vals[0]; prop == "secret_file" {
				s, err := readSecretFile(vals[0])
				if err != nil {
					return c.Errf("token %s: secret_file: %v", t.name, err)
				}
				secret = s
			}
			return nil
		}
		return c.Errf("token %s: unknown property %q", t.name, prop)
	})
	if err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, c.Errf("token %s: needs a secret or secret_file", t.name)
	}
	t.digest = sha256.Sum256([]byte(secret))
	return t, nil
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

// scopeOf parses the zones, names and types of a scoped token.
func scopeOf(t *token, prop string, args []string) error {
	switch prop {
	case "zones":
		for _, z := range args {
			t.zones = append(t.zones, strings.ToLower(dns.Fqdn(z)))
		}
	case "names":
		for _, p := range args {
			t.names = append(t.names, strings.ToLower(dns.Fqdn(p)))
		}
	case "types":
		for _, s := range args {
			typ, ok := rrType(s)
			if !ok {
				return fmt.Errorf("types: %q is not an RR type", s)
			}
			t.types = append(t.types, typ)
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

// parseScope reads one scope property of a token or an update key.
func parseScope(c *caddy.Controller, t *token, prop string, vals []string) error {
	if prop == "read_only" {
		if len(vals) != 0 {
			return c.ArgErr()
		}
		t.readOnly = true
		return nil
	}
	if len(vals) == 0 {
		return c.ArgErr()
	}
	if err := scopeOf(t, prop, vals); err != nil {
		return c.Errf("%s: %v", t.name, err)
	}
	return nil
}

// parseUpdateKey reads an update property: the TSIG key (its secret is the
// tsig plugin's) that may send RFC 2136 UPDATEs, and what it may change:
//
//	update KEY [{
//	    zones ZONE...
//	    names PATTERN...
//	    types TYPE...
//	}]
func parseUpdateKey(c *caddy.Controller) (*token, error) {
	args := c.RemainingArgs()
	if len(args) != 1 {
		return nil, c.ArgErr()
	}
	t := &token{name: strings.ToLower(dns.Fqdn(args[0]))}
	if !c.NextArg() {
		return t, nil
	}
	err := parseBlock(c, "update "+t.name, func(prop string, vals []string) error {
		if prop == "zones" || prop == "names" || prop == "types" {
			return parseScope(c, t, prop, vals)
		}
		return c.Errf("update %s: unknown property %q", t.name, prop)
	})
	return t, err
}
