package test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pki makes, with openssl, a CA and what it signs in dir: a server
// certificate for 127.0.0.1, and client certificates; and a second CA that
// the server does not trust, with a client certificate of its own.
type pki struct {
	t   *testing.T
	dir string
}

func (p *pki) openssl(args ...string) {
	p.t.Helper()
	cmd := exec.Command(needTool(p.t, "openssl"), args...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

// ca makes the CA name.crt/name.key.
func (p *pki) ca(name string) {
	p.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
		"-subj", "/CN="+name, "-keyout", name+".key", "-out", name+".crt")
}

// issue makes name.crt/name.key for the subject cn, signed by ca, valid
// for the extensions ext (subjectAltName, extendedKeyUsage).
func (p *pki) issue(ca, name, cn, ext string) {
	p.openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN="+cn,
		"-keyout", name+".key", "-out", name+".csr")
	os.WriteFile(p.path(name+".ext"), []byte(ext+"\n"), 0o644)
	p.openssl("x509", "-req", "-in", name+".csr", "-CA", ca+".crt", "-CAkey", ca+".key", "-CAcreateserial", "-days", "1",
		"-extfile", name+".ext", "-out", name+".crt")
}

func newPKI(t *testing.T) *pki {
	p := &pki{t: t, dir: t.TempDir()}
	p.ca("ca")
	p.issue("ca", "server", "zoneapi test", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
	p.issue("ca", "agent", "agent.example", "subjectAltName=DNS:agent.example\nextendedKeyUsage=clientAuth")
	p.issue("ca", "nobody", "nobody.example", "extendedKeyUsage=clientAuth")
	p.ca("rogue")
	p.issue("rogue", "intruder", "agent.example", "subjectAltName=DNS:agent.example\nextendedKeyUsage=clientAuth")
	return p
}

// client is an HTTPS client that trusts the test CA and, given a name,
// presents that client certificate.
func (p *pki) client(cert string) *http.Client {
	p.t.Helper()
	pem, _ := os.ReadFile(p.path("ca.crt"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: pool}
	if cert != "" {
		kp, err := tls.LoadX509KeyPair(p.path(cert+".crt"), p.path(cert+".key"))
		if err != nil {
			p.t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{kp}
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

func do(t *testing.T, c *http.Client, method, url, bearer, body string) (int, string, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestTheAPIOverTLS: the API on TLS with a certificate of a CA made here;
// curl and Go's client reach it, plain HTTP does not; a client certificate
// of that CA stands for the token that names it, with that token's scope;
// one of another CA is refused in the handshake, one no token names gets
// 401; a certificate replaced on disk is served to the next client without
// a restart.
func TestTheAPIOverTLS(t *testing.T) {
	p := newPKI(t)
	dir := copyZones(t, "api/example.org.zone")
	port := freePort(t)
	extra := fmt.Sprintf(`        tls %s %s %s
        token admin {
            secret admin-secret
        }
        token agent {
            client_cert agent.example
            zones example.org
            read_only
        }
`, p.path("server.crt"), p.path("server.key"), p.path("ca.crt"))
	startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port, extra), "example.org.")
	base := fmt.Sprintf("https://127.0.0.1:%d/v1", port)
	c := p.client("")
	var status int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s, _, err := do(t, c, "GET", base+"/health", "", ""); err == nil {
			status = s
			break
		}
	}
	if status != 200 {
		t.Fatalf("health over TLS: %d", status)
	}
	// curl, trusting the CA.
	out, err := exec.Command(needTool(t, "curl"), "-sS", "--cacert", p.path("ca.crt"), "-H", "Authorization: Bearer admin-secret", base+"/zones").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "example.org") {
		t.Fatalf("curl over TLS: %v\n%s", err, out)
	}
	// Plain HTTP to the same port gets no API.
	if resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/v1/zones", port)); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatalf("plain HTTP reached the API: %s", b)
		}
	}
	// The bearer token still works over TLS; no token is 401.
	if s, _, _ := do(t, c, "GET", base+"/zones", "admin-secret", ""); s != 200 {
		t.Fatalf("admin over TLS: %d", s)
	}
	if s, _, _ := do(t, c, "GET", base+"/zones", "", ""); s != 401 {
		t.Fatalf("no token over TLS: %d", s)
	}
	// mTLS: the agent's certificate is the agent token: it reads, it may not write.
	agent := p.client("agent")
	if s, body, err := do(t, agent, "GET", base+"/zones/example.org/records", "", ""); err != nil || s != 200 {
		t.Fatalf("the agent's certificate reading: %d %v %s", s, err, body)
	}
	if s, body, _ := do(t, agent, "POST", base+"/zones/example.org/records", "", `{"name":"x","type":"A","value":"192.0.2.9"}`); s != 403 {
		t.Fatalf("the read-only agent's certificate writing: %d %s", s, body)
	}
	// A certificate of a CA the server does not trust: Go's client does not
	// even send it (the server names the CAs it takes), so it gets 401;
	// curl sends it, and the handshake fails.
	if s, _, err := do(t, p.client("intruder"), "GET", base+"/zones", "", ""); err == nil && s != 401 {
		t.Fatalf("a client certificate of another CA: %d", s)
	}
	if out, err := exec.Command(needTool(t, "curl"), "-sS", "--cacert", p.path("ca.crt"), "--cert", p.path("intruder.crt"), "--key", p.path("intruder.key"),
		base+"/zones").CombinedOutput(); err == nil {
		t.Fatalf("curl with a client certificate of another CA was answered:\n%s", out)
	}
	// A certificate of the CA that no token names: 401.
	if s, body, err := do(t, p.client("nobody"), "GET", base+"/zones", "", ""); err != nil || s != 401 {
		t.Fatalf("a certificate no token names: %d %v %s", s, err, body)
	}

	// The server's certificate renewed on disk: the next client gets it.
	serial := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), p.client("").Transport.(*http.Transport).TLSClientConfig)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	before := serial()
	p.issue("ca", "renewed", "zoneapi test", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth")
	for _, f := range []string{"crt", "key"} {
		b, _ := os.ReadFile(p.path("renewed." + f))
		tmp := p.path("server." + f + ".new")
		os.WriteFile(tmp, b, 0o600)
		os.Rename(tmp, p.path("server."+f))
	}
	eventually(t, 10*time.Second, "the renewed certificate to be served", func() bool { return serial() != before })
	if s, _, _ := do(t, c, "GET", base+"/zones", "admin-secret", ""); s != 200 {
		t.Fatalf("after the renewal: %d", s)
	}
}
