package zoneapi

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/zoneapi/zoneapi/plugin/acme"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "acme.token")
	os.WriteFile(secretFile, []byte("from-a-file\n"), 0o600)
	tests := []struct {
		input   string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{input: "zoneapi " + dir, check: func(t *testing.T, c config) {
			if c.dir != dir || c.listen != defaultListen || c.fall.Zones != nil {
				t.Errorf("defaults: %+v", c)
			}
		}},
		{input: "zoneapi " + dir + " {\n listen [::1]:9053\n fallthrough example.org\n max_records 10\n}", check: func(t *testing.T, c config) {
			if c.listen != "[::1]:9053" || len(c.fall.Zones) != 1 || c.maxRecords != 10 {
				t.Errorf("got %+v", c)
			}
		}},
		{input: "zoneapi " + dir + " {\n listen 0.0.0.0:8053\n token s3cret\n plaintext\n}", check: func(t *testing.T, c config) {
			if len(c.tokens) != 1 || !c.plaintext {
				t.Errorf("tokens: %v", c.tokens)
			}
		}},
		{input: "zoneapi " + dir + " {\n listen 0.0.0.0:8053\n token s3cret\n}", wantErr: "serve the API over TLS"},
		{input: "zoneapi " + dir + " {\n tls /nonexistent.crt /nonexistent.key\n}", wantErr: "/nonexistent.crt"},
		{input: "zoneapi " + dir + " {\n tls only-one\n}", wantErr: "Wrong argument count"},
		{input: "zoneapi " + dir + " {\n token agent {\n  client_cert agent.example\n  read_only\n }\n token other {\n  client_cert AGENT.example\n }\n}", wantErr: "same client certificate"},
		{input: "zoneapi " + dir + " {\n token agent {\n  client_cert agent.example\n  read_only\n }\n token b {\n  client_cert b.example\n }\n}", check: func(t *testing.T, c config) {
			if len(c.tokens) != 2 || c.tokens[0].Certs[0] != "agent.example" {
				t.Errorf("client_cert tokens: %+v", c.tokens)
			}
		}},
		{input: "zoneapi " + dir + " {\n dnssec {\n  propagation 5m\n  zsk_lifetime 0\n  parent 127.0.0.1:5300 1m\n }\n}", check: func(t *testing.T, c config) {
			if c.dnssec.timing.Propagation != 5*time.Minute || c.dnssec.timing.ZSKLifetime != 0 || c.dnssec.parent.Addr != "127.0.0.1:5300" || c.dnssec.parent.Every != time.Minute {
				t.Errorf("dnssec: %+v", c.dnssec)
			}
		}},
		{input: "zoneapi " + dir + " {\n dnssec {\n  propagation soon\n }\n}", wantErr: "propagation needs a duration"},
		{input: "zoneapi " + dir + " {\n rate_limit 600\n}", check: func(t *testing.T, c config) {
			if c.rateLimit != 600 {
				t.Errorf("rate_limit: %d", c.rateLimit)
			}
		}},
		{input: "zoneapi " + dir + " {\n rate_limit lots\n}", wantErr: "rate_limit needs a number"},
		{input: "zoneapi " + dir + " {\n view inside 10.0.0.0/8 192.0.2.1\n}", check: func(t *testing.T, c config) {
			if c.view == nil || c.view.name != "inside" || len(c.view.nets) != 2 || c.view.nets[1].Bits() != 32 {
				t.Errorf("view: %+v", c.view)
			}
		}},
		{input: "zoneapi " + dir + " {\n view inside 10.0.0.0/8 10.1.0.0/16\n}", wantErr: "overlaps"},
		{input: "zoneapi " + dir + " {\n view inside\n}", wantErr: "needs a name and a network"},
		{input: "zoneapi " + dir + " {\n view inside ten\n}", wantErr: "is not a network"},
		{input: "zoneapi " + dir + " {\n listen 0.0.0.0:8053\n}", wantErr: "not a loopback address"},
		{input: "zoneapi " + dir + " {\n max_zones 5\n max_changes 7\n max_body 1000\n}", check: func(t *testing.T, c config) {
			if c.maxZones != 5 || c.maxChanges != 7 || c.maxBody != 1000 {
				t.Errorf("limits: %+v", c)
			}
		}},
		{input: "zoneapi " + dir + " {\n token acme {\n  secret s\n  zones example.org\n  names _acme-challenge.*\n  types TXT\n }\n}", check: func(t *testing.T, c config) {
			if len(c.tokens) != 1 || c.tokens[0].Name != "acme" || len(c.tokens[0].Types) != 1 || c.tokens[0].Full() {
				t.Errorf("scoped token: %+v", c.tokens)
			}
		}},
		{input: "zoneapi " + dir + " {\n token acme {\n  read_only\n }\n}", wantErr: "needs a secret, a secret_file or a client_cert"},
		{input: "zoneapi " + dir + " {\n token acme {\n  secret s\n  colour red\n }\n}", wantErr: `unknown property "colour"`},
		{input: "zoneapi " + dir + " {\n token a\n token a\n}", wantErr: "same secret"},
		{input: "zoneapi " + dir + " {\n token x {\n  secret a\n }\n token x {\n  secret b\n }\n}", wantErr: "defined twice"},
		{input: "zoneapi " + dir + " {\n max_changes 0\n}", wantErr: "positive"},
		{input: "zoneapi " + dir + " {\n token acme {\n  secret_file " + secretFile + "\n }\n}", check: func(t *testing.T, c config) {
			if c.tokens[0].Digest != sha256.Sum256([]byte("from-a-file")) {
				t.Error("secret_file: the token's secret is not the file's trimmed contents")
			}
		}},
		{input: "zoneapi " + dir + " {\n token acme {\n  secret_file /nonexistent\n }\n}", wantErr: "secret_file"},
		{input: "zoneapi " + dir + " {\n acme_ttl 30\n acme_lease 2h\n acme_wait 10s\n}", check: func(t *testing.T, c config) {
			if c.acme.TTL != 30 || c.acme.Lease != 2*time.Hour || !c.acme.Wait || c.acme.WaitMax != 10*time.Second {
				t.Errorf("acme: %+v", c)
			}
		}},
		{input: "zoneapi " + dir + " {\n acme_wait\n}", check: func(t *testing.T, c config) {
			if !c.acme.Wait || c.acme.WaitMax != acme.DefaultWaitMax {
				t.Errorf("acme_wait without a duration: %v %v", c.acme.Wait, c.acme.WaitMax)
			}
		}},
		{input: "zoneapi " + dir + " {\n acme_lease forever\n}", wantErr: "duration"},
		{input: "zoneapi " + dir + " {\n update ddns-key {\n  names *.dyn.example.org\n  types A AAAA\n }\n update other.\n}", check: func(t *testing.T, c config) {
			if len(c.updateKeys) != 2 || c.updateKeys[0].Name != "ddns-key." || len(c.updateKeys[0].Types) != 2 || !c.updateKeys[1].Full() {
				t.Errorf("update keys: %+v %+v", c.updateKeys[0], c.updateKeys[1])
			}
		}},
		{input: "zoneapi " + dir + " {\n update k {\n  secret s\n }\n}", wantErr: `unknown property "secret"`},
		{input: "zoneapi " + dir + " {\n secondaries 192.0.2.1 [2001:db8::1]:5353\n}", check: func(t *testing.T, c config) {
			if len(c.secondaries) != 2 || c.secondaries[0] != "192.0.2.1:53" || c.secondaries[1] != "[2001:db8::1]:5353" {
				t.Errorf("secondaries: %v", c.secondaries)
			}
		}},
		{input: "zoneapi " + dir + " {\n hetzner {\n  endpoint http://127.0.0.1:8053/hetzner/v1\n  token_file " + secretFile + "\n  zones example.org Example.COM.\n  interval 30s\n  delete\n }\n hetzner_rate_limit 0\n}", check: func(t *testing.T, c config) {
			m := c.mirror
			if m == nil || m.Token != "from-a-file" || m.Endpoint != "http://127.0.0.1:8053/hetzner/v1" || len(m.Zones) != 2 || m.Zones[1] != "example.com." || m.Interval != 30*time.Second || !m.Delete || c.hetzner.RateLimit != 0 {
				t.Errorf("hetzner: %+v, rate limit %d", m, c.hetzner.RateLimit)
			}
		}},
		{input: "zoneapi " + dir + " {\n hetzner {\n  token_file " + secretFile + "\n }\n}", check: func(t *testing.T, c config) {
			if c.mirror.Endpoint != "https://api.hetzner.cloud/v1" || c.mirror.Interval != time.Minute || c.mirror.Zones != nil || c.hetzner.RateLimit != 3600 {
				t.Errorf("hetzner defaults: %+v", c.mirror)
			}
		}},
		{input: "zoneapi " + dir + " {\n hetzner {\n  token_file /nonexistent/hcloud.token\n }\n}", wantErr: "token_file /nonexistent/hcloud.token"},
		{input: "zoneapi " + dir + " {\n hetzner {\n  endpoint ftp://x\n  token_file " + secretFile + "\n }\n}", wantErr: "not an http(s) URL"},
		{input: "zoneapi " + dir + " {\n hetzner {\n  interval 1m\n }\n}", wantErr: "token_file is required"},
		{input: "zoneapi " + dir + " {\n hetzner {\n  token_file " + secretFile + "\n  colour red\n }\n}", wantErr: `hetzner: unknown property "colour"`},
		{input: "zoneapi " + dir + " {\n hetzner_rate_limit lots\n}", wantErr: "hetzner_rate_limit"},
		{input: "zoneapi " + dir + " {\n bogus 1\n}", wantErr: `unknown property "bogus"`},
		{input: "zoneapi " + dir + " extra", wantErr: "Wrong argument count"},
		{input: "zoneapi " + dir + " {\n listen nonsense\n}", wantErr: "listen"},
		{input: "zoneapi " + dir + " {\n max_records -1\n}", wantErr: "positive"},
		{input: "zoneapi " + dir + " {\n token\n}", wantErr: "Wrong argument count"},
		{input: "zoneapi " + dir + "\nzoneapi " + dir, wantErr: "once per Server Block"},
	}
	for _, tc := range tests {
		c := caddy.NewTestController("dns", tc.input)
		cfg, err := parse(c)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: want error containing %q, got %v", tc.input, tc.wantErr, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.input, err)
			continue
		}
		tc.check(t, cfg)
	}
}

