package test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/miekg/dns"
)

// TestHetznerExternalDNSFlow replays what Hetzner's external-dns webhook
// does in one sync: list the zones and their RRsets (per_page=100), add,
// set, change a TTL and delete, waiting on each action with WaitForFunc.
func TestHetznerExternalDNSFlow(t *testing.T) {
	h := startHetzner(t, "")
	ctx := context.Background()
	zones, err := h.hc.Zone.All(ctx)
	if err != nil || len(zones) != 1 {
		t.Fatalf("zones: %v, %v", zones, err)
	}
	z := zones[0]
	rrsets, err := h.hc.Zone.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{PerPage: 100}})
	if err != nil || len(rrsets) == 0 {
		t.Fatalf("rrsets: %v, %v", rrsets, err)
	}
	wait := func(a *hcloud.Action, _ *hcloud.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := h.hc.Action.WaitForFunc(ctx, func(u *hcloud.Action) error { return u.Error() }, a); err != nil {
			t.Fatal(err)
		}
	}
	app := &hcloud.ZoneRRSet{Zone: z, Name: "app", Type: hcloud.ZoneRRSetTypeA}
	owner := &hcloud.ZoneRRSet{Zone: z, Name: "a-app", Type: hcloud.ZoneRRSetTypeTXT}
	wait(h.hc.Zone.AddRRSetRecords(ctx, app, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.50"}}, TTL: hcloud.Ptr(300)}))
	wait(h.hc.Zone.AddRRSetRecords(ctx, owner, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: `"heritage=external-dns,external-dns/owner=default"`}}, TTL: hcloud.Ptr(300)}))
	wait(h.hc.Zone.SetRRSetRecords(ctx, app, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "192.0.2.51"}, {Value: "192.0.2.52"}}}))
	wait(h.hc.Zone.ChangeRRSetTTL(ctx, app, hcloud.ZoneRRSetChangeTTLOpts{TTL: hcloud.Ptr(60)}))
	if got, ttl, _ := h.digTTL("app.example.org", dns.TypeA); !slices.Equal(got, []string{"192.0.2.51", "192.0.2.52"}) || ttl != 60 {
		t.Fatalf("served %v TTL %d", got, ttl)
	}
	del, _, err := h.hc.Zone.DeleteRRSet(ctx, app)
	wait(del.Action, nil, err)
	del, _, err = h.hc.Zone.DeleteRRSet(ctx, owner)
	wait(del.Action, nil, err)
	if got := h.dig("app.example.org", dns.TypeA); len(got) != 0 {
		t.Fatalf("deleted, still served: %v", got)
	}
}

// TestHetznerCertManagerFlow replays Hetzner's cert-manager webhook: the
// challenge added as a quoted TXT value with add_records, served, removed
// with remove_records; WaitFor on each.
func TestHetznerCertManagerFlow(t *testing.T) {
	h := startHetzner(t, "        git\n")
	ctx := context.Background()
	// The webhook runs with a token scoped to the challenges.
	c := h.client("acme-secret-3")
	z, _, err := c.Zone.Get(ctx, "example.org")
	if err != nil || z == nil {
		t.Fatalf("zone: %v %v", z, err)
	}
	rr := &hcloud.ZoneRRSet{Zone: z, Name: "_acme-challenge", Type: hcloud.ZoneRRSetTypeTXT}
	key := `"Q3jLq0wtcy1kSnuUTsEm8fGGMeYWEdrWqXXKO0CrN2c"`
	a, _, err := c.Zone.AddRRSetRecords(ctx, rr, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: key}}, TTL: hcloud.Ptr(60)})
	if err != nil || c.Action.WaitFor(ctx, a) != nil {
		t.Fatalf("present: %v", err)
	}
	if got := h.dig("_acme-challenge.example.org", dns.TypeTXT); !slices.Equal(got, []string{key}) {
		t.Fatalf("challenge served as %v", got)
	}
	a, _, err = c.Zone.RemoveRRSetRecords(ctx, rr, hcloud.ZoneRRSetRemoveRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: key}}})
	if err != nil || c.Action.WaitFor(ctx, a) != nil {
		t.Fatalf("cleanup: %v", err)
	}
	if got := h.dig("_acme-challenge.example.org", dns.TypeTXT); len(got) != 0 {
		t.Fatalf("challenge still served: %v", got)
	}
	// Each action is one commit, whose Operation trailer names it.
	h.waitCommitted()
	ops := git(t, h.dir, "log", "--format=%(trailers:key=Operation,valueonly)", "--", "example.org.zone")
	if !strings.HasPrefix(ops, "hetzner.remove_rrset_records\n\nhetzner.add_rrset_records\n") {
		t.Fatalf("operations in the history:\n%s", ops)
	}
}

