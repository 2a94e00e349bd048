package test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// corefileBlocks returns the corefile code blocks of a Markdown file: those
// fenced with ~~~ corefile or ```corefile.
func corefileBlocks(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	re := regexp.MustCompile("(?ms)^(~~~|```) ?corefile\n(.*?)^(~~~|```)")
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		blocks = append(blocks, m[2])
	}
	return blocks
}

var portRe = regexp.MustCompile(`:(\d{2,5})\b`)

// TestEveryDocumentedCorefileStarts starts bin/coredns with Corefile.example
// and with every corefile block of the READMEs and docs/, each port swapped
// for a free one, and checks that it answers DNS.
func TestEveryDocumentedCorefileStarts(t *testing.T) {
	root := repoRoot(t)
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	sources := map[string][]string{}
	example, err := os.ReadFile(filepath.Join(root, "Corefile.example"))
	if err != nil {
		t.Fatal(err)
	}
	sources["Corefile.example"] = []string{string(example)}
	for _, md := range append([]string{filepath.Join(root, "README.md"), filepath.Join(root, "plugin", "README.md")}, docs...) {
		rel, _ := filepath.Rel(root, md)
		sources[rel] = corefileBlocks(t, md)
	}
	total := 0
	for src, blocks := range sources {
		for i, block := range blocks {
			total++
			t.Run(fmt.Sprintf("%s#%d", src, i+1), func(t *testing.T) { startDocumented(t, block) })
		}
	}
	if total < 4 {
		t.Fatalf("found only %d corefile blocks; the documentation has more", total)
	}
}

// docAddr matches the documentation address ranges (RFC 5737) that the
// examples use; the test serves them on loopback.
var docAddr = regexp.MustCompile(`\b(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\b`)

func startDocumented(t *testing.T, corefile string) {
	corefile = docAddr.ReplaceAllString(corefile, "127.0.0.1")
	corefile = strings.ReplaceAll(corefile, "/var/lib/zoneapi", "zones")
	// Git remotes stay on this machine: one that does not exist, so the
	// pull fails, which must not stop the server.
	corefile = regexp.MustCompile(`(?m)^(\s*remote) \S+`).ReplaceAllString(corefile, "${1} file:///nonexistent/zones.git")
	// A Hetzner mirror's token is a file here, and its upstream a port on
	// loopback where nothing listens: rounds fail, the server serves.
	// (Not in t.TempDir(): a subtest's name holds a '#', a Corefile comment.)
	tokenDir, err := os.MkdirTemp("", "hcloud")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tokenDir) })
	tokenFile := filepath.Join(tokenDir, "token")
	os.WriteFile(tokenFile, []byte("documented-token\n"), 0o600)
	corefile = regexp.MustCompile(`(?m)^(\s*token_file) \S+`).ReplaceAllString(corefile, "${1} "+tokenFile)
	corefile = regexp.MustCompile(`(?m)^(\s*endpoint) \S+`).ReplaceAllString(corefile, "${1} http://127.0.0.1:9/hetzner/v1")
	// The API's certificate is one made here.
	if re := regexp.MustCompile(`(?m)^(\s*tls) \S+ \S+`); re.MatchString(corefile) {
		crt, key := selfSigned(t, tokenDir)
		corefile = re.ReplaceAllString(corefile, "${1} "+crt+" "+key)
	}
	ports := map[string]int{}
	var dnsPort int
	corefile = portRe.ReplaceAllStringFunc(corefile, func(m string) string {
		p := m[1:]
		if _, ok := ports[p]; !ok {
			ports[p] = freePort(t)
		}
		return fmt.Sprintf(":%d", ports[p])
	})
	corefile = withFreeListen(t, corefile)
	// The first server block's port is DNS.
	if m := regexp.MustCompile(`(?m)^[^\s#][^{\n]*:(\d+)\s*\{`).FindStringSubmatch(corefile); m != nil {
		fmt.Sscan(m[1], &dnsPort)
	}
	if dnsPort == 0 {
		t.Fatalf("no server block with a port in:\n%s", corefile)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "Corefile")
	os.WriteFile(conf, []byte(corefile), 0o644)
	cmd := exec.Command(corednsBinary(t), "-conf", conf)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ZONEAPI_ADMIN_TOKEN=documented-token")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", dnsPort)
	deadline := time.Now().Add(10 * time.Second)
	// Listening on the DNS port proves the whole Corefile was accepted: a
	// query could wait on a forward target that is not there.
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		if cmd.ProcessState != nil || strings.Contains(out.String(), "Error") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("coredns did not start with\n%s\noutput:\n%s", corefile, out.String())
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// dir and returns their paths.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zoneapi"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(priv)
	crt, key := filepath.Join(dir, "api.crt"), filepath.Join(dir, "api.key")
	os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return crt, key
}

// TestTheQuickStartServesMetricsAndDocs: the server of ./build.sh run
// (Corefile.example) has Prometheus metrics, the reference page and the
// MCP endpoint where its comment says.
func TestTheQuickStartServesMetricsAndDocs(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(repoRoot(t), "Corefile.example"))
	if err != nil {
		t.Fatal(err)
	}
	dns, api, metrics := freePort(t), freePort(t), freePort(t)
	dir := copyZones(t, "store/example.org.zone")
	corefile := strings.NewReplacer(":1053", fmt.Sprintf(":%d", dns), ":8053", fmt.Sprintf(":%d", api), ":9153", fmt.Sprintf(":%d", metrics), "zoneapi data", "zoneapi "+dir).Replace(string(example))
	for _, want := range []string{fmt.Sprintf("prometheus 127.0.0.1:%d", metrics), "/docs", "/v1/mcp"} {
		if !strings.Contains(corefile, want) {
			t.Fatalf("Corefile.example does not say %q:\n%s", want, example)
		}
	}
	startCoreDNSOnPort(t, corefile, dns, "example.org.")
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, body := get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metrics)); s != 200 || !strings.Contains(body, "coredns_zoneapi_zones") {
		t.Errorf("metrics: %d", s)
	}
	if s, body := get(fmt.Sprintf("http://127.0.0.1:%d/docs", api)); s != 200 || !strings.Contains(body, "swagger-ui") {
		t.Errorf("/docs: %d", s)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://127.0.0.1:%d/v1/mcp", api), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("MCP initialize: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
}
