package zoneapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

// BenchmarkUpsertDurable measures sequential single-record upserts over
// HTTP, each durable before its answer, into a zone of n records. It reports
// the latency percentiles and changes per second.
func BenchmarkUpsertDurable(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			a := benchAPI(b, n)
			srv := httptest.NewServer(a)
			defer srv.Close()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				body := fmt.Sprintf(`{"type":"A","name":"bench%d","value":"192.0.2.%d","ttl":300}`, i, i%250+1)
				start := time.Now()
				resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(body))
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%v %v", err, resp.StatusCode)
				}
				io.Copy(io.Discard, resp.Body) // read to the end, so the connection is reused
				resp.Body.Close()
				lat = append(lat, time.Since(start))
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// benchAPI returns the API of a store whose zone example.org holds n A
// records besides its apex, with the compactor running.
func benchAPI(b *testing.B, n int) http.Handler {
	return openTest(b, testzone.Store(b, testzone.Large(n))).http.Handler()
}

// BenchmarkUpsertCPU measures the CPU time (user and system, of the whole
// process) that a durable single-record upsert costs the server when 16
// clients write at once, as under load: the request's middleware,
// validation and handler, the writer's share of a batch, the journal's
// sync and the garbage collection they cause. Requests go to the Echo
// handler in process, so HTTP's network side is not counted, but making
// each request and its recorder (a few µs) is. This is the
// cost that DNS queries lose while the API writes (bench/qps-writes.sh).
// Run it on one CPU (taskset -c 0) to match the server there.
func BenchmarkUpsertCPU(b *testing.B) {
	a := benchAPI(b, 100000)
	var next atomic.Int64
	start := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				body := fmt.Sprintf(`{"type":"A","name":"w%d","value":"192.0.2.1","ttl":300}`, i)
				req := httptest.NewRequest("POST", "/v1/zones/example.org/records", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				a.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Errorf("%d %s", rec.Code, rec.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-us/op")
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportLatency reports the median and 99th percentile of a benchmark's
// measured latencies, in milliseconds.
func reportLatency(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}
