package test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

const parentZone = `$ORIGIN test.
@ 2 IN SOA ns hostmaster 1 7200 3600 1209600 2
@ 2 IN NS ns
ns 2 IN A 127.0.0.1
child 2 IN NS ns.child
ns.child 2 IN A 127.0.0.1
`

const childZone = `$ORIGIN child.test.
@ 2 IN SOA ns hostmaster 1 7200 3600 1209600 2
@ 2 IN NS ns
ns 2 IN A 127.0.0.1
www 2 IN A 192.0.2.1
alias 2 IN CNAME www
*.wild 2 IN A 192.0.2.2
`

// startZone starts bin/coredns on a store holding one zone, with extra in
// its zoneapi block.
func startZone(t *testing.T, origin, text, extra string) *apiEnv {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(origin, ".")+".zone"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return startAPIOn(t, dir, origin, "", extra)
}

func (e *apiEnv) dnssecState(origin string) client.ZoneDnssec {
	e.t.Helper()
	d, err := e.c.GetZoneDnssecWithResponse(context.Background(), origin)
	if err != nil || d.JSON200 == nil {
		e.t.Fatalf("getZoneDnssec: %v", err)
	}
	return *d.JSON200
}

func (e *apiEnv) sign(origin string, split bool) client.ZoneDnssec {
	e.t.Helper()
	d, err := e.c.SetZoneDnssecWithResponse(context.Background(), origin, &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true, Split: &split})
	if err != nil || d.JSON200 == nil {
		e.t.Fatalf("setZoneDnssec: %v", err)
	}
	return *d.JSON200
}

// keyOf returns the key of role in state, if there is one.
func keyOf(d client.ZoneDnssec, role client.DnssecKeyRole, state client.DnssecKeyState) (client.DnssecKey, bool) {
	for _, k := range d.Keys {
		if k.Role == role && k.State == state {
			return k, true
		}
	}
	return client.DnssecKey{}, false
}

// validating asks the resolver at addr, over and over until stop is
// closed, for a positive answer, a CNAME, NXDOMAIN, a wildcard and the
// DNSKEY RRset of child.test, and reports every answer that is not secure.
func validating(addr string, stop <-chan struct{}) (func() (int, []string), *sync.WaitGroup) {
	var (
		mu  sync.Mutex
		n   int
		bad []string
		wg  sync.WaitGroup
		qs  = []struct {
			name  string
			typ   uint16
			rcode int
		}{{"www.child.test.", dns.TypeA, dns.RcodeSuccess}, {"alias.child.test.", dns.TypeA, dns.RcodeSuccess}, {"nothere.child.test.", dns.TypeA, dns.RcodeNameError}, {"x.wild.child.test.", dns.TypeA, dns.RcodeSuccess}, {"child.test.", dns.TypeDNSKEY, dns.RcodeSuccess}, {"www.child.test.", dns.TypeTXT, dns.RcodeSuccess}}
		c = &dns.Client{Timeout: 3 * time.Second}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(3 * time.Minute) // bounded, whatever the test does
		for i := 0; time.Now().Before(deadline); i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			q := qs[i%len(qs)]
			m := new(dns.Msg).SetQuestion(q.name, q.typ)
			m.SetEdns0(4096, true)
			r, _, err := c.Exchange(m, addr)
			mu.Lock()
			n++
			switch {
			case err != nil:
				bad = append(bad, fmt.Sprintf("%s %s %s: %v", time.Now().Format("15:04:05.000"), q.name, dns.TypeToString[q.typ], err))
			case r.Rcode != q.rcode || !r.AuthenticatedData:
				bad = append(bad, fmt.Sprintf("%s %s %s: %s AD=%v", time.Now().Format("15:04:05.000"), q.name, dns.TypeToString[q.typ], dns.RcodeToString[r.Rcode], r.AuthenticatedData))
			}
			mu.Unlock()
		}
	}()
	return func() (int, []string) { mu.Lock(); defer mu.Unlock(); return n, append([]string(nil), bad...) }, &wg
}

