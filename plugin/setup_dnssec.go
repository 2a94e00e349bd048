package zoneapi

import (
	"net"
	"time"

	"github.com/coredns/caddy"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/resign"
)

// dnssecConfig is what the dnssec block says of the zones signed here.
type dnssecConfig struct {
	timing dnssec.Timing
	parent resign.Parent
}

// parseDNSSEC reads the dnssec block, the timings of rollovers:
//
//	dnssec {
//	    propagation DURATION          (1h: until every secondary serves a change)
//	    parent_propagation DURATION   (1h: until every server of the parent serves a new DS)
//	    ds_ttl DURATION               (24h: the DS's TTL at the parent, at least)
//	    zsk_lifetime DURATION | 0     (720h: a ZSK is rolled this long after it began to sign; 0: never by itself)
//	    parent ADDRESS [EVERY]        (none: where a new DS is looked for, a resolver or a server of the parent; every 10m)
//	}
func parseDNSSEC(c *caddy.Controller) (dnssecConfig, error) {
	d := dnssecConfig{timing: dnssec.DefaultTiming, parent: resign.Parent{Every: resign.DefaultParentEvery}}
	if len(c.RemainingArgs()) != 0 || !c.NextArg() {
		return d, c.Errf("dnssec: needs a block")
	}
	err := parseBlock(c, "dnssec", func(prop string, vals []string) error {
		switch prop {
		case "propagation", "parent_propagation", "ds_ttl", "zsk_lifetime":
			if len(vals) != 1 {
				return c.ArgErr()
			}
			v, err := time.ParseDuration(vals[0])
			if err != nil || v < 0 {
				return c.Errf("dnssec %s needs a duration such as 30s or 1h (0 for none), got %q", prop, vals[0])
			}
			switch prop {
			case "propagation":
				d.timing.Propagation = v
			case "parent_propagation":
				d.timing.ParentPropagation = v
			case "ds_ttl":
				d.timing.DSTTL = v
			case "zsk_lifetime":
				d.timing.ZSKLifetime = v
			}
		case "parent":
			if len(vals) < 1 || len(vals) > 2 {
				return c.ArgErr()
			}
			addr := vals[0]
			if _, _, err := net.SplitHostPort(addr); err != nil {
				addr = net.JoinHostPort(addr, "53")
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return c.Errf("dnssec parent: %q is not an address", vals[0])
			}
			d.parent.Addr = addr
			if len(vals) == 2 {
				every, err := duration(c, "dnssec parent", vals[1])
				if err != nil {
					return err
				}
				d.parent.Every = every
			}
		default:
			return c.Errf("dnssec: unknown property %q", prop)
		}
		return nil
	})
	return d, err
}
