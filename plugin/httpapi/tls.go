package httpapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync"
	"time"
)

// TLSFiles are the files of the listener's TLS: its certificate chain and
// key (PEM), and, to ask clients for certificates and check them, the CA
// certificates that issue those (empty: none asked for).
type TLSFiles struct {
	Cert, Key, CA string
}

// LoadTLS reads the files and returns the TLS configuration they make; an
// error names the file that cannot be used.
func LoadTLS(f TLSFiles) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("tls %s %s: %w", f.Cert, f.Key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("tls client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls client CA %s: no PEM certificate in it", f.CA)
		}
		// A client may come with a bearer token instead of a certificate;
		// one that comes with a certificate must have one of these CAs'.
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// certSource gives the TLS configuration of the files as they are now: a
// handshake looks at their modification times at most once a second and
// reads them again when they changed, so a certificate renewed on disk is
// served without a restart. Files that cannot be read keep the last good
// configuration, with an error in the log.
type certSource struct {
	files TLSFiles
	mu    sync.Mutex
	cfg   *tls.Config
	stamp string
	seen  time.Time
}

const recheckTLS = time.Second

func newCertSource(f TLSFiles) (*certSource, error) {
	cfg, err := LoadTLS(f)
	if err != nil {
		return nil, err
	}
	return &certSource{files: f, cfg: cfg, stamp: stampOf(f), seen: time.Now()}, nil
}

func stampOf(f TLSFiles) string {
	out := ""
	for _, p := range []string{f.Cert, f.Key, f.CA} {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil {
			out += fmt.Sprintf("%s:%d:%d;", p, st.ModTime().UnixNano(), st.Size())
		}
	}
	return out
}

func (c *certSource) config() *tls.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.seen) < recheckTLS {
		return c.cfg
	}
	c.seen = time.Now()
	stamp := stampOf(c.files)
	if stamp == c.stamp {
		return c.cfg
	}
	cfg, err := LoadTLS(c.files)
	if err != nil {
		log.Errorf("api: keeping the TLS certificate it has: %v", err)
		return c.cfg
	}
	c.cfg, c.stamp = cfg, stamp
	log.Infof("api: TLS certificate %s read again", c.files.Cert)
	return cfg
}

// ErrCertNoToken: a verified client certificate that no token names.
var ErrCertNoToken = fmt.Errorf("%w: no token names the client certificate", ErrUnknownToken)
