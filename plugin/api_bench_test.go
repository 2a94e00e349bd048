package zoneapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoneapi/zoneapi/plugin/store"
)

// BenchmarkUpsertDurable measures sequential single-record upserts over
// HTTP, each durable before its answer, into a zone of n records. It reports
// the latency percentiles and changes per second.
func BenchmarkUpsertDurable(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			var zf strings.Builder
			zf.WriteString(exampleOrg)
			for i := range n {
				fmt.Fprintf(&zf, "h%d IN A 10.%d.%d.%d\n", i, i>>16&255, i>>8&255, i&255)
			}
			os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(zf.String()), 0o644)
			st := newState(dir, 0)
			if _, err := st.load(store.Options{}); err != nil {
				b.Fatal(err)
			}
			stop, done := make(chan struct{}), make(chan struct{})
			go st.compactor(stop, done)
			defer func() { close(stop); <-done }()
			a, err := newAPIServer(st)
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(a.echo)
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