// TestRolloversKeepTheZoneSecure: with TTLs of 2 s, a ZSK and then a KSK
// of child.test are rolled over while a validating unbound, trusting only
// the parent test (served by another server), is asked about the child
// every 20 ms: every answer is secure, at every step. The KSK's rollover
// waits for its DS at the parent, which the test puts there when the API
// says the key is ready; the server sees it there itself.
func TestRolloversKeepTheZoneSecure(t *testing.T) {
	parent := startZone(t, "test.", parentZone, "")
	pds := parent.sign("test.", false).Ds[0]
	child := startZone(t, "child.test.", childZone, fmt.Sprintf(`        dnssec {
            propagation 1s
            parent_propagation 1s
            ds_ttl 1s
            zsk_lifetime 0
            parent %s 500ms
        }
`, parent.srv.addr))
	signed := child.sign("child.test.", true)
	ctx := context.Background()
	putDS := func(ds []string) {
		t.Helper()
		r, err := parent.c.ReplaceRRsetWithResponse(ctx, "test.", "child", "DS", &client.ReplaceRRsetParams{}, client.RRsetInput{Ttl: ptr(6), Values: ds})
		if err != nil || r.StatusCode() != 200 {
			t.Fatalf("DS at the parent: %v %s", err, r.Body)
		}
	}
	putDS(signed.Ds)
	r := unboundFor(t, "test. DS "+pds, map[string]string{"test.": parent.srv.addr, "child.test.": child.srv.addr},
		"    local-zone: \"test.\" nodefault\n", false) // unbound answers test. itself otherwise (RFC 6761)
	if m := resolve(t, r, "www.child.test", dns.TypeA); !m.AuthenticatedData {
		t.Fatalf("the child is not secure before the rollovers:\n%v", m)
	}
	stop := make(chan struct{})
	report, wg := validating(r, stop)
	defer func() { close(stop); wg.Wait() }()

	// The ZSK: pre-published, then signing, then gone, by itself.
	zsk, _ := keyOf(signed, client.DnssecKeyRoleZsk, client.DnssecKeyStateActive)
	ksk, _ := keyOf(signed, client.DnssecKeyRoleKsk, client.DnssecKeyStateActive)
	rr, err := child.c.RollZoneKeyWithResponse(ctx, "child.test.", zsk.Tag, &client.RollZoneKeyParams{})
	if err != nil || rr.JSON200 == nil {
		t.Fatalf("rollZoneKey: %v %s", err, rr.Body)
	}
	if again, _ := child.c.RollZoneKeyWithResponse(ctx, "child.test.", zsk.Tag, &client.RollZoneKeyParams{}); again.StatusCode() != 409 {
		t.Fatalf("a second rollover of the ZSK: %d %s", again.StatusCode(), again.Body)
	}
	succ, ok := keyOf(*rr.JSON200, client.DnssecKeyRoleZsk, client.DnssecKeyStatePublished)
	if !ok || succ.Next == nil || *succ.Next != client.DnssecKeyNextActivate || succ.NextAt == nil {
		t.Fatalf("the ZSK's successor: %+v", rr.JSON200.Keys)
	}
	eventually(t, 30*time.Second, "the ZSK rollover to end", func() bool {
		d := child.dnssecState("child.test.")
		k, ok := keyOf(d, client.DnssecKeyRoleZsk, client.DnssecKeyStateActive)
		return ok && k.Tag == succ.Tag && len(d.Keys) == 2
	})

	// The KSK: ready, its DS put at the parent, then active and the old gone.
	rr, err = child.c.RollZoneKeyWithResponse(ctx, "child.test.", ksk.Tag, &client.RollZoneKeyParams{})
	if err != nil || rr.JSON200 == nil {
		t.Fatalf("rollZoneKey: %v %s", err, rr.Body)
	}
	newKSK, _ := keyOf(*rr.JSON200, client.DnssecKeyRoleKsk, client.DnssecKeyStatePublished)
	var ready client.ZoneDnssec
	eventually(t, 30*time.Second, "the new KSK to be ready", func() bool {
		ready = child.dnssecState("child.test.")
		_, ok := keyOf(ready, client.DnssecKeyRoleKsk, client.DnssecKeyStateReady)
		return ok
	})
	if k, _ := keyOf(ready, client.DnssecKeyRoleKsk, client.DnssecKeyStateReady); k.Next == nil || *k.Next != client.DnssecKeyNextSubmit {
		t.Fatalf("the ready KSK does not wait for its DS: %+v", k)
	}
	if len(ready.Ds) != 1 || !strings.HasPrefix(ready.Ds[0], fmt.Sprint(newKSK.Tag)+" ") {
		t.Fatalf("the DS for the parent is not the new KSK's: %v", ready.Ds)
	}
	if cds := child.dig("child.test.", dns.TypeCDS); len(cds) != 1 || !strings.HasPrefix(cds[0], fmt.Sprint(newKSK.Tag)+" ") {
		t.Fatalf("the child does not publish the new KSK's CDS: %v", cds)
	}
	time.Sleep(3 * time.Second) // long enough for a premature step to show
	if k, _ := keyOf(child.dnssecState("child.test."), client.DnssecKeyRoleKsk, client.DnssecKeyStateActive); k.Tag != ksk.Tag {
		t.Fatal("the old KSK was replaced before the new DS was at the parent")
	}
	putDS(ready.Ds)
	eventually(t, 30*time.Second, "the KSK rollover to end", func() bool {
		d := child.dnssecState("child.test.")
		k, ok := keyOf(d, client.DnssecKeyRoleKsk, client.DnssecKeyStateActive)
		return ok && k.Tag == newKSK.Tag && k.Submitted != nil && len(d.Keys) == 2
	})
	if cds := child.dig("child.test.", dns.TypeCDS); len(cds) != 0 {
		t.Fatalf("CDS stays after the rollover: %v", cds)
	}
	time.Sleep(3 * time.Second) // what resolvers cached of the old key expires
	n, bad := report()
	if len(bad) > 0 {
		t.Fatalf("%d of %d answers through the validating resolver were not secure:\n%s\n%s", len(bad), n, strings.Join(bad, "\n"), child.srv.log.String())
	}
	if n < 200 {
		t.Fatalf("only %d queries were made", n)
	}
	t.Logf("%d answers, all secure", n)
}

