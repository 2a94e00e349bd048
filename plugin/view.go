package zoneapi

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/request"
)

// view is the networks a server block answers, by the client's address:
// a view of split horizon, as CoreDNS's view plugin makes one, but
// decided by a prefix match rather than an expression, so that it costs a
// query next to nothing.
type view struct {
	name string
	nets []netip.Prefix
}

// parseView reads `view NAME NETWORK...`: the server block answers only
// clients from those networks (CIDR prefixes or addresses); the others go
// to the next block on the same port.
func parseView(c *caddy.Controller) (*view, error) {
	args := c.RemainingArgs()
	if len(args) < 2 {
		return nil, c.Errf("view needs a name and a network at least, such as view inside 10.0.0.0/8")
	}
	v := &view{name: args[0]}
	for _, a := range args[1:] {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			addr, aerr := netip.ParseAddr(a)
			if aerr != nil {
				return nil, c.Errf("view %s: %q is not a network (10.0.0.0/8) or an address", v.name, a)
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		p = p.Masked()
		for _, o := range v.nets {
			if o.Overlaps(p) {
				return nil, c.Errf("view %s: %s overlaps %s", v.name, p, o)
			}
		}
		v.nets = append(v.nets, p)
	}
	// The views of one port must not overlap: a client would be in two,
	// and CoreDNS would pick the first block without saying so.
	port := dnsserver.GetConfig(c).Port
	others, _ := c.Get(viewsKey{}).(map[string][]*view)
	if others == nil {
		others = map[string][]*view{}
	}
	for _, o := range others[port] {
		for _, p := range v.nets {
			for _, q := range o.nets {
				if o.name != v.name && p.Overlaps(q) {
					return nil, c.Errf("view %s: %s overlaps %s of view %s on port %s", v.name, p, q, o.name, port)
				}
			}
		}
	}
	others[port] = append(others[port], v)
	c.Set(viewsKey{}, others)
	return v, nil
}

// viewsKey keeps the views of one Corefile, by port, in its instance's
// storage.
type viewsKey struct{}

// contains reports whether the client address addr is in the view.
func (v *view) contains(addr net.Addr) bool {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		host, _, _ := strings.Cut(addr.String(), ":")
		ip, _ = netip.ParseAddr(host)
	}
	ip = ip.Unmap()
	for _, p := range v.nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// viewed is the plugin of a server block with a view.
type viewed struct {
	*Zoneapi
	view *view
}

var _ dnsserver.Viewer = (*viewed)(nil)

// Filter implements dnsserver.Viewer.
func (v *viewed) Filter(_ context.Context, state *request.Request) bool {
	return v.view.contains(state.W.RemoteAddr())
}

// ViewName implements dnsserver.Viewer.
func (v *viewed) ViewName() string { return v.view.name }
