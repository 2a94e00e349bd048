package dnssec

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// roller runs a rollover on a signed test zone: each step's keyring is put
// in the zone as the keeper's change does, and the zone checked.
type roller struct {
	t   *testing.T
	s   *Signer
	z   *zone.Zone
	tm  Timing
	now time.Time
}

func newRoller(t *testing.T, roles ...Role) *roller {
	s := newSigner(t, dns.ECDSAP256SHA256, roles...)
	z := load(t, testZone)
	tx := z.Txn()
	if err := s.Sign(nil, tx, nil, now); err != nil {
		t.Fatal(err)
	}
	z, _ = tx.Commit()
	return &roller{t: t, s: s, z: z, now: now, tm: Timing{Propagation: time.Minute, ParentPropagation: 2 * time.Minute, DSTTL: time.Hour, ZSKLifetime: 30 * 24 * time.Hour}}
}

func (r *roller) put(ring *Keyring) {
	r.t.Helper()
	r.s.Keys = ring
	tx := r.z.Txn()
	soa := dns.Copy(tx.SOA()).(*dns.SOA)
	soa.Serial++
	tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa})
	if err := r.s.Sign(r.z, tx, nil, r.now); err != nil {
		r.t.Fatal(err)
	}
	r.z, _ = tx.Commit()
	checkAt(r.t, r.s, r.z, r.now)
}

// at steps the rollover at d after the start; it reports what happened.
func (r *roller) at(d time.Duration) string {
	r.t.Helper()
	r.now = now.Add(d)
	next, events, err := r.s.Keys.Step(r.now, r.tm, ZoneTTLs(r.z))
	if err != nil {
		r.t.Fatal(err)
	}
	if next != nil {
		r.put(next)
	}
	return strings.Join(events, "; ")
}

func (r *roller) state(tag uint16) State {
	for _, k := range r.s.Keys.Keys {
		if k.Tag() == tag {
			return k.State
		}
	}
	return "gone"
}

// signs reports whether a key of tag signed the RRset of typ at name.
func (r *roller) signs(tag uint16, name string, typ uint16) bool {
	n, _ := r.z.Node(name)
	return slices.ContainsFunc(n.Signatures(typ), func(rr dns.RR) bool { return rr.(*dns.RRSIG).KeyTag == tag })
}

