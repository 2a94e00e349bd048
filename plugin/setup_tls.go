package zoneapi

import (
	"path/filepath"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
)

// parseTLS reads `tls CERT KEY [CA]`: the API over TLS with the certificate
// chain and key in CERT and KEY (PEM; relative to root), and, with CA, client
// certificates asked for and checked against it (a token's client_cert
// names those that stand for it). The files are read now, so that one that
// cannot be used is an error of this line, and again whenever they change.
func parseTLS(c *caddy.Controller) (*httpapi.TLSFiles, error) {
	args := c.RemainingArgs()
	if len(args) < 2 || len(args) > 3 {
		return nil, c.ArgErr()
	}
	root := dnsserver.GetConfig(c).Root
	abs := func(p string) string {
		if !filepath.IsAbs(p) && root != "" {
			return filepath.Join(root, p)
		}
		return p
	}
	f := &httpapi.TLSFiles{Cert: abs(args[0]), Key: abs(args[1])}
	if len(args) == 3 {
		f.CA = abs(args[2])
	}
	if _, err := httpapi.LoadTLS(*f); err != nil {
		return nil, c.Errf("%v", err)
	}
	return f, nil
}
