package zoneapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
)

// TestConcurrentIfMatchUpdatesLoseNothing runs 16 clients that each
// increment a counter 100 times by read-modify-write with If-Match, retrying
// on 412. No increment may be lost.
func TestConcurrentIfMatchUpdatesLoseNothing(t *testing.T) {
	_, srv := newTestAPI(t)
	url := srv.URL + "/v1/zones/example.org/rrsets/counter/TXT"
	const clients, cycles = 16, 100
	var wg sync.WaitGroup
	var retries sync.Map
	for c := range clients {
		wg.Go(func() {
			for range cycles {
				for attempt := 0; ; attempt++ {
					resp, err := http.Get(url)
					if err != nil {
						t.Error(err)
						return
					}
					var set struct{ Values []string }
					json.NewDecoder(resp.Body).Decode(&set)
					resp.Body.Close()
					n, _ := strconv.Atoi(strings.Trim(set.Values[0], `"`))
					body := fmt.Sprintf(`{"ttl":60,"values":["%d"]}`, n+1)
					req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("If-Match", resp.Header.Get("ETag"))
					put, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					put.Body.Close()
					if put.StatusCode == http.StatusOK {
						break
					}
					if put.StatusCode != http.StatusPreconditionFailed {
						t.Errorf("client %d: PUT answered %d", c, put.StatusCode)
						return
					}
					retries.Store(c, attempt+1)
				}
			}
		})
	}
	wg.Wait()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Values []string }
	json.NewDecoder(resp.Body).Decode(&set)
	if len(set.Values) != 1 || set.Values[0] != fmt.Sprintf(`"%d"`, clients*cycles) {
		t.Fatalf("counter is %v, want %d: updates were lost", set.Values, clients*cycles)
	}
}

func post(t *testing.T, url, key, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestIdempotencyKeyAppliesOnce(t *testing.T) {
	st, srv := newTestAPI(t)
	url := srv.URL + "/v1/zones/example.org/records"
	body := `{"type":"TXT","name":"once","value":"v","ttl":60}`
	serial := func() uint32 { z, _ := st.pipe.Zone("example.org."); return z.Serial() }
	before := serial()
	// Concurrent duplicates: one is applied, the others wait and replay it.
	var wg sync.WaitGroup
	answers := make([]string, 8)
	for i := range answers {
		wg.Go(func() {
			resp, b := post(t, url, "key-1", body)
			if resp.StatusCode != 201 {
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
			answers[i] = b
		})
	}
	wg.Wait()
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Fatalf("retries got different answers: %q and %q", answers[0], a)
		}
	}
	if after := serial(); after != pipeline.NextSerial(before, pipeline.Now()) {
		t.Fatalf("serial went from %d to %d: the change was applied more than once", before, after)
	}
	// The same key with another body is a mistake, not a retry.
	resp, b := post(t, url, "key-1", `{"type":"TXT","name":"other","value":"v"}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "idempotency-key-reused") {
		t.Fatalf("reused key: %d %s", resp.StatusCode, b)
	}
	// A new key is a new request.
	if resp, _ := post(t, url, "key-2", `{"type":"TXT","name":"other","value":"v"}`); resp.StatusCode != 201 {
		t.Fatalf("new key: %d", resp.StatusCode)
	}
}

func TestACMERawModeAndCleanupOfOneValue(t *testing.T) {
	st, srv := newTestAPI(t)
	za := dnsOf(st)
	call := func(op, body string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/v1/acme/httpreq/"+op, "application/json", strings.NewReader(body))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s %s: %v %v", op, body, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	values := func() []string {
		resp := serve(t, za, new(dns.Msg).SetQuestion("_acme-challenge.example.org.", dns.TypeTXT))
		var out []string
		for _, rr := range resp.Answer {
			out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
		}
		return out
	}
	// RAW mode: the server computes the value from the key authorization (RFC 8555 §8.4).
	call("present", `{"domain":"*.example.org","token":"tok","keyAuth":"tok.thumb"}`)
	sum := sha256.Sum256([]byte("tok.thumb"))
	raw := base64.RawURLEncoding.EncodeToString(sum[:])
	call("present", `{"fqdn":"_acme-challenge.example.org.","value":"other"}`)
	if v := values(); len(v) != 2 || !slices.Contains(v, raw) {
		t.Fatalf("want the RAW value %s and the other, got %v", raw, v)
	}
	// cleanup removes its own value only.
	call("cleanup", `{"domain":"example.org","token":"tok","keyAuth":"tok.thumb"}`)
	if v := values(); len(v) != 1 || v[0] != "other" {
		t.Fatalf("after cleanup: %v", v)
	}
}

func TestBodyLimitWithAndWithoutALength(t *testing.T) {
	st := openTest(t, testzone.Store(t, testzone.ExampleOrg))
	st.http.SetConfig(httpapi.Config{MaxBody: 100})
	small := `{"type":"A","name":"a","value":"192.0.2.1"}`
	big := `{"type":"TXT","name":"a","value":"` + strings.Repeat("x", 200) + `"}`
	for _, tc := range []struct {
		name   string
		body   string
		length int64 // -1: chunked; 0: the body's
		status int
	}{
		{"small with a length", small, 0, 201},
		{"small, chunked", small, -1, 200}, // the same record again
		{"too long with a length", big, 0, 413},
		{"too long, chunked", big, -1, 413},
		{"shorter than its length", small, int64(len(small)) + 5, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/v1/zones/example.org/records", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.length != 0 {
				req.ContentLength = tc.length
			}
			rec := httptest.NewRecorder()
			st.http.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
		})
	}
}

func TestARecordWithoutTTLGetsTheDefault(t *testing.T) {
	st, srv := newTestAPI(t)
	resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(`{"type":"A","name":"nottl","value":"192.0.2.9"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ TTL int }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	z, _ := st.pipe.Zone("example.org.")
	n, _ := z.Node("nottl.example.org.")
	if resp.StatusCode != 201 || got.TTL != record.DefaultTTL || n == nil || n.Type(dns.TypeA)[0].Header().Ttl != record.DefaultTTL {
		t.Fatalf("status %d, answered ttl %d, served %v", resp.StatusCode, got.TTL, n)
	}
}

// A record of a type miekg/dns does not know (RFC 3597) reads back with the
// value it was written with, not its whole line, and keeps its id when its
// TTL changes, as any other record does.
func TestUnknownTypeValueRoundTrips(t *testing.T) {
	_, srv := newTestAPI(t)
	var ids []string
	for _, ttl := range []int{300, 60} {
		body := fmt.Sprintf(`{"type":"TYPE65280","name":"opaque","value":"\\# 4 0a000001","ttl":%d}`, ttl)
		resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ ID, Value string }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 || got.Value != `\# 4 0a000001` {
			t.Fatalf("ttl %d: status %d, value %q", ttl, resp.StatusCode, got.Value)
		}
		ids = append(ids, got.ID)
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("ids %v: a new TTL must keep the id", ids)
	}
	resp, err := http.Get(srv.URL + "/v1/zones/example.org/records/" + ids[0])
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Value string }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got.Value != `\# 4 0a000001` {
		t.Fatalf("by id: status %d, value %q", resp.StatusCode, got.Value)
	}
}

