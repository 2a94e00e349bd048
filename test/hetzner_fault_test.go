package test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/miekg/dns"
)

// faultyUpstream is a Hetzner API that misbehaves on demand: it passes
// requests to a real one (bin/coredns's /hetzner/v1) and, in a fault
// mode, answers what a broken upstream would. The upstream itself cannot
// be made to fail this way; everything but the fault is the real server.
type faultyUpstream struct {
	mode atomic.Value // string: "" passes requests on
	srv  *httptest.Server
}

func newFaultyUpstream(t *testing.T, real string) *faultyUpstream {
	u, _ := url.Parse(real)
	f := &faultyUpstream{}
	f.mode.Store("")
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rrsets := strings.Contains(r.URL.Path, "/rrsets")
		switch f.mode.Load().(string) {
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("<html>502 Bad Gateway</html>"))
			return
		case "error":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":{"code":"server_error","message":"boom","details":null}}`))
			return
		case "timeout":
			w.WriteHeader(http.StatusGatewayTimeout)
			return
		case "empty":
			if !rrsets {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"zones":[],"meta":{"pagination":{"page":1,"per_page":50,"previous_page":null,"next_page":null,"last_page":1,"total_entries":0}}}`))
				return
			}
		case "half":
			if rrsets {
				rec := httptest.NewRecorder()
				proxy.ServeHTTP(rec, r)
				body := strings.Replace(rec.Body.String(), `"total_entries":`, `"total_entries":1`, 1)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(body))
				return
			}
		case "invalid":
			if rrsets {
				rec := httptest.NewRecorder()
				proxy.ServeHTTP(rec, r)
				// An RRset whose value is no record: the zone does not validate.
				body := strings.Replace(rec.Body.String(), `"value":"192.0.2.`, `"value":"999.0.2.`, 1)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(body))
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func TestHetznerMirrorKeepsServingThroughUpstreamFaults(t *testing.T) {
	ctx := context.Background()
	a := startHetzner(t, "")
	az := must(a.hc.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "f1.example",
		RRSets: []hcloud.ZoneCreateOptsRRSet{{Name: "www", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1"}}}}})).Zone
	up := newFaultyUpstream(t, a.hbase)
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	b := startHetznerWith(t, "    prometheus "+metrics+"\n", "        git\n"+mirrorBlock(t, up.srv.URL+"/hetzner/v1", ""))
	eventually(t, 20*time.Second, "B to serve the zone", func() bool {
		got, _, _ := b.digTTL("www.f1.example", dns.TypeA)
		return slices.Equal(got, []string{"192.0.2.1"})
	})
	b.waitCommitted()
	pulls := git(t, b.dir, "log", "--format=%(trailers:key=Reason,valueonly)%(trailers:key=Operation,valueonly)", "--", "f1.example.zone")
	if !strings.Contains(pulls, "pulled from upstream "+up.srv.URL) {
		t.Fatalf("the commit of the pulled zone does not say where it came from:\n%s", pulls)
	}

	// A round with nothing changed upstream rewrites and commits nothing.
	commits := git(t, b.dir, "rev-list", "--count", "HEAD")
	file := b.storeFile("f1.example")
	for range 2 {
		if r, err := b.c.SyncMirrorWithResponse(ctx, nil); err != nil || r.StatusCode() != 200 {
			t.Fatalf("syncMirror: %v %s", err, r.Body)
		}
	}
	b.waitCommitted()
	if got := git(t, b.dir, "rev-list", "--count", "HEAD"); got != commits || b.storeFile("f1.example") != file {
		t.Fatalf("rounds with nothing new committed or wrote: %s -> %s commits", commits, got)
	}

	// Each fault: A changes, the round fails, B serves what it had.
	www := &hcloud.ZoneRRSet{Zone: az, Name: "www", Type: hcloud.ZoneRRSetTypeA}
	for i, mode := range []string{"garbage", "error", "timeout", "half", "invalid", "empty"} {
		// The mirror's own rounds go on meanwhile: the fault is in place
		// before A changes, and A is put back before the fault goes.
		up.mode.Store(mode)
		must(a.hc.Zone.SetRRSetRecords(ctx, www, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: fmt.Sprintf("192.0.2.%d", 10+i)}}}))
		errorsBefore := metric(t, metrics, `coredns_zoneapi_mirror_rounds_total{result="error"}`)
		r, err := b.c.SyncMirrorWithResponse(ctx, nil)
		if err != nil || r.StatusCode() != http.StatusBadGateway || !strings.Contains(string(r.Body), "upstream-failed") {
			t.Fatalf("%s: a failed round answered %d %s", mode, r.StatusCode(), r.Body)
		}
		if got, _, _ := b.digTTL("www.f1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.1"}) {
			t.Fatalf("%s: B serves %v, not what it had", mode, got)
		}
		if b.storeFile("f1.example") != file {
			t.Fatalf("%s: the zone file changed", mode)
		}
		st := b.mirrorStatus()
		want := map[string]string{"garbage": "hcloud", "error": "boom", "timeout": "504", "half": "RRsets of the", "invalid": "does not validate", "empty": "listed no zones"}[mode]
		if st.LastError == nil || !strings.Contains(*st.LastError, want) {
			t.Fatalf("%s: the status's error is not about it (%q): %v", mode, want, ptrString(st.LastError))
		}
		if got := metric(t, metrics, `coredns_zoneapi_mirror_rounds_total{result="error"}`); got <= errorsBefore {
			t.Fatalf("%s: the error metric did not count the round", mode)
		}
		// Put A back as B has it, for the next fault.
		must(a.hc.Zone.SetRRSetRecords(ctx, www, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.1"}}}))
		up.mode.Store("")
	}

	// Healthy again: the change at A arrives, with backoff not in the way.
	must(a.hc.Zone.SetRRSetRecords(ctx, www, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.99"}}}))
	eventually(t, 20*time.Second, "B to take A's change after the faults", func() bool {
		got, _, _ := b.digTTL("www.f1.example", dns.TypeA)
		return slices.Equal(got, []string{"192.0.2.99"})
	})

	// The upstream takes a protection away and changes the RRset before the
	// mirror's next round: both reach B (the protection first).
	must(a.hc.Zone.ChangeRRSetProtection(ctx, www, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(true)}))
	eventually(t, 20*time.Second, "B to take the protection", func() bool {
		r := must(b.hc.Zone.GetRRSetByID(ctx, must(b.hc.Zone.GetByName(ctx, "f1.example")), "www/A"))
		return r != nil && r.Protection.Change
	})
	up.mode.Store("error") // no round gets through meanwhile
	must(a.hc.Zone.ChangeRRSetProtection(ctx, www, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(false)}))
	must(a.hc.Zone.SetRRSetRecords(ctx, www, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.98"}}}))
	up.mode.Store("")
	if r, err := b.c.SyncMirrorWithResponse(ctx, nil); err != nil || r.StatusCode() != 200 {
		t.Fatalf("syncMirror after the upstream unprotected and changed an RRset: %v %s", err, r.Body)
	}
	if got, _, _ := b.digTTL("www.f1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.98"}) {
		t.Fatalf("B serves %v, not the upstream's change to an RRset it unprotected", got)
	}

	// A zone gone upstream for real is reported, and still served.
	must(a.hc.Zone.Delete(ctx, az))
	eventually(t, 20*time.Second, "the zone to be reported gone upstream", func() bool {
		z := mirrorZone(b.mirrorStatus(), "f1.example")
		return z != nil && z.GoneUpstream
	})
	if got, _, _ := b.digTTL("www.f1.example", dns.TypeA); !slices.Equal(got, []string{"192.0.2.98"}) {
		t.Fatalf("a zone gone upstream is no longer served: %v", got)
	}
}

func ptrString(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestHetznerMirrorDeletesAZoneGoneUpstreamWhenToldTo: with delete, a zone
// gone upstream goes here too; the upstream's id of a zone travels in its
// file, so the Git history keeps it.
func TestHetznerMirrorDeletesAZoneGoneUpstreamWhenToldTo(t *testing.T) {
	ctx := context.Background()
	a := startHetzner(t, "")
	az := must(a.hc.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "d1.example", Labels: map[string]string{"team": "x"}})).Zone
	b := startHetzner(t, "        git\n"+mirrorBlock(t, a.hbase, "            delete\n"))
	eventually(t, 20*time.Second, "B to serve the zone", func() bool {
		_, _, rcode := b.digTTL("d1.example", dns.TypeSOA)
		return rcode == dns.RcodeSuccess
	})
	b.waitCommitted()
	if file := git(t, b.dir, "show", "HEAD:d1.example.zone"); !strings.Contains(file, fmt.Sprintf(`;@note hetzner.zone {"id":%d,`, az.ID)) {
		t.Fatalf("the upstream's id is not in the committed file:\n%s", file)
	}
	must(a.hc.Zone.Delete(ctx, az))
	eventually(t, 20*time.Second, "B to delete the zone gone upstream", func() bool {
		_, _, rcode := b.digTTL("d1.example", dns.TypeSOA)
		return rcode == dns.RcodeRefused
	})
	// The round that deleted the zone forgets it once the deletion is
	// published, a moment after the zone stops answering.
	eventually(t, 5*time.Second, "the mirror's status to forget the deleted zone", func() bool {
		return mirrorZone(b.mirrorStatus(), "d1.example") == nil
	})
}