// TestHetznerProtectionHoldsForRFC2136: an RRset protected through the
// Hetzner API is refused to a TSIG-signed RFC 2136 update too, and taken
// again once the protection is gone.
func TestHetznerProtectionHoldsForRFC2136(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	apiPort := freePort(t)
	s := startCoreDNS(t, fmt.Sprintf(updateCorefile, updateKey, updateSecret, acmeKey, acmeSecret, dir, apiPort, updateKey, acmeKey), "example.org.")
	e := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", apiPort), dir: dir}
	waitHealthy(t, e.base)
	h := newHetznerEnv(e)
	ctx := context.Background()
	z := must(h.hc.Zone.GetByName(ctx, "example.org"))
	www := &hcloud.ZoneRRSet{Zone: z, Name: "www", Type: hcloud.ZoneRRSetTypeA}
	must(h.hc.Zone.ChangeRRSetProtection(ctx, www, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(true)}))
	out, ok := runUpdate(t, "nsupdate", s.addr, updateKey, updateSecret, "update add www.example.org. 300 A 192.0.2.81\n")
	if ok || !strings.Contains(out, "REFUSED") {
		t.Fatalf("an update of a protected RRset: %v\n%s", ok, out)
	}
	if got := e.dig("www.example.org", dns.TypeA); len(got) != 1 {
		t.Fatalf("a protected RRset changed: %v", got)
	}
	// The rest of the zone takes updates.
	if out, ok := runUpdate(t, "nsupdate", s.addr, updateKey, updateSecret, "update add other.example.org. 300 A 192.0.2.82\n"); !ok {
		t.Fatalf("an update beside the protected RRset: %s", out)
	}
	must(h.hc.Zone.ChangeRRSetProtection(ctx, www, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(false)}))
	if out, ok := runUpdate(t, "nsupdate", s.addr, updateKey, updateSecret, "update add www.example.org. 300 A 192.0.2.81\n"); !ok {
		t.Fatalf("an update once the protection is gone: %s", out)
	}
}

// TestHetznerTerraformFlow replays Terraform's hcloud provider: a zone and
// an RRset made, read back by id as each refresh does, changed in place,
// the SOA taken over with its serial written as 0 (the provider's way,
// since the API raises it), and destroyed.
func TestHetznerTerraformFlow(t *testing.T) {
	h := startHetzner(t, "")
	ctx := context.Background()
	res := must(h.hc.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "tf.example", TTL: hcloud.Ptr(3600), Labels: map[string]string{"managed-by": "terraform"}}))
	z := must(h.hc.Zone.GetByID(ctx, res.Zone.ID))
	rr := must(h.hc.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "app", Type: hcloud.ZoneRRSetTypeCNAME, TTL: hcloud.Ptr(300), Records: []hcloud.ZoneRRSetRecord{{Value: "lb.example.net."}}})).RRSet
	if got := must(h.hc.Zone.GetRRSetByID(ctx, z, rr.ID)); got == nil || got.Records[0].Value != "lb.example.net." {
		t.Fatalf("refresh: %+v", got)
	}
	rr.Zone = z
	must(h.hc.Zone.SetRRSetRecords(ctx, rr, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "lb2.example.net."}}}))
	if got := h.dig("app.tf.example", dns.TypeCNAME); len(got) != 1 || got[0] != "lb2.example.net." {
		t.Fatalf("served %v", got)
	}
	soa := must(h.hc.Zone.GetRRSetByNameAndType(ctx, z, "@", hcloud.ZoneRRSetTypeSOA))
	serial := func() string { return strings.Fields(h.dig("tf.example", dns.TypeSOA)[0])[2] }
	before := serial()
	fields := strings.Fields(soa.Records[0].Value)
	fields[2] = "0"
	must(h.hc.Zone.SetRRSetRecords(ctx, soa, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: strings.Join(fields, " ")}}}))
	if after := serial(); after == "0" || after <= before {
		t.Fatalf("an SOA written with serial 0 left the serial at %s (was %s)", after, before)
	}
	must(h.hc.Zone.Update(ctx, z, hcloud.ZoneUpdateOpts{Labels: map[string]string{}}))
	del, _, err := h.hc.Zone.DeleteRRSet(ctx, rr)
	if err != nil || h.hc.Action.WaitFor(ctx, del.Action) != nil {
		t.Fatalf("destroy the RRset: %v", err)
	}
	if d := must(h.hc.Zone.Delete(ctx, z)); h.hc.Action.WaitFor(ctx, d.Action) != nil {
		t.Fatal("destroy the zone")
	}
}
