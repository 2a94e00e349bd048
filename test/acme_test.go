package test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/challenge"
	"github.com/go-acme/lego/v5/challenge/dns01"
	"github.com/go-acme/lego/v5/lego"
	"github.com/go-acme/lego/v5/providers/dns/dnsupdate"
	"github.com/go-acme/lego/v5/providers/dns/httpreq"
	"github.com/go-acme/lego/v5/providers/dns/pdns"
	"github.com/go-acme/lego/v5/registration"
	"github.com/miekg/dns"
)

// pebble returns the Pebble binary that ./build.sh test installs, and the
// directory of its test certificates in the module cache.
func pebble(t *testing.T) (string, string) {
	bin := filepath.Join(repoRoot(t), ".cache", "bin", "pebble")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("pebble is not installed; ./build.sh test installs it: %v", err)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(strings.TrimSpace(string(out)), "github.com", "letsencrypt", "pebble", "v2@v2.10.1", "test", "certs")
	if _, err := os.Stat(certs); err != nil {
		t.Fatalf("pebble's certificates: %v", err)
	}
	return bin, certs
}

type acmeUser struct {
	key crypto.Signer
	reg *acme.ExtendedAccount
}

func (u *acmeUser) GetEmail() string                       { return "" }
func (u *acmeUser) GetRegistration() *acme.ExtendedAccount { return u.reg }
func (u *acmeUser) GetPrivateKey() crypto.Signer           { return u.key }

const acmeCorefile = `.:{PORT} {
    bind 127.0.0.1
    tsig {
        secret acme-key. vzQUTRk9PGkxjK3glf7AiUS+WNLOxqGW8Zgy+C0BJuw=
        require_opcode UPDATE
    }
    zoneapi %s {
        listen 127.0.0.1:%d
        token acme {
            secret acme-only-secret
            zones example.test
            names _acme-challenge.*
            types TXT
        }
        update acme-key. {
            zones example.test
            names _acme-challenge.*
            types TXT
        }
    }
}
`

