package zoneapi

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/zoneapi/zoneapi/plugin/store"
)

func TestReadyOnceTheStoreIsLoaded(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(exampleOrg), 0o644)
	st := newState(dir, 0)
	za := &Zoneapi{state: st}
	if za.Ready() {
		t.Fatal("ready before the store is read")
	}
	if _, err := st.load(store.Options{}); err != nil {
		t.Fatal(err)
	}
	if !za.Ready() {
		t.Fatal("not ready after the store is read")
	}
}

func TestMetricsCountRequestsChangesAndRecords(t *testing.T) {
	st, srv := newTestAPI(t)
	route := apiRequests.WithLabelValues("POST /v1/zones/:zoneName/records", "200")
	requests, swapsBefore := testutil.ToFloat64(route), testutil.ToFloat64(swaps)
	recordsBefore := testutil.ToFloat64(recordsGauge.WithLabelValues(st.dir))
	resp, err := http.Post(srv.URL+"/v1/zones/example.org/records", "application/json", strings.NewReader(`{"type":"A","name":"m","value":"192.0.2.7"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
	if got := testutil.ToFloat64(route) - requests; got != 1 {
		t.Errorf("api_requests_total{operation,status=200} rose by %v, want 1", got)
	}
	if got := testutil.ToFloat64(swaps) - swapsBefore; got != 1 {
		t.Errorf("snapshot_swaps_total rose by %v, want 1", got)
	}
	if got := testutil.ToFloat64(recordsGauge.WithLabelValues(st.dir)) - recordsBefore; got != 1 {
		t.Errorf("records rose by %v, want 1 (a new A record; the SOA is replaced)", got)
	}
	if testutil.ToFloat64(zonesGauge.WithLabelValues(st.dir)) != 1 {
		t.Error("zones gauge is not 1")
	}
	if testutil.CollectAndCount(apiDuration) == 0 {
		t.Error("no API latency observed")
	}
}