// Raw UTF-8 in a name or a value is read as its \DDD escapes. A relative
// name that ends in an escaped dot after a two-byte character stays
// relative (miekg/dns alone took it for absolute, outside the zone), and a
// record keeps its id after a restart, which reads the escaped form back.
func TestRawUTF8NamesAreRelativeAndKeepTheirIDs(t *testing.T) {
	st, srv := newTestAPI(t)
	ids := map[string]bool{}
	for _, tc := range []struct{ body, name, value string }{
		{`{"type":"A","name":"é","value":"192.0.2.7"}`, `\195\169`, "192.0.2.7"},
		{`{"type":"CNAME","name":"é\\\\\\.","value":"֌\\\\\\."}`, `\195\169\\\.`, `\214\140\\\..example.org.`},
	} {
		resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ ID, Name, Value string }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 || got.Name != tc.name || got.Value != tc.value {
			t.Fatalf("%s: status %d, name %q, value %q", tc.body, resp.StatusCode, got.Name, got.Value)
		}
		ids[got.ID] = true
	}
	z, _ := restart(t, st).pipe.Zone("example.org.")
	for _, rr := range z.Records() {
		delete(ids, record.ID(rr))
	}
	if len(ids) > 0 {
		t.Fatalf("after a restart no record has the ids %v", ids)
	}
}

// A record sent again after a restart is found, not added a second time:
// the API keeps records in the form a restart reads from the zone's file.
// Before, TXT values with a quote, a backslash or a byte outside printable
// ASCII, and names with characters the zone file escapes, came back from
// the file in another form than the API had kept, and miekg/dns compares
// records by that form. A literal TXT value keeps its backslash.
func TestARetryAfterARestartFindsTheRecord(t *testing.T) {
	st, srv := newTestAPI(t)
	bodies := []string{
		`{"type":"TXT","name":"q","value":"say \"hi\""}`,
		`{"type":"TXT","name":"q","value":"é"}`,
		`{"type":"TXT","name":"q","value":"a\\b"}`,
		`{"type":"MX","name":"q","value":"10 'mx"}`,
	}
	post := func(url string) []string {
		var values []string
		for _, body := range bodies {
			resp, err := http.Post(url+"/v1/zones/example.org/records", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Value string }
			json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("%s: status %d", body, resp.StatusCode)
			}
			values = append(values, got.Value)
		}
		return values
	}
	first := post(srv.URL)
	want := []string{`"say \"hi\""`, `"\195\169"`, `"a\\b"`, `10 \'mx.example.org.`}
	if fmt.Sprint(first) != fmt.Sprint(want) {
		t.Fatalf("values %q, want %q", first, want)
	}
	again := restart(t, st)
	srv2 := httptest.NewServer(again.http.Handler())
	defer srv2.Close()
	if second := post(srv2.URL); fmt.Sprint(second) != fmt.Sprint(first) {
		t.Fatalf("after a restart, values %q, before %q", second, first)
	}
	z, _ := again.pipe.Zone("example.org.")
	n, _ := z.Node("q.example.org.")
	if txt, mx := n.Type(dns.TypeTXT), n.Type(dns.TypeMX); len(txt) != 3 || len(mx) != 1 {
		t.Fatalf("after a retry: %v %v", txt, mx)
	}
}