// TestLegoGetsACertificateThroughHttpreq: Pebble, pointed at bin/coredns for
// DNS, issues a certificate for example.test and *.example.test to lego,
// whose httpreq provider publishes the challenges through the API with a
// token that may only touch _acme-challenge TXT records.
func TestLegoGetsACertificateThroughHttpreq(t *testing.T) {
	issue(t, func(dnsAddr string, apiPort int) challenge.Provider {
		endpoint, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d/v1/acme/httpreq", apiPort))
		p, err := httpreq.NewDNSProviderConfig(&httpreq.Config{
			Endpoint: endpoint, Username: "lego", Password: "acme-only-secret",
			PropagationTimeout: 30 * time.Second, PollingInterval: 200 * time.Millisecond,
			HTTPClient: &http.Client{Timeout: 10 * time.Second},
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// TestLegoGetsACertificateThroughPowerDNSAPI does the same with lego's
// pdns provider against the PowerDNS-compatible API at /api, with the same
// scoped token as its X-API-Key: the API's version found at /api, the zone
// read, each challenge a PATCH of the TXT RRset (REPLACE, then DELETE).
func TestLegoGetsACertificateThroughPowerDNSAPI(t *testing.T) {
	issue(t, func(_ string, apiPort int) challenge.Provider {
		host, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", apiPort))
		p, err := pdns.NewDNSProviderConfig(&pdns.Config{
			Host: host, APIKey: "acme-only-secret", ServerName: "localhost", TTL: 60,
			PropagationTimeout: 30 * time.Second, PollingInterval: 200 * time.Millisecond,
			HTTPClient: &http.Client{Timeout: 10 * time.Second},
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// TestLegoGetsACertificateThroughRFC2136 does the same with lego's RFC 2136
// provider (dnsupdate), signing its updates with a TSIG key scoped the same way.
func TestLegoGetsACertificateThroughRFC2136(t *testing.T) {
	issue(t, func(dnsAddr string, _ int) challenge.Provider {
		p, err := dnsupdate.NewDNSProviderConfig(&dnsupdate.Config{
			Nameserver: dnsAddr, DNSTimeout: 5 * time.Second, TTL: 60,
			TSIGAlgorithm: dns.HmacSHA256, TSIGKey: "acme-key.", TSIGSecret: "vzQUTRk9PGkxjK3glf7AiUS+WNLOxqGW8Zgy+C0BJuw=",
			PropagationTimeout: 30 * time.Second, PollingInterval: 200 * time.Millisecond,
			SequenceInterval: 100 * time.Millisecond, // the default is 60 s between the two challenges
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

// issue starts zoneapi and Pebble and has lego obtain a certificate for
// example.test and *.example.test with the provider made by newProvider.
func issue(t *testing.T, newProvider func(dnsAddr string, apiPort int) challenge.Provider) {
	pebbleBin, certs := pebble(t)
	apiPort := freePort(t)
	dir := copyZones(t, "acme/example.test.zone")
	s := startCoreDNS(t, fmt.Sprintf(acmeCorefile, dir, apiPort), "example.test.")

	// Pebble, validating DNS-01 against our server (over TCP).
	pdir := t.TempDir()
	acmePort, mgmtPort := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`{"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d",
 "certificate": %q, "privateKey": %q, "httpPort": %d, "tlsPort": %d, "ocspResponderURL": "", "externalAccountBindingRequired": false}}`,
		acmePort, mgmtPort, filepath.Join(certs, "localhost", "cert.pem"), filepath.Join(certs, "localhost", "key.pem"), freePort(t), freePort(t))
	os.WriteFile(filepath.Join(pdir, "pebble.json"), []byte(cfg), 0o644)
	cmd := exec.Command(pebbleBin, "-config", filepath.Join(pdir, "pebble.json"), "-dnsserver", s.addr)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	plog := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = plog, plog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pebble:\n%s", plog.String())
		}
	})

	// An HTTP client that trusts Pebble's test CA (its HTTPS certificate).
	ca, err := os.ReadFile(filepath.Join(certs, "pebble.minica.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	waitFor(t, 10*time.Second, "pebble listens", func() bool {
		resp, err := httpClient.Get(fmt.Sprintf("https://localhost:%d/dir", acmePort))
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})

	// lego: every DNS question to our server, no authoritative-NS check.
	dns01.SetDefaultClient(dns01.NewClient(&dns01.Options{RecursiveNameservers: []string{s.addr}, Timeout: 5 * time.Second}))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	user := &acmeUser{key: key}
	config := lego.NewConfig(user)
	config.CADirURL = fmt.Sprintf("https://localhost:%d/dir", acmePort)
	config.HTTPClient = httpClient
	client, err := lego.NewClient(config)
	if err != nil {
		t.Fatal(err)
	}
	provider := newProvider(s.addr, apiPort)
	if err := client.Challenge.SetDNS01Provider(provider, dns01.DisableAuthoritativeNssPropagationRequirement()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if user.reg, err = client.Registration.Register(ctx, registration.RegisterOptions{TermsOfServiceAgreed: true}); err != nil {
		t.Fatal(err)
	}
	res, err := client.Certificate.Obtain(ctx, certificate.ObtainRequest{Domains: []string{"example.test", "*.example.test"}, Bundle: true, KeyType: certcrypto.EC256})
	if err != nil {
		t.Fatalf("obtain: %v\n%s", err, s.log.String())
	}

	// The chain verifies against Pebble's root, for both names.
	resp, err := httpClient.Get(fmt.Sprintf("https://localhost:%d/roots/0", mgmtPort))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	os.WriteFile(filepath.Join(pdir, "root.pem"), root, 0o644)
	os.WriteFile(filepath.Join(pdir, "bundle.pem"), res.Certificate, 0o644)
	out, err := exec.Command("openssl", "verify", "-CAfile", filepath.Join(pdir, "root.pem"), "-untrusted", filepath.Join(pdir, "bundle.pem"), filepath.Join(pdir, "bundle.pem")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify: %v\n%s", err, out)
	}
	leaf, err := certcryptoParse(res.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("example.test"); err != nil {
		t.Error(err)
	}
	if err := leaf.VerifyHostname("anything.example.test"); err != nil {
		t.Error(err)
	}

	// cleanup removed every challenge value.
	m := new(dns.Msg).SetQuestion("_acme-challenge.example.test.", dns.TypeTXT)
	r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, s.addr)
	if err != nil || len(r.Answer) != 0 {
		t.Fatalf("challenge TXT left behind: %v %v", r, err)
	}
}

// certcryptoParse returns the first certificate of a PEM bundle.
func certcryptoParse(bundle []byte) (*x509.Certificate, error) {
	certs, err := parsePEMCerts(bundle)
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("no certificate in the bundle: %v", err)
	}
	return certs[0], nil
}

func parsePEMCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// TestChallengeLeaseOutlivesARestart: a challenge whose cleanup never comes
// is removed once its lease ends, even when the server was killed and
// started again in between; the challenge TTL is the configured one.
func TestChallengeLeaseOutlivesARestart(t *testing.T) {
	dir := copyZones(t, "acme/example.test.zone")
	apiPort := freePort(t)
	corefile := fmt.Sprintf(".:{PORT} {\n    bind 127.0.0.1\n    zoneapi %s {\n        listen 127.0.0.1:%d\n        acme_ttl 30\n        acme_lease 3s\n    }\n}\n", dir, apiPort)
	s := startCoreDNS(t, corefile, "example.test.")
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	resp, err := http.Post(base+"/acme/httpreq/present", "application/json", strings.NewReader(`{"fqdn":"_acme-challenge.example.test.","value":"forgotten"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("present: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	txt := func(addr string) []dns.RR {
		m := new(dns.Msg).SetQuestion("_acme-challenge.example.test.", dns.TypeTXT)
		r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
		if err != nil {
			return nil
		}
		return r.Answer
	}
	if a := txt(s.addr); len(a) != 1 || a[0].Header().Ttl != 30 {
		t.Fatalf("want the challenge with TTL 30, got %v", a)
	}
	s.cmd.Process.Kill() // no cleanup, no clean shutdown
	s.cmd.Wait()

	again := startCoreDNS(t, fmt.Sprintf(".:{PORT} {\n    bind 127.0.0.1\n    zoneapi %s {\n        listen 127.0.0.1:%d\n        acme_lease 3s\n    }\n}\n", dir, freePort(t)), "example.test.")
	if len(txt(again.addr)) != 1 {
		t.Fatal("the challenge did not survive the restart")
	}
	waitFor(t, 10*time.Second, "the lease removes the challenge", func() bool { return len(txt(again.addr)) == 0 })
	// The audit line is written after the change is published.
	waitFor(t, 2*time.Second, "an audit line for the expiry", func() bool { return strings.Contains(again.log.String(), "op=acmeExpire") })
}

// TestPresentWaitsForTheSecondaries: with wait, present returns only once
// every listed secondary serves the value; one that never does gives 504.
func TestPresentWaitsForTheSecondaries(t *testing.T) {
	knotPort, apiPort := freePort(t), freePort(t)
	dir := copyZones(t, "api/example.org.zone")
	corefile := fmt.Sprintf(".:{PORT} {\n    bind 127.0.0.1\n    transfer {\n        to *\n    }\n    zoneapi %s {\n        listen 127.0.0.1:%d\n        secondaries 127.0.0.1:%d\n        acme_wait 3s\n    }\n}\n", dir, apiPort, knotPort)
	primary := startCoreDNS(t, corefile, "example.org.")
	knot := startKnotSecondary(t, knotPort, primary.addr)
	base := fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort)
	waitHealthy(t, base)
	present := func(value string) int {
		resp, err := http.Post(base+"/acme/httpreq/present?wait=true", "application/json", strings.NewReader(`{"fqdn":"_acme-challenge.example.org.","value":"`+value+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := present("v1"); code != 200 {
		t.Fatalf("present: %d", code)
	}
	// No polling: the secondary serves it already.
	m := new(dns.Msg).SetQuestion("_acme-challenge.example.org.", dns.TypeTXT)
	if r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, knot.addr); err != nil || len(r.Answer) != 1 {
		t.Fatalf("present returned before Knot served the value: %v %v", r, err)
	}
	// A secondary that is gone: 504 after acme_wait, the value published here.
	knot.cmd.Process.Kill()
	knot.cmd.Wait()
	if code := present("v2"); code != http.StatusGatewayTimeout {
		t.Fatalf("with a secondary down: want 504, got %d", code)
	}
	if r, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, primary.addr); err != nil || len(r.Answer) != 2 {
		t.Fatalf("the primary does not serve both values: %v %v", r, err)
	}
}
