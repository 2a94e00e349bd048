package test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/miekg/dns"
	spec "github.com/zoneapi/zoneapi"
	"github.com/zoneapi/zoneapi/test/client"
)

// apiEnv is a running bin/coredns with its API, and a client generated
// from openapi.yaml whose every response is checked against openapi.yaml.
type apiEnv struct {
	t     *testing.T
	srv   *server
	base  string // http://127.0.0.1:PORT/v1
	dir   string // the zone store
	c     *client.ClientWithResponses
	doer  *validatingDoer
	token string
}

const apiCorefile = `.:{PORT} {
    bind 127.0.0.1
    reload 2s 1s
    zoneapi %s {
        listen 127.0.0.1:%d
%s    }
}
`

// startAPI starts bin/coredns on a store holding the given testdata zone
// files; extra goes inside the zoneapi block.
func startAPI(t *testing.T, extra string, files ...string) *apiEnv {
	t.Helper()
	return startAPIWith(t, "", extra, files...)
}

// startAPIWith is startAPI with lines for the server block too (such as
// prometheus).
func startAPIWith(t *testing.T, server, extra string, files ...string) *apiEnv {
	t.Helper()
	return startAPIOn(t, copyZones(t, files...), "example.org.", server, extra)
}

// startAPIOn is startAPIWith on the store in dir, ready once it serves
// the zone ready.
func startAPIOn(t *testing.T, dir, ready, server, extra string) *apiEnv {
	t.Helper()
	port := freePort(t)
	corefile := strings.Replace(fmt.Sprintf(apiCorefile, dir, port, extra), "    bind 127.0.0.1\n", "    bind 127.0.0.1\n"+server, 1)
	s := startCoreDNS(t, corefile, ready)
	e := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", port), dir: dir}
	e.doer = newValidatingDoer(t, e.base)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(e.base + "/health")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("API did not come up: %v\n%s", err, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	c, err := client.NewClientWithResponses(e.base, client.WithHTTPClient(e.doer), client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		if e.token != "" {
			r.Header.Set("Authorization", "Bearer "+e.token)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

// dig asks the server for name and type and returns the answer's RDATA.
func (e *apiEnv) dig(name string, qtype uint16) []string {
	e.t.Helper()
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, e.srv.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rdata(rr))
		}
	}
	return out
}

func rdata(rr dns.RR) string {
	return rr.String()[len(rr.Header().String()):]
}

// storeFile returns the zone file of origin in the store.
func (e *apiEnv) storeFile(origin string) string {
	b, _ := os.ReadFile(filepath.Join(e.dir, origin+".zone"))
	return string(b)
}

// validatingDoer sends requests and checks each response against
// openapi.yaml: status declared for the operation, headers and body as the
// schema says. It also records which operations were exercised.
type validatingDoer struct {
	t      *testing.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool
	name   string // the document's
}

func init() {
	openapi3filter.RegisterBodyDecoder("text/dns", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
}

func newValidatingDoer(t *testing.T, base string) *validatingDoer {
	return newSpecDoer(t, spec.OpenAPI, "openapi.yaml", base)
}

// newSpecDoer is a validatingDoer of the OpenAPI document data, named name
// in errors, served at base.
func newSpecDoer(t *testing.T, data []byte, name, base string) *validatingDoer {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validatingDoer{t: t, router: router, seen: map[string]bool{}, name: name}
}

// RoundTrip makes a validatingDoer an http.RoundTripper, for clients
// that take an http.Client (hcloud-go).
func (d *validatingDoer) RoundTrip(req *http.Request) (*http.Response, error) { return d.Do(req) }

func (d *validatingDoer) Do(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))

	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := d.router.FindRoute(check)
	if err != nil {
		d.t.Errorf("%s %s: not an operation of %s: %v", req.Method, req.URL, d.name, err)
		return resp, nil
	}
	d.mu.Lock()
	d.seen[route.Operation.OperationID] = true
	d.mu.Unlock()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		d.t.Errorf("%s %s -> %d: response does not match %s: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, d.name, err, body)
	}
	return resp, nil
}

// digDO asks with the DO bit and returns the RRSIGs of the answer.
func (e *apiEnv) digDO(name string, qtype uint16) []string {
	e.t.Helper()
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(4096, true)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, e.srv.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == dns.TypeRRSIG {
			out = append(out, rr.String())
		}
	}
	return out
}
