package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// badInput is one request that must be refused.
type badInput struct {
	name        string
	method      string
	path        string // below /v1
	contentType string // application/json unless set
	body        string
	header      map[string]string
	status      int
	code        string
	pointer     string // checked when set
	detail      string // when set, the detail is exactly this
}

var badInputs = []badInput{
	// malformed requests
	{name: "malformed JSON", method: "POST", path: "/zones/example.org/records", body: `{"type":"A",`, status: 400, code: "malformed-body"},
	{name: "wrong content type", method: "POST", path: "/zones/example.org/records", contentType: "text/plain", body: `type=A`, status: 415, code: "unsupported-media-type"},
	{name: "unknown field", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1","colour":"red"}`, status: 400, code: "invalid-request", pointer: "/colour"},
	{name: "oversized body", method: "POST", path: "/zones/example.org/records", body: `{"type":"TXT","name":"x","value":"` + strings.Repeat("a", 5000) + `"}`, status: 413, code: "too-large"},
	{name: "missing value", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x"}`, status: 400, code: "invalid-request"},
	{name: "empty body", method: "POST", path: "/zones/example.org/records", body: ``, status: 400, code: "body-required"},
	{name: "JSON array for an object", method: "POST", path: "/zones/example.org/records", body: `[]`, status: 400, code: "invalid-request"},
	{name: "negative TTL", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1","ttl":-1}`, status: 400, code: "invalid-request", pointer: "/ttl"},
	{name: "TTL over 2^31-1", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1","ttl":2147483648}`, status: 400, code: "invalid-request", pointer: "/ttl"},
	{name: "TTL not a number", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1","ttl":"60"}`, status: 400, code: "invalid-request", pointer: "/ttl"},
	{name: "type with a space", method: "POST", path: "/zones/example.org/records", body: `{"type":"A B","name":"x","value":"192.0.2.1"}`, status: 400, code: "invalid-request", pointer: "/type"},
	// DNS rules
	{name: "type ANY", method: "POST", path: "/zones/example.org/records", body: `{"type":"ANY","name":"x","value":"192.0.2.1"}`, status: 422, code: "bad-type", pointer: "/type"},
	{name: "type OPT", method: "POST", path: "/zones/example.org/records", body: `{"type":"OPT","name":"x","value":"192.0.2.1"}`, status: 422, code: "bad-type"},
	{name: "unknown type mnemonic", method: "POST", path: "/zones/example.org/records", body: `{"type":"NOPE","name":"x","value":"1"}`, status: 422, code: "bad-type"},
	{name: "bad IPv4", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"999.1.1.1"}`, status: 422, code: "bad-value", pointer: "/value",
		detail: `value: not valid A RDATA: "999.1.1.1" (bad address)`},
	{name: "bad MX preference", method: "POST", path: "/zones/example.org/records", body: `{"type":"MX","name":"x","value":"ten mail"}`, status: 422, code: "bad-value", pointer: "/value",
		detail: `value: not valid MX RDATA: "ten" (bad preference)`},
	{name: "IPv4 in AAAA", method: "POST", path: "/zones/example.org/records", body: `{"type":"AAAA","name":"x","value":"192.0.2.1"}`, status: 422, code: "bad-value"},
	{name: "MX without preference", method: "POST", path: "/zones/example.org/records", body: `{"type":"MX","name":"x","value":"mail.example.org."}`, status: 422, code: "bad-value"},
	{name: "value with a line break", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1\nx IN A 192.0.2.2"}`, status: 422, code: "bad-value"},
	{name: "value with a comment", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"x","value":"192.0.2.1 ; hidden"}`, status: 422, code: "bad-value"},
	{name: "value with parentheses", method: "POST", path: "/zones/example.org/records", body: `{"type":"MX","name":"x","value":"( 10 mail )"}`, status: 422, code: "bad-value"},
	{name: "two records in one value", method: "POST", path: "/zones/example.org/records", body: `{"type":"TXT","name":"x","value":"\"a\" \"b"}`, status: 422, code: "bad-value"},
	{name: "type 0 in an NSEC bitmap", method: "POST", path: "/zones/example.org/records", body: `{"type":"NSEC","name":"n","value":"x.example.org. A \\1830"}`, status: 422, code: "bad-value"},
	{name: "name outside the zone", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"www.example.com.","value":"192.0.2.1"}`, status: 422, code: "out-of-zone", pointer: "/name"},
	{name: "empty label", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"a..b","value":"192.0.2.1"}`, status: 422, code: "bad-name", pointer: "/name"},
	{name: "label over 63 bytes", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"` + strings.Repeat("a", 64) + `","value":"192.0.2.1"}`, status: 422, code: "bad-name"},
	{name: "name over 255 bytes", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"` + strings.Repeat("abcdefghi.", 25) + `x","value":"192.0.2.1"}`, status: 422, code: "bad-name"},
	{name: "CNAME at the apex", method: "POST", path: "/zones/example.org/records", body: `{"type":"CNAME","name":"@","value":"www"}`, status: 422, code: "cname-at-apex"},
	{name: "CNAME beside an A", method: "POST", path: "/zones/example.org/records", body: `{"type":"CNAME","name":"www","value":"ns1"}`, status: 422, code: "cname-conflict"},
	{name: "A beside a CNAME", method: "POST", path: "/zones/example.org/records", body: `{"type":"A","name":"alias","value":"192.0.2.9"}`, status: 422, code: "cname-conflict"},
	{name: "second CNAME", method: "POST", path: "/zones/example.org/records", body: `{"type":"CNAME","name":"alias","value":"ns1"}`, status: 422, code: "cname-conflict"},
	{name: "SOA below the apex", method: "POST", path: "/zones/example.org/records", body: `{"type":"SOA","name":"sub","value":"a. b. 1 2 3 4 5"}`, status: 422, code: "soa-not-at-apex"},
	{name: "second SOA", method: "POST", path: "/zones/example.org/records", body: `{"type":"SOA","name":"@","value":"a. b. 1 2 3 4 5"}`, status: 422, code: "soa-required"},
	{name: "delete the SOA", method: "DELETE", path: "/zones/example.org/rrsets/@/SOA", status: 422, code: "soa-required"},
	{name: "delete the last apex NS", method: "DELETE", path: "/zones/example.org/rrsets/@/NS", status: 422, code: "ns-required"},
	// zones
	{name: "zone name with ../ in the path", method: "GET", path: "/zones/..%2F..%2Fetc", status: 400, code: "bad-zone-name"},
	{name: "write to a zone named ../../etc", method: "POST", path: "/zones/..%2F..%2Fetc/records", body: `{"type":"A","name":"x","value":"192.0.2.1"}`, status: 400, code: "bad-zone-name"},
	{name: "path with ../ in it", method: "GET", path: "/zones/../../etc", status: 404, code: "no-such-path"},
	{name: "create a zone named ../../etc", method: "POST", path: "/zones", body: `{"name":"../../etc"}`, status: 400, code: "bad-zone-name", pointer: "/name"},
	{name: "zone name with a control character", method: "GET", path: "/zones/ex%01ample.org", status: 400, code: "bad-zone-name"},
	{name: "zone that does not exist", method: "GET", path: "/zones/example.com", status: 404, code: "zone-not-found", detail: "example.com. is not in the store"},
	{name: "create a zone with an empty label", method: "POST", path: "/zones", body: `{"name":"bad..name"}`, status: 400, code: "bad-zone-name", pointer: "/name",
		detail: `name: "bad..name." is not a domain name: an empty label`},
	{name: "a misspelt query parameter", method: "GET", path: "/zones/example.org/records?nme=www", status: 400, code: "invalid-request",
		detail: `query parameter "nme" is not one of this operation's: cursor, limit, name, search, type`},
	{name: "a query parameter to an operation without any", method: "GET", path: "/zones/example.org?records=false", status: 400, code: "invalid-request",
		detail: `query parameter "records": this operation takes no query parameters`},
	{name: "write to a zone that does not exist", method: "POST", path: "/zones/example.com/records", body: `{"type":"A","name":"x","value":"192.0.2.1"}`, status: 404, code: "zone-not-found"},
	{name: "create an existing zone", method: "POST", path: "/zones", body: `{"name":"EXAMPLE.org."}`, status: 409, code: "zone-exists"},
	{name: "create a zone named with a slash", method: "POST", path: "/zones", body: `{"name":"a/b.example"}`, status: 400, code: "bad-zone-name", pointer: "/name"},
	{name: "create with a record outside", method: "POST", path: "/zones", body: `{"name":"example.net","records":[{"type":"A","name":"www.example.com.","value":"192.0.2.1"}]}`, status: 422, code: "out-of-zone", pointer: "/records/0/name"},
	{name: "create with a read-only field", method: "POST", path: "/zones", body: `{"name":"example.net","serial":5}`, status: 400, code: "invalid-request"},
	// versions and ids
	{name: "stale If-Match", method: "POST", path: "/zones/example.org/records", header: map[string]string{"If-Match": `"1"`}, body: `{"type":"A","name":"x","value":"192.0.2.1"}`, status: 412, code: "version-mismatch"},
	{name: "unknown record id", method: "DELETE", path: "/zones/example.org/records?recordId=0000000000000000", status: 404, code: "not-found"},
	{name: "malformed record id", method: "DELETE", path: "/zones/example.org/records?recordId=xyz", status: 400, code: "invalid-request"},
	{name: "missing record id", method: "DELETE", path: "/zones/example.org/records", status: 400, code: "invalid-request"},
	// transactions
	{name: "no changes", method: "PATCH", path: "/zones/example.org", body: `{"changes":[]}`, status: 400, code: "invalid-request", pointer: "/changes"},
	{name: "unknown op", method: "PATCH", path: "/zones/example.org", body: `{"changes":[{"op":"explode","name":"x","type":"A"}]}`, status: 400, code: "invalid-request"},
	{name: "second change breaks a rule", method: "PATCH", path: "/zones/example.org", body: `{"changes":[{"op":"add","name":"new","type":"A","value":"192.0.2.7"},{"op":"add","name":"www","type":"CNAME","value":"ns1"}]}`, status: 422, code: "cname-conflict", pointer: "/changes/1"},
	{name: "more changes than max_changes", method: "PATCH", path: "/zones/example.org", body: `{"changes":[{"op":"add","name":"a","type":"A","value":"192.0.2.1"},{"op":"add","name":"b","type":"A","value":"192.0.2.2"},{"op":"add","name":"c","type":"A","value":"192.0.2.3"},{"op":"add","name":"d","type":"A","value":"192.0.2.4"}]}`, status: 413, code: "too-many-changes"},
	{name: "more zones than max_zones", method: "POST", path: "/zones", body: `{"name":"example.net"}`, status: 422, code: "too-many-zones"},
	{name: "add without value", method: "PATCH", path: "/zones/example.org", body: `{"changes":[{"op":"add","name":"x","type":"A"}]}`, status: 422, code: "bad-value", pointer: "/changes/0/value"},
	{name: "bad value in an RRset", method: "PUT", path: "/zones/example.org/rrsets/www/A", body: `{"values":["192.0.2.1","nope"]}`, status: 422, code: "bad-value", pointer: "/values/1"},
	// zone files
	{name: "import with a syntax error", method: "PUT", path: "/zones/example.org/zonefile", contentType: "text/dns", body: "@ 3600 IN SOA ns1 h 1 2 3 4 5\nwww IN A nope\n", status: 422, code: "bad-zone-file"},
	{name: "import as JSON", method: "PUT", path: "/zones/example.org/zonefile", body: `{}`, status: 415, code: "unsupported-media-type"},
	// routing
	{name: "unknown path", method: "GET", path: "/nothing", status: 404, code: "no-such-path"},
	{name: "wrong method", method: "PUT", path: "/zones", body: `{}`, status: 405, code: "method-not-allowed"},
	{name: "bad type filter", method: "GET", path: "/zones/example.org/records?type=A%20B", status: 400, code: "invalid-request"},
	// ACME
	{name: "ACME body of neither form", method: "POST", path: "/acme/httpreq/present", body: `{"value":"x"}`, status: 400, code: "invalid-request"},
	// Member names are matched exactly (the handlers bind the value the
	// validator checked): a schema that allows other members does not take
	// FQDN for fqdn.
	{name: "ACME names in another case", method: "POST", path: "/acme/httpreq/present", body: `{"FQDN":"_acme-challenge.example.org.","Value":"x"}`, status: 400, code: "invalid-request"},
	{name: "ACME name in no zone", method: "POST", path: "/acme/httpreq/present", body: `{"fqdn":"_acme-challenge.example.com.","value":"x"}`, status: 404, code: "zone-not-found"},
}

// TestBadInputIsRefusedAndChangesNothing sends each bad input and checks the
// problem, then that the store and what is served are as before.
func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	if len(badInputs) < 40 {
		t.Fatalf("only %d bad inputs", len(badInputs))
	}
	e := startAPI(t, "        max_body 4096\n        max_changes 3\n        max_zones 1\n", "api/example.org.zone")
	storeBefore, servedBefore := e.snapshot()
	for _, tc := range badInputs {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			req, _ := http.NewRequest(tc.method, e.base+tc.path, strings.NewReader(tc.body))
			if tc.body != "" || tc.method == "POST" {
				req.Header.Set("Content-Type", ct)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			do := e.doer.Do
			if tc.code == "no-such-path" || tc.code == "method-not-allowed" {
				do = http.DefaultClient.Do // not an operation of openapi.yaml to check against
			}
			resp, err := do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			var p struct {
				Code    string  `json:"code"`
				Status  int     `json:"status"`
				Pointer *string `json:"pointer"`
				Hint    string  `json:"hint"`
				Detail  string  `json:"detail"`
			}
			if err := json.Unmarshal(body, &p); err != nil || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("not a problem+json answer (%s): %s", resp.Header.Get("Content-Type"), body)
			}
			if resp.StatusCode != tc.status || p.Status != tc.status || p.Code != tc.code {
				t.Errorf("want %d %s, got %d %s: %s", tc.status, tc.code, resp.StatusCode, p.Code, body)
			}
			if tc.pointer != "" && (p.Pointer == nil || *p.Pointer != tc.pointer) {
				t.Errorf("want pointer %s: %s", tc.pointer, body)
			}
			if tc.detail != "" && p.Detail != tc.detail {
				t.Errorf("want the detail %q, got %q", tc.detail, p.Detail)
			}
			if tc.status != 404 && tc.status != 405 && p.Hint == "" {
				t.Errorf("no hint: %s", body)
			}
		})
	}
	storeAfter, servedAfter := e.snapshot()
	if storeAfter != storeBefore {
		t.Errorf("the store changed:\n%s\n---\n%s", storeBefore, storeAfter)
	}
	if servedAfter != servedBefore {
		t.Errorf("what is served changed:\n%s\n---\n%s", servedBefore, servedAfter)
	}
}

// snapshot is every file of the store, and the answers to a set of queries.
func (e *apiEnv) snapshot() (string, string) {
	var files []string
	entries, _ := os.ReadDir(e.dir)
	for _, en := range entries {
		b, _ := os.ReadFile(filepath.Join(e.dir, en.Name()))
		files = append(files, en.Name()+"\n"+string(b))
	}
	sort.Strings(files)
	var served bytes.Buffer
	for _, q := range []string{"example.org.", "www.example.org.", "alias.example.org.", "x.example.org.", "new.example.org.", "sub.example.org.", "_acme-challenge.example.org."} {
		for _, typ := range []uint16{dns.TypeSOA, dns.TypeNS, dns.TypeA, dns.TypeCNAME, dns.TypeTXT} {
			fmt.Fprintln(&served, q, dns.Type(typ), e.dig(q, typ))
		}
	}
	return strings.Join(files, "\n"), served.String()
}
