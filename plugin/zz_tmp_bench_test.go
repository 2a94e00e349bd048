package zoneapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func BenchmarkZZHTTP(b *testing.B) {
	quiet(b)
	srv := httptest.NewServer(benchAPI(b, 1000))
	defer srv.Close()
	send := func(b *testing.B, method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getRRset","arguments":{"zoneName":"example.org","name":"h7","type":"A"}}}`
	if os.Getenv("ZZ") == "mcp" {
		for b.Loop() {
			send(b, "POST", "/v1/mcp", body)
		}
	} else {
		for b.Loop() {
			send(b, "GET", "/v1/zones/example.org/rrsets/h7/A", "")
		}
	}
}