// TestACSKRolloverSubmittedThroughTheAPI: a CSK's successor becomes ready
// by itself, waits for submitZoneKey (there is no parent to ask), then
// replaces the old key; each step is a commit. Bad input changes nothing.
func TestACSKRolloverSubmittedThroughTheAPI(t *testing.T) {
	e := startZone(t, "child.test.", childZone, `        git
        dnssec {
            propagation 0s
            parent_propagation 0s
            ds_ttl 0s
        }
`)
	ctx := context.Background()
	old := e.sign("child.test.", false).Keys[0]
	for _, c := range []struct {
		what   string
		status int
		code   string
		do     func() (int, []byte)
	}{
		{"roll a key that is not there", 404, "key-not-found", func() (int, []byte) {
			r, _ := e.c.RollZoneKeyWithResponse(ctx, "child.test.", (old.Tag+1)%65536, &client.RollZoneKeyParams{})
			return r.StatusCode(), r.Body
		}},
		{"submit an active key", 422, "not-ready", func() (int, []byte) {
			r, _ := e.c.SubmitZoneKeyWithResponse(ctx, "child.test.", old.Tag, &client.SubmitZoneKeyParams{})
			return r.StatusCode(), r.Body
		}},
		{"roll in a zone that is not there", 404, "", func() (int, []byte) {
			r, _ := e.c.RollZoneKeyWithResponse(ctx, "nothere.test.", old.Tag, &client.RollZoneKeyParams{})
			return r.StatusCode(), r.Body
		}},
	} {
		if status, body := c.do(); status != c.status || !strings.Contains(string(body), c.code) {
			t.Errorf("%s: %d %s", c.what, status, body)
		}
	}
	if d := e.dnssecState("child.test."); len(d.Keys) != 1 || d.Keys[0].Next != nil {
		t.Fatalf("bad input changed the keys: %+v", d.Keys)
	}
	r, err := e.c.RollZoneKeyWithResponse(ctx, "child.test.", old.Tag, &client.RollZoneKeyParams{})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("rollZoneKey: %v %s", err, r.Body)
	}
	succ, _ := keyOf(*r.JSON200, client.DnssecKeyRoleCsk, client.DnssecKeyStatePublished)
	eventually(t, 20*time.Second, "the new CSK to be ready", func() bool {
		_, ok := keyOf(e.dnssecState("child.test."), client.DnssecKeyRoleCsk, client.DnssecKeyStateReady)
		return ok
	})
	// Ready, the new CSK signs the data and both the DNSKEY RRset.
	sigs := map[uint16]int{}
	for _, rr := range askDO(t, e.srv.addr, "www.child.test.", dns.TypeA).Answer {
		if s, ok := rr.(*dns.RRSIG); ok {
			sigs[s.KeyTag]++
		}
	}
	if sigs[uint16(succ.Tag)] != 1 || sigs[uint16(old.Tag)] != 0 {
		t.Fatalf("the data's signatures while the new CSK is ready: %v", sigs)
	}
	s, err := e.c.SubmitZoneKeyWithResponse(ctx, "child.test.", succ.Tag, &client.SubmitZoneKeyParams{})
	if err != nil || s.JSON200 == nil {
		t.Fatalf("submitZoneKey: %v %s", err, s.Body)
	}
	eventually(t, 20*time.Second, "the old CSK to go", func() bool {
		d := e.dnssecState("child.test.")
		return len(d.Keys) == 1 && d.Keys[0].Tag == succ.Tag && d.Keys[0].State == client.DnssecKeyStateActive
	})
	if dnskeys := e.dig("child.test.", dns.TypeDNSKEY); len(dnskeys) != 1 {
		t.Fatalf("the DNSKEY RRset after the rollover: %v", dnskeys)
	}
	e.waitCommitted()
	ops := git(t, e.dir, "log", "--format=%B")
	for _, op := range []string{"rollZoneKey", "submitZoneKey", "dnssecRollover", "ready", "retired", "removed"} {
		if !strings.Contains(ops, op) {
			t.Errorf("no commit says %s:\n%s", op, ops)
		}
	}
}
