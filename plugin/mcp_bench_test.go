package zoneapi

import (
	"fmt"
	"io"
	golog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkMCPCall compares an operation called as an MCP tool (a
// tools/call over the streamable HTTP transport at /v1/mcp) with the same
// operation called over REST, both over HTTP to one server: a read
// (getRRset) and a durable write (upsertRecord) in a zone of 1,000
// records. Each iteration makes both calls, in turns first, so that the
// two are timed at the same moment of a machine whose speed drifts: the
// metrics are each call's µs and their ratio. The aim: a tool call costs
// at most 20% more.
//
//	go test ./plugin -run '^$' -bench 'MCPCall$' -benchtime 2s -count 5
func BenchmarkMCPCall(b *testing.B) {
	quiet(b)
	srv := httptest.NewServer(benchAPI(b, 1000))
	defer srv.Close()
	send := func(b *testing.B, method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18") // as a client sends it after initialize
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body) // to the end, so the connection is reused
		resp.Body.Close()
		if resp.StatusCode >= 300 || strings.Contains(string(data), `"isError":true`) {
			b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
		}
	}
	tool := func(name, args string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":` + args + `}}`
	}
	paired := func(b *testing.B, rest, mcp func(i int)) {
		var tr, tm time.Duration
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				t0 := time.Now()
				rest(i)
				t1 := time.Now()
				mcp(i)
				tr, tm = tr+t1.Sub(t0), tm+time.Since(t1)
			} else {
				t0 := time.Now()
				mcp(i)
				t1 := time.Now()
				rest(i)
				tm, tr = tm+t1.Sub(t0), tr+time.Since(t1)
			}
		}
		b.ReportMetric(float64(tr.Nanoseconds())/1e3/float64(b.N), "rest-µs")
		b.ReportMetric(float64(tm.Nanoseconds())/1e3/float64(b.N), "mcp-µs")
		b.ReportMetric(float64(tm)/float64(tr), "mcp/rest")
	}
	b.Run("read", func(b *testing.B) {
		body := tool("getRRset", `{"zoneName":"example.org","name":"h7","type":"A"}`)
		paired(b,
			func(int) { send(b, "GET", "/v1/zones/example.org/rrsets/h7/A", "") },
			func(int) { send(b, "POST", "/v1/mcp", body) })
	})
	b.Run("write", func(b *testing.B) {
		paired(b,
			func(i int) {
				send(b, "POST", "/v1/zones/example.org/records", fmt.Sprintf(`{"type":"A","name":"r%d","value":"192.0.2.1"}`, i))
			},
			func(i int) {
				send(b, "POST", "/v1/mcp", tool("upsertRecord", fmt.Sprintf(`{"zoneName":"example.org","body":{"type":"A","name":"m%d","value":"192.0.2.1"}}`, i)))
			})
	})
}

// BenchmarkMCPCallServer is BenchmarkMCPCall's read in process, without
// HTTP's network side: what the server spends on each.
func BenchmarkMCPCallServer(b *testing.B) {
	quiet(b)
	a := benchAPI(b, 1000)
	serve := func(b *testing.B, method, path, body string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code >= 300 || strings.Contains(rec.Body.String(), `"isError":true`) {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	b.Run("rest", func(b *testing.B) {
		for b.Loop() {
			serve(b, "GET", "/v1/zones/example.org/rrsets/h7/A", "")
		}
	})
	b.Run("mcp", func(b *testing.B) {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getRRset","arguments":{"zoneName":"example.org","name":"h7","type":"A"}}}`
		for b.Loop() {
			serve(b, "POST", "/v1/mcp", body)
		}
	})
}

// quiet silences the log (an audit line for each change) while b runs,
// so that its results are lines of their own.
func quiet(b *testing.B) {
	golog.SetOutput(io.Discard)
	b.Cleanup(func() { golog.SetOutput(os.Stderr) })
}
