package test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/test/client"
)

// signedZone starts bin/coredns with transfers open, gives example.org a
// wildcard and an insecure delegation, signs it through the API, and
// returns the environment and the zone's DS.
func signedZone(t *testing.T, denial ...client.DnssecSettingsDenial) (*apiEnv, string) {
	t.Helper()
	e := startAPIWith(t, "    transfer {\n        to *\n    }\n", "", "api/example.org.zone")
	ctx := context.Background()
	for _, r := range []client.DNSRecordInput{
		{Name: "*.dev", Type: "A", Value: "192.0.2.99"},
		{Name: "insecure", Type: "NS", Value: "ns.elsewhere.example."},
		{Name: "text", Type: "TXT", Value: "hello"},
	} {
		if resp, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, r); err != nil || resp.StatusCode()/100 != 2 {
			t.Fatalf("%+v: %v %s", r, err, resp.Body)
		}
	}
	settings := client.DnssecSettings{Enabled: true}
	if len(denial) > 0 {
		settings.Denial = &denial[0]
	}
	d, err := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, settings)
	if err != nil || d.StatusCode() != 200 || len(d.JSON200.Ds) != 1 {
		t.Fatalf("setZoneDnssec: %v %s", err, d.Body)
	}
	if len(denial) > 0 && (d.JSON200.Denial == nil || string(*d.JSON200.Denial) != string(denial[0])) {
		t.Fatalf("setZoneDnssec: the zone's denial is not %s: %s", denial[0], d.Body)
	}
	return e, d.JSON200.Ds[0]
}

// axfr writes the zone as AXFR gives it to a file and returns its path.
func (e *apiEnv) axfr(origin string) string {
	e.t.Helper()
	env, err := (&dns.Transfer{}).In(new(dns.Msg).SetAxfr(origin), e.srv.addr)
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for msg := range env {
		if msg.Error != nil {
			e.t.Fatal(msg.Error)
		}
		for _, rr := range msg.RR {
			b.WriteString(rr.String() + "\n")
		}
	}
	p := filepath.Join(e.t.TempDir(), "axfr.zone")
	os.WriteFile(p, []byte(b.String()), 0o644)
	return p
}

// TestSignedZoneVerifies: ldns-verify-zone and BIND's dnssec-verify accept
// the AXFR of a zone signed through the API, before and after 200 changes.
func TestSignedZoneVerifies(t *testing.T) {
	for _, d := range []client.DnssecSettingsDenial{client.DnssecSettingsDenialNsec, client.DnssecSettingsDenialNsec3} {
		t.Run(string(d), func(t *testing.T) { signedZoneVerifies(t, d) })
	}
}

func signedZoneVerifies(t *testing.T, denial client.DnssecSettingsDenial) {
	e, _ := signedZone(t, denial)
	verify := func(when string) {
		t.Helper()
		p := e.axfr("example.org.")
		if out, err := exec.Command(needTool(t, "ldns-verify-zone"), p).CombinedOutput(); err != nil {
			t.Fatalf("%s: ldns-verify-zone: %v\n%s", when, err, out)
		}
		if out, err := exec.Command(needTool(t, "dnssec-verify"), "-z", "-o", "example.org.", p).CombinedOutput(); err != nil {
			t.Fatalf("%s: dnssec-verify: %v\n%s", when, err, out)
		}
		zf, _ := os.ReadFile(p)
		if has := strings.Contains(string(zf), "\tNSEC3\t"); has != (denial == client.DnssecSettingsDenialNsec3) || has == strings.Contains(string(zf), "\tNSEC\t") {
			t.Fatalf("%s: the AXFR of a zone signed with %s has NSEC3: %v", when, denial, has)
		}
	}
	verify("signed")
	ctx := context.Background()
	// 200 random changes: names at several depths (empty non-terminals come
	// and go), A and TXT RRsets, delegations, wildcards, deletions.
	rng := rand.New(rand.NewPCG(27, uint64(len(denial))))
	pool := []string{"a", "b.a", "c.b.a", "d", "e.d", "*.w", "x.w", "deleg", "host.deleg", "t", "u", "v.u", "*"}
	have := map[[2]string]bool{}
	for i := range 200 {
		name := pool[rng.IntN(len(pool))]
		var r client.DNSRecordInput
		switch op := rng.IntN(10); {
		case op < 4:
			r = client.DNSRecordInput{Name: name, Type: "A", Value: fmt.Sprintf("192.0.2.%d", rng.IntN(250))}
		case op < 6:
			r = client.DNSRecordInput{Name: name, Type: "TXT", Value: fmt.Sprintf("v%d", i)}
		case op < 7 && name == "deleg":
			r = client.DNSRecordInput{Name: name, Type: "NS", Value: "ns.elsewhere.example."}
		default:
			for key := range have {
				if key[0] == name {
					resp, err := e.c.DeleteRRsetWithResponse(ctx, "example.org", key[0], client.RRType(key[1]), &client.DeleteRRsetParams{})
					if err != nil || resp.StatusCode() != 204 {
						t.Fatalf("delete %v: %v %s", key, err, resp.Body)
					}
					delete(have, key)
					break
				}
			}
			continue
		}
		resp, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, r)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode()/100 == 2 {
			have[[2]string{r.Name, r.Type}] = true
		} else if resp.StatusCode() != 422 && resp.StatusCode() != 409 { // data at a cut, a CNAME rule: refused, fine
			t.Fatalf("%+v: %d %s", r, resp.StatusCode(), resp.Body)
		}
	}
	verify("after 200 changes")
	// The zone changes its chain in one change.
	denial = map[client.DnssecSettingsDenial]client.DnssecSettingsDenial{client.DnssecSettingsDenialNsec: client.DnssecSettingsDenialNsec3,
		client.DnssecSettingsDenialNsec3: client.DnssecSettingsDenialNsec}[denial]
	d, err := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true, Denial: &denial})
	if err != nil || d.JSON200 == nil || string(*d.JSON200.Denial) != string(denial) {
		t.Fatalf("setZoneDnssec %s: %v %s", denial, err, d.Body)
	}
	verify("changed to " + string(denial))
}

