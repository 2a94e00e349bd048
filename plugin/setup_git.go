package zoneapi

import (
	"strings"

	"github.com/coredns/caddy"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/zoneapi/zoneapi/plugin/gitlog"
	"github.com/zoneapi/zoneapi/plugin/gitops"
	"github.com/zoneapi/zoneapi/plugin/history"
)

// parseGit reads the git property; the second result is nil without a
// remote:
//
//	git {
//	    branch NAME
//	    author NAME EMAIL
//	    remote URL
//	    pull INTERVAL
//	    push
//	}
func parseGit(c *caddy.Controller) (*gitlog.Config, *gitops.Config, error) {
	g := &gitlog.Config{Branch: "main", Author: history.Author{Name: "zoneapi", Email: "zoneapi@localhost"}}
	ops := &gitops.Config{}
	if len(c.RemainingArgs()) != 0 {
		return nil, nil, c.ArgErr()
	}
	if !c.NextArg() {
		return g, nil, nil
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
			g.Branch = vals[0]
		case "author":
			if len(vals) != 2 || vals[0] == "" || !strings.Contains(vals[1], "@") {
				return c.Errf("git: author needs a name and an email address, e.g. author \"DNS bot\" dns@example.org")
			}
			g.Author = history.Author{Name: vals[0], Email: strings.Trim(vals[1], "<>")}
		case "remote":
			if len(vals) != 1 || vals[0] == "" {
				return c.ArgErr()
			}
			ops.Remote = vals[0]
		case "pull":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			d, err := duration(c, "git pull", vals[0])
			if err != nil {
				return err
			}
			ops.Pull = d
		case "push":
			if len(vals) != 0 {
				return c.ArgErr()
			}
			ops.Push = true
		default:
			return c.Errf("git: unknown property %q", prop)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if ops.Remote == "" {
		if ops.Pull > 0 || ops.Push {
			return nil, nil, c.Errf("git: pull and push need a remote")
		}
		return g, nil, nil
	}
	return g, ops, nil
}