func TestACSKRollsOverWhenTheParentHasTheNewDS(t *testing.T) {
	r := newRoller(t, CSK)
	old := r.s.Keys.Keys[0].Tag()
	ring, succ, err := r.s.Keys.Roll(old, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ring.Roll(old, now); err == nil {
		t.Fatal("a second rollover of the role started")
	}
	r.put(ring)
	tag := succ.Tag()
	if r.state(tag) != Published || len(r.z.Apex().Type(dns.TypeDNSKEY)) != 2 || r.signs(tag, "www.example.org.", dns.TypeA) {
		t.Fatal("the successor is not published only")
	}
	// The DNSKEY TTL is the SOA's, an hour; a minute of propagation.
	if ev := r.at(time.Hour); ev != "" {
		t.Fatalf("a step before every cache holds the successor: %s", ev)
	}
	if ev := r.at(time.Hour + time.Minute); !strings.Contains(ev, "ready") || r.state(tag) != Ready {
		t.Fatalf("the successor is not ready: %q", ev)
	}
	if !r.signs(tag, "www.example.org.", dns.TypeA) || r.signs(old, "www.example.org.", dns.TypeA) {
		t.Fatal("the data is not signed by the new CSK alone")
	}
	if !r.signs(tag, "example.org.", dns.TypeDNSKEY) || !r.signs(old, "example.org.", dns.TypeDNSKEY) {
		t.Fatal("the DNSKEY RRset is not signed by both CSKs")
	}
	cds := r.z.Apex().Type(dns.TypeCDS)
	if len(cds) != 1 || cds[0].(*dns.CDS).KeyTag != tag || len(r.z.Apex().Type(dns.TypeCDNSKEY)) != 1 {
		t.Fatalf("CDS and CDNSKEY of the new key are not published: %v", cds)
	}
	if ds := r.s.Keys.DS(); len(ds) != 1 || ds[0].KeyTag != tag {
		t.Fatalf("the DS for the parent is not the new key's: %v", ds)
	}
	if ev := r.at(48 * time.Hour); ev != "" {
		t.Fatalf("a step before the DS is at the parent: %s", ev)
	}
	sub, err := r.s.Keys.Submit(tag, 2*time.Hour, r.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Submit(tag, 0, r.now); err == nil {
		t.Fatal("a key submitted twice")
	}
	r.put(sub)
	// The DS TTL seen (2 h) is longer than the Corefile's (1 h).
	if ev := r.at(48*time.Hour + 2*time.Hour + time.Minute); ev != "" {
		t.Fatalf("the old key retired before the DS TTL passed: %s", ev)
	}
	if ev := r.at(48*time.Hour + 2*time.Hour + 2*time.Minute); r.state(tag) != Active || r.state(old) != Retired {
		t.Fatalf("after the DS TTL: %q; new %s, old %s", ev, r.state(tag), r.state(old))
	}
	if r.signs(old, "example.org.", dns.TypeDNSKEY) || len(r.z.Apex().Type(dns.TypeCDS)) != 0 || len(r.z.Apex().Type(dns.TypeDNSKEY)) != 2 {
		t.Fatal("the retired key still signs, or is not published, or CDS stays")
	}
	// It goes after Propagation and the largest TTL, the SOA's hour.
	if r.at(48*time.Hour + 3*time.Hour + 2*time.Minute); r.state(old) != Retired {
		t.Fatal("the retired key went too soon")
	}
	if ev := r.at(48*time.Hour + 3*time.Hour + 3*time.Minute); r.state(old) != "gone" || len(r.z.Apex().Type(dns.TypeDNSKEY)) != 1 {
		t.Fatalf("the retired key did not go: %q", ev)
	}
	if !r.s.Keys.Next(r.tm, time.Hour).IsZero() {
		t.Fatal("a step is due after the rollover")
	}
}

func TestAZSKIsRolledByItself(t *testing.T) {
	r := newRoller(t, KSK, ZSK)
	ksk, zsk := r.s.Keys.Keys[0].Tag(), r.s.Keys.Keys[1].Tag()
	life := r.tm.ZSKLifetime
	if next := r.s.Keys.Next(r.tm, time.Hour); !next.Equal(now.Add(life)) {
		t.Fatalf("the ZSK's rollover is due at %s", next)
	}
	if ev := r.at(life); !strings.Contains(ev, "published") {
		t.Fatalf("the ZSK was not rolled: %q", ev)
	}
	succ := r.s.Keys.Successor(ZSK)
	if succ == nil || r.signs(succ.Tag(), "www.example.org.", dns.TypeA) || !r.signs(zsk, "www.example.org.", dns.TypeA) {
		t.Fatal("the successor is not published only")
	}
	if ev := r.at(life + time.Hour + time.Minute); r.state(succ.Tag()) != Active || r.state(zsk) != Retired {
		t.Fatalf("the successor did not take over: %q", ev)
	}
	if !r.signs(succ.Tag(), "www.example.org.", dns.TypeA) || r.signs(zsk, "www.example.org.", dns.TypeA) || !r.signs(ksk, "example.org.", dns.TypeDNSKEY) {
		t.Fatal("the zone is not signed by the successor ZSK and the KSK")
	}
	if len(r.z.Apex().Type(dns.TypeCDS)) != 0 {
		t.Fatal("a ZSK rollover published CDS")
	}
	if ev := r.at(life + 2*time.Hour + 2*time.Minute); r.state(zsk) != "gone" {
		t.Fatalf("the old ZSK did not go: %q", ev)
	}
	if next := r.s.Keys.Next(r.tm, time.Hour); !next.Equal(now.Add(life + time.Hour + time.Minute + life)) {
		t.Fatalf("the next rollover is due at %s", next)
	}
}

func TestAKeyAddedThroughTheAPIStaysAsItIs(t *testing.T) {
	r := newRoller(t, CSK)
	k, _ := Generate("example.org.", dns.ECDSAP256SHA256, CSK, now)
	k.State = Published
	ring, _ := r.s.Keys.With(k)
	r.put(ring)
	if ev := r.at(1000 * time.Hour); ev != "" || r.state(k.Tag()) != Published {
		t.Fatalf("a published key added by hand moved: %q", ev)
	}
	if _, err := r.s.Keys.Submit(k.Tag(), 0, r.now); err == nil {
		t.Fatal("a key that is not ready was submitted")
	}
	if _, _, err := r.s.Keys.Roll(k.Tag(), r.now); err == nil {
		t.Fatal("a key that is not active was rolled")
	}
}