// unbound runs a validating unbound on a free loopback port that trusts ds
// for example.org and asks the server at addr for it; extra goes in its
// server section. It is ready once it answers for the zone's SOA; with
// bogus set, once it answers at all. It keeps nothing cached longer than a
// second.
func unbound(t *testing.T, addr, ds, extra string, bogus ...bool) string {
	t.Helper()
	extra = "    cache-max-ttl: 1\n    cache-max-negative-ttl: 1\n" + extra
	return unboundFor(t, "example.org. DS "+ds, map[string]string{"example.org.": addr}, extra, len(bogus) > 0)
}

// unboundFor runs a validating unbound with the trust anchor anchor that
// asks the server stubs gives for each zone (the first of them, in name
// order, answers when it is ready).
func unboundFor(t *testing.T, anchor string, stubs map[string]string, extra string, bogus bool) string {
	t.Helper()
	bin := needTool(t, "unbound")
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`server:
    interface: 127.0.0.1
    port: %d
    do-daemonize: no
    use-syslog: no
    logfile: ""
    chroot: ""
    username: ""
    directory: "%s"
    pidfile: ""
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    module-config: "validator iterator"
    trust-anchor: "%s"
    val-log-level: 2
    verbosity: 1
%s
`, port, dir, anchor, extra)
	zones := slices.Sorted(maps.Keys(stubs))
	for _, z := range zones {
		host, dport, _ := strings.Cut(stubs[z], ":")
		conf += fmt.Sprintf("stub-zone:\n    name: %q\n    stub-addr: %s@%s\n", z, host, dport)
	}
	p := filepath.Join(dir, "unbound.conf")
	os.WriteFile(p, []byte(conf), 0o644)
	cmd := exec.Command(bin, "-d", "-c", p)
	raddr := fmt.Sprintf("127.0.0.1:%d", port)
	if !bogus {
		start(t, "unbound", raddr, zones[0], cmd)
		return raddr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m := new(dns.Msg).SetQuestion(zones[0], dns.TypeSOA)
		if _, _, err := (&dns.Client{Timeout: 200 * time.Millisecond}).Exchange(m, raddr); err == nil {
			return raddr
		}
	}
	t.Fatalf("unbound did not answer on %s", raddr)
	return ""
}

