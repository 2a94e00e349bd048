package zoneapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/zoneapi/zoneapi/plugin/dnsserve"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
)

func TestReadyOnceTheStoreIsLoaded(t *testing.T) {
	za := &Zoneapi{&dnsserve.Handler{}}
	if za.Ready() {
		t.Fatal("ready before the store is read")
	}
	st := openTest(t, testzone.Store(t, testzone.ExampleOrg))
	if !dnsOf(st).Ready() {
		t.Fatal("not ready after the store is read")
	}
}

// metric is the value of the metric name whose labels include labels, from
// the default registry, as /metrics shows it; 0 if there is none yet.
func metric(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			n++
		}
	}
	return n == len(want)
}

func TestMetricsCountRequestsChangesAndRecords(t *testing.T) {
	st, srv := newTestAPI(t)
	route := map[string]string{"operation": "POST /v1/zones/:zoneName/records", "status": "201"}
	store := map[string]string{"store": st.dir}
	requests, swaps := metric(t, "coredns_zoneapi_api_requests_total", route), metric(t, "coredns_zoneapi_snapshot_swaps_total", nil)
	records := metric(t, "coredns_zoneapi_records", store)
	resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(`{"type":"A","name":"m","value":"192.0.2.7"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("%v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	if got := metric(t, "coredns_zoneapi_api_requests_total", route) - requests; got != 1 {
		t.Errorf("api_requests_total{operation,status=201} rose by %v, want 1", got)
	}
	if got := metric(t, "coredns_zoneapi_snapshot_swaps_total", nil) - swaps; got != 1 {
		t.Errorf("snapshot_swaps_total rose by %v, want 1", got)
	}
	if got := metric(t, "coredns_zoneapi_records", store) - records; got != 1 {
		t.Errorf("records rose by %v, want 1 (a new A record; the SOA is replaced)", got)
	}
	if metric(t, "coredns_zoneapi_zones", store) != 1 {
		t.Error("zones gauge is not 1")
	}
	if metric(t, "coredns_zoneapi_api_request_duration_seconds", map[string]string{"operation": "POST /v1/zones/:zoneName/records"}) == 0 {
		t.Error("no API latency observed")
	}
}