func TestSetupLoadsTheStoreAndSharesItAcrossInstances(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(testzone.ExampleOrg), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.example.zone"), []byte("garbage\n"), 0o644)
	c := caddy.NewTestController("dns", "zoneapi "+dir)
	if err := setup(c); err != nil {
		t.Fatal(err)
	}
	st := registry[dir]
	if st == nil || st.pipe.Zones().Len() != 1 {
		t.Fatalf("want one zone loaded and ready, got %+v", st)
	}
	// A second instance (a Corefile reload) shares the state without reading the files again.
	c2 := caddy.NewTestController("dns", "zoneapi "+dir)
	if err := setup(c2); err != nil {
		t.Fatal(err)
	}
	if registry[dir] != st || st.refs != 2 {
		t.Fatalf("second instance did not share the state: refs=%d", st.refs)
	}
	release(st)
	release(st)
	if _, ok := registry[dir]; ok {
		t.Fatal("state not forgotten after the last release")
	}
}

func TestStoreDirIsRelativeToRootAndCreated(t *testing.T) {
	root := t.TempDir()
	c := caddy.NewTestController("dns", "zoneapi store")
	dnsserver.GetConfig(c).Root = root
	cfg, err := parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.dir != filepath.Join(root, "store") {
		t.Errorf("want %s, got %s", filepath.Join(root, "store"), cfg.dir)
	}
	if fi, err := os.Stat(cfg.dir); err != nil || !fi.IsDir() {
		t.Errorf("store directory not created: %v", err)
	}
}