// resolve asks the resolver at addr with DO and returns the reply.
func resolve(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(4096, true)
	r, _, err := (&dns.Client{Timeout: 5 * time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAValidatingResolverTrustsTheSignedZone: unbound, with the zone's DS
// from the API as trust anchor, answers secure (AD) for a positive answer,
// a CNAME, NXDOMAIN, NODATA, a wildcard, a wildcard NODATA and an insecure
// delegation's proof; and SERVFAIL once it judges the signatures expired,
// which shows it validates.
func TestAValidatingResolverTrustsTheSignedZone(t *testing.T) {
	for _, d := range []client.DnssecSettingsDenial{client.DnssecSettingsDenialNsec, client.DnssecSettingsDenialNsec3} {
		t.Run(string(d), func(t *testing.T) { aValidatingResolverTrustsTheSignedZone(t, d) })
	}
}

func aValidatingResolverTrustsTheSignedZone(t *testing.T, denial client.DnssecSettingsDenial) {
	e, ds := signedZone(t, denial)
	r := unbound(t, e.srv.addr, ds, "")
	for _, c := range []struct {
		name  string
		qtype uint16
		rcode int
	}{
		{"www.example.org", dns.TypeA, dns.RcodeSuccess},
		{"alias.example.org", dns.TypeA, dns.RcodeSuccess},
		{"text.example.org", dns.TypeTXT, dns.RcodeSuccess},
		{"nothere.example.org", dns.TypeA, dns.RcodeNameError},
		{"www.example.org", dns.TypeMX, dns.RcodeSuccess},
		{"x.dev.example.org", dns.TypeA, dns.RcodeSuccess},
		{"x.dev.example.org", dns.TypeTXT, dns.RcodeSuccess},
		{"insecure.example.org", dns.TypeDS, dns.RcodeSuccess},
	} {
		m := resolve(t, r, c.name, c.qtype)
		if m.Rcode != c.rcode || !m.AuthenticatedData {
			t.Errorf("%s %s: %s, AD %v\n%v", c.name, dns.TypeToString[c.qtype], dns.RcodeToString[m.Rcode], m.AuthenticatedData, m)
		}
	}
	// A Knot secondary transfers the signed zone; unbound validates its
	// answers too.
	knot := startKnotSecondary(t, freePort(t), e.srv.addr)
	if soaSerial(t, knot.addr) != soaSerial(t, e.srv.addr) {
		t.Fatal("Knot does not serve the primary's serial")
	}
	viaKnot := unbound(t, knot.addr, ds, "")
	for _, q := range []string{"www.example.org", "nothere.example.org", "x.dev.example.org"} {
		if m := resolve(t, viaKnot, q, dns.TypeA); !m.AuthenticatedData {
			t.Errorf("%s through Knot: not secure\n%v", q, m)
		}
	}

	// The same resolver at a date past every signature: bogus, SERVFAIL.
	late := unbound(t, e.srv.addr, ds, `    val-override-date: "20300101000000"`, true)
	if m := resolve(t, late, "www.example.org", dns.TypeA); m.Rcode != dns.RcodeServerFailure {
		t.Fatalf("a resolver that finds the signatures expired answered %s", dns.RcodeToString[m.Rcode])
	}
}

// TestDnssecBadInputChangesNothing: an unknown algorithm is refused with a
// problem, and signing a signed zone again changes nothing.
func TestDnssecBadInputChangesNothing(t *testing.T) {
	e, ds := signedZone(t)
	serial := soaSerial(t, e.srv.addr)
	for _, body := range []string{`{"enabled": true, "algorithm": "RSAMD5"}`, `{"enabled": "yes"}`, `{"algorithm": "ED25519"}`, `{"enabled": true, "colour": "red"}`} {
		req, _ := http.NewRequest("PUT", e.base+"/zones/example.org/dnssec", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", body, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// The signer's records are not written through the API.
	r, err := e.c.UpsertRecordWithResponse(context.Background(), "example.org", &client.UpsertRecordParams{},
		client.DNSRecordInput{Name: "www", Type: "NSEC", Value: "zzz.example.org. A RRSIG NSEC"})
	if err != nil || r.StatusCode() != 422 || !strings.Contains(string(r.Body), "signed-records") {
		t.Errorf("an NSEC written through the API into a signed zone: %d %s", r.StatusCode(), r.Body)
	}
	d, err := e.c.SetZoneDnssecWithResponse(context.Background(), "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true})
	if err != nil || d.StatusCode() != 200 || d.JSON200.Ds[0] != ds {
		t.Fatalf("signing a signed zone again: %v %s", err, d.Body)
	}
	if got := soaSerial(t, e.srv.addr); got != serial {
		t.Fatalf("bad input or a repeated request changed the zone: serial %d, was %d", got, serial)
	}
}

// TestTheHistoryKeepsASignedZoneUnsigned: the Git history of a zone signed
// here has its records and not its signatures, NSEC chain or DNSKEY, while
// the store's file has them all; a restart adds no commit.
func TestTheHistoryKeepsASignedZoneUnsigned(t *testing.T) {
	dir := copyZones(t, "api/example.org.zone")
	port := freePort(t)
	s := startCoreDNS(t, fmt.Sprintf(apiCorefile, dir, port, "        git\n"), "example.org.")
	e := &apiEnv{t: t, srv: s, base: fmt.Sprintf("http://127.0.0.1:%d/v1", port), dir: dir}
	waitHealthy(t, e.base)
	c, _ := client.NewClientWithResponses(e.base)
	e.c = c
	ctx := context.Background()
	if d, err := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true}); err != nil || d.StatusCode() != 200 {
		t.Fatalf("setZoneDnssec: %v", err)
	}
	if r, err := e.c.UpsertRecordWithResponse(ctx, "example.org", &client.UpsertRecordParams{}, client.DNSRecordInput{Name: "new", Type: "A", Value: "192.0.2.7"}); err != nil || r.StatusCode()/100 != 2 {
		t.Fatalf("upsert: %v", err)
	}
	e.waitCommitted()
	e.waitCompacted("example.org")
	committed := git(t, dir, "show", "HEAD:example.org.zone")
	for _, typ := range []string{"RRSIG", "NSEC", "DNSKEY"} {
		if strings.Contains(committed, "\t"+typ+"\t") {
			t.Errorf("the history holds the zone's %s records:\n%s", typ, committed)
		}
	}
	if !strings.Contains(committed, "new\t3600\tIN\tA\t192.0.2.7") {
		t.Fatalf("the history lacks the change:\n%s", committed)
	}
	if file := e.storeFile("example.org"); !strings.Contains(file, "\tRRSIG\t") || !strings.Contains(file, "\tDNSKEY\t") {
		t.Fatalf("the store's file is not signed:\n%s", file)
	}
	ops := git(t, dir, "log", "--format=%(trailers:key=Operation,valueonly)")
	if !strings.Contains(ops, "setZoneDnssec") {
		t.Fatalf("signing the zone is not a commit:\n%s", ops)
	}
	commits := git(t, dir, "rev-list", "--count", "HEAD")
	s.cmd.Process.Kill()
	s.cmd.Wait()
	e2 := restartAPI(t, e, "        git\n")
	if got := git(t, dir, "rev-list", "--count", "HEAD"); got != commits {
		t.Fatalf("a restart committed the signed zone: %s -> %s commits", commits, got)
	}
	if sigs := e2.digDO("new.example.org", dns.TypeA); len(sigs) == 0 {
		t.Fatal("after a restart the zone is not signed")
	}
}

// shape is a section as types per owner, an RRSIG by the type it covers:
// what two servers that sign the same zone with their own keys must agree
// on, signatures aside.
func shape(rrs []dns.RR) string {
	var out []string
	for _, rr := range rrs {
		h := rr.Header()
		s := strings.ToLower(h.Name) + " " + dns.TypeToString[h.Rrtype]
		if sig, ok := rr.(*dns.RRSIG); ok {
			s += "(" + dns.TypeToString[sig.TypeCovered] + ")"
		}
		if h.Rrtype != dns.TypeOPT {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// TestSignedAnswersAreShapedAsKnots: the same zone signed by Knot
// (dnssec-signing, ECDSAP256SHA256, NSEC) and by zoneapi gives, for a
// corpus of DO queries, the same rcode and the same records by owner and
// type in the answer and authority sections, signatures aside.
func TestSignedAnswersAreShapedAsKnots(t *testing.T) {
	e, _ := signedZone(t)
	// Knot signs the same records: the zone as its history keeps it.
	dir := t.TempDir()
	var b strings.Builder
	for _, rr := range axfrRRs(t, e.srv.addr, "example.org.") {
		if typ := rr.Header().Rrtype; typ != dns.TypeRRSIG && typ != dns.TypeNSEC && typ != dns.TypeDNSKEY {
			b.WriteString(rr.String() + "\n")
		}
	}
	os.WriteFile(filepath.Join(dir, "example.org.zone"), []byte(b.String()), 0o644)
	knot := runKnot(t, dir, freePort(t), "policy:\n  - id: ecdsa\n    algorithm: ecdsap256sha256\n    single-type-signing: on\n    nsec3: off\n",
		"    zonefile-sync: -1\n    dnssec-signing: on\n    dnssec-policy: ecdsa\n", "  - domain: example.org\n    file: example.org.zone\n", "example.org.")
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"www.example.org.", dns.TypeA}, {"alias.example.org.", dns.TypeA}, {"text.example.org.", dns.TypeTXT},
		{"nothere.example.org.", dns.TypeA}, {"www.example.org.", dns.TypeMX}, {"x.dev.example.org.", dns.TypeA},
		{"x.dev.example.org.", dns.TypeTXT}, {"a.insecure.example.org.", dns.TypeA}, {"insecure.example.org.", dns.TypeDS},
		{"example.org.", dns.TypeSOA}, {"example.org.", dns.TypeNS}, {"dev.example.org.", dns.TypeA}, {"z.example.org.", dns.TypeAAAA},
	} {
		ours, theirs := askDO(t, e.srv.addr, q.name, q.qtype), askDO(t, knot.addr, q.name, q.qtype)
		for _, sec := range []struct {
			name      string
			got, want []dns.RR
		}{{"answer", ours.Answer, theirs.Answer}, {"authority", ours.Ns, theirs.Ns}} {
			if ours.Rcode != theirs.Rcode || shape(sec.got) != shape(sec.want) {
				t.Errorf("%s %s %s: %s [%s], Knot %s [%s]", q.name, dns.TypeToString[q.qtype], sec.name,
					dns.RcodeToString[ours.Rcode], shape(sec.got), dns.RcodeToString[theirs.Rcode], shape(sec.want))
			}
		}
	}
}

func askDO(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	m.RecursionDesired = false
	m.SetEdns0(4096, true)
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func axfrRRs(t *testing.T, addr, origin string) []dns.RR {
	t.Helper()
	env, err := (&dns.Transfer{}).In(new(dns.Msg).SetAxfr(origin), addr)
	if err != nil {
		t.Fatal(err)
	}
	var out []dns.RR
	for msg := range env {
		if msg.Error != nil {
			t.Fatal(msg.Error)
		}
		out = append(out, msg.RR...)
	}
	return out[:len(out)-1] // the closing SOA
}

// TestZoneKeysThroughTheAPI: a ZSK made and published, made active
// (signing the zone), an imported key, a malformed and a mismatched
// import refused, the only key that signs the DNSKEY RRset kept; the
// zone verifies throughout.
func TestZoneKeysThroughTheAPI(t *testing.T) {
	e, _ := signedZone(t)
	ctx := context.Background()
	keys := func() []client.DnssecKey {
		d, _ := e.c.GetZoneDnssecWithResponse(ctx, "example.org")
		return d.JSON200.Keys
	}
	csk := keys()[0]
	zsk := client.DnssecKeyInputRoleZsk
	r, err := e.c.AddZoneKeyWithResponse(ctx, "example.org", &client.AddZoneKeyParams{}, client.DnssecKeyInput{Role: &zsk})
	if err != nil || r.StatusCode() != 201 || len(r.JSON201.Keys) != 2 || r.JSON201.Keys[1].State != client.DnssecKeyStatePublished {
		t.Fatalf("addZoneKey: %v %s", err, r.Body)
	}
	serial := soaSerial(t, e.srv.addr)
	bad := []client.DnssecKeyInput{
		{Dnskey: ptrTo("257 3 13 AAAA"), Private: ptrTo("Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: AAAA\n")},
		{Dnskey: ptrTo(csk.Dnskey), Private: ptrTo(generatedPrivate(t))}, // another key's private key
		{Dnskey: ptrTo(csk.Dnskey)},
	}
	for _, in := range bad {
		r, _ := e.c.AddZoneKeyWithResponse(ctx, "example.org", &client.AddZoneKeyParams{}, in)
		if r.StatusCode() != 422 && r.StatusCode() != 400 || !strings.Contains(string(r.Body), "bad-key") {
			t.Errorf("a bad import: %d %s", r.StatusCode(), r.Body)
		}
	}
	if d, _ := e.c.DeleteZoneKeyWithResponse(ctx, "example.org", csk.Tag, &client.DeleteZoneKeyParams{}); d.StatusCode() != 422 || !strings.Contains(string(d.Body), "last-signing-key") {
		t.Errorf("deleting the only active key: %d %s", d.StatusCode(), d.Body)
	}
	if got := soaSerial(t, e.srv.addr); got != serial || len(keys()) != 2 {
		t.Fatalf("refused key changes changed the zone: serial %d, was %d; %d keys", got, serial, len(keys()))
	}
	// The published ZSK goes; an imported key, active, signs the zone.
	if d, _ := e.c.DeleteZoneKeyWithResponse(ctx, "example.org", keys()[1].Tag, &client.DeleteZoneKeyParams{}); d.StatusCode() != 200 || len(d.JSON200.Keys) != 1 {
		t.Fatalf("deleting the published key: %d %s", d.StatusCode(), d.Body)
	}
	dnskey, private := generatedKey(t)
	active := client.DnssecKeyInputStateActive
	if r, _ := e.c.AddZoneKeyWithResponse(ctx, "example.org", &client.AddZoneKeyParams{}, client.DnssecKeyInput{Dnskey: &dnskey, Private: &private, Role: &zsk, State: &active}); r.StatusCode() != 201 {
		t.Fatalf("importing a key: %d %s", r.StatusCode(), r.Body)
	}
	p := e.axfr("example.org.")
	if out, err := exec.Command(needTool(t, "ldns-verify-zone"), p).CombinedOutput(); err != nil {
		t.Fatalf("after the key changes: %v\n%s", err, out)
	}
	if out, _ := os.ReadFile(p); strings.Count(string(out), "\tRRSIG\tA ") < 3 {
		t.Fatalf("the imported active key does not sign the zone:\n%s", out)
	}
}

func ptrTo[T any](v T) *T { return &v }

// generatedKey makes a key of example.org with miekg/dns, as another tool
// would, and returns its DNSKEY RDATA and its private key.
func generatedKey(t *testing.T) (string, string) {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: "example.org.", Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600}, Flags: 256, Protocol: 3, Algorithm: dns.ECDSAP256SHA256}
	priv, err := k.Generate(256)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(k.String(), k.Hdr.String()), k.PrivateKeyString(priv)
}

func generatedPrivate(t *testing.T) string { _, p := generatedKey(t); return p }

// TestAPulledSignedZoneIsSigned: a zone signed here, changed by an operator
// through Git (GitOps): the history it pushes holds no signature, the
// pulled change is served signed, and the zone verifies.
func TestAPulledSignedZoneIsSigned(t *testing.T) {
	url, work := operatorRepo(t)
	block := fmt.Sprintf("        git {\n            remote %s\n            pull 200ms\n            push\n        }\n", url)
	e := startAPIWith(t, "    transfer {\n        to *\n    }\n", block)
	ctx := context.Background()
	eventually(t, 10*time.Second, "the zone from Git is served", func() bool { return len(e.dig("example.org.", dns.TypeSOA)) == 1 })
	if d, err := e.c.SetZoneDnssecWithResponse(ctx, "example.org", &client.SetZoneDnssecParams{}, client.DnssecSettings{Enabled: true}); err != nil || d.StatusCode() != 200 {
		t.Fatalf("setZoneDnssec: %v", err)
	}
	e.waitCommitted()
	var text string
	eventually(t, 10*time.Second, "the signing commit reaches the remote", func() bool {
		git(t, work, "pull", "-q", "--rebase", "origin", "main")
		b, _ := os.ReadFile(filepath.Join(work, "example.org.zone"))
		text = string(b)
		return strings.Contains(git(t, work, "log", "--format=%(trailers:key=Operation,valueonly)"), "setZoneDnssec")
	})
	if strings.Contains(text, "\tRRSIG\t") || strings.Contains(text, "\tNSEC\t") || strings.Contains(text, "\tDNSKEY\t") {
		t.Fatalf("the history pushed holds the signer's records:\n%s", text)
	}
	serial := strings.Fields(e.dig("example.org.", dns.TypeSOA)[0])[2]
	edited := strings.Replace(text, serial, fmt.Sprint(mustAtoi(t, serial)+1), 1) + "pulled  IN A    192.0.2.60\n"
	operatorCommit(t, work, "example.org.zone", edited, "add pulled")
	eventually(t, 10*time.Second, "the pulled record is served signed", func() bool { return len(e.digDO("pulled.example.org", dns.TypeA)) == 1 })
	if out, err := exec.Command(needTool(t, "ldns-verify-zone"), e.axfr("example.org.")).CombinedOutput(); err != nil {
		t.Fatalf("after the pull: %v\n%s", err, out)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
