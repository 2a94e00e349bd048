package dnssec

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

const testZone = `$ORIGIN example.org.
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
@ 3600 IN MX 10 mail
ns1 IN A 192.0.2.53
mail IN A 192.0.2.25
www 300 IN A 192.0.2.80
www 60 IN TXT "hello"
blog IN CNAME www
*.dev IN A 192.0.2.99
a.b.c IN A 192.0.2.1
sub IN NS ns.sub
ns.sub IN A 192.0.2.54
sub IN DS 12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
`

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func newSigner(t testing.TB, alg uint8, roles ...Role) *Signer {
	t.Helper()
	r := &Keyring{Origin: "example.org."}
	for _, role := range roles {
		k, err := Generate("example.org.", alg, role, now)
		if err != nil {
			t.Fatal(err)
		}
		r.Keys = append(r.Keys, k)
	}
	return &Signer{Keys: r, Policy: DefaultPolicy}
}

func load(t testing.TB, text string) *zone.Zone {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(text), "example.org.", "test")
	tx, _ := zone.New("example.org.")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if err := tx.Add(rr); err != nil {
			t.Fatal(err)
		}
	}
	if zp.Err() != nil {
		t.Fatal(zp.Err())
	}
	z, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// signAll signs z from scratch.
func signAll(t testing.TB, s *Signer, z *zone.Zone) *zone.Zone {
	t.Helper()
	tx := z.Txn()
	if err := s.Sign(nil, tx, nil, now); err != nil {
		t.Fatal(err)
	}
	nz, err := tx.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return nz
}

// check fails the test unless z is signed correctly: every authoritative
// RRset has a valid signature of each signing key and nothing else has
// any; the NSEC records form one ring through exactly the authoritative
// names, in canonical order, each with the types at its name.
func check(t *testing.T, s *Signer, z *zone.Zone) { t.Helper(); checkAt(t, s, z, now) }

// checkAt is check at the time at.
func checkAt(t *testing.T, s *Signer, z *zone.Zone, now time.Time) {
	t.Helper()
	var members []string
	keys := map[uint16]*dns.DNSKEY{}
	for _, k := range s.Keys.Keys {
		keys[k.Tag()] = k.DNSKEY
	}
	tx := z.Txn()
	z.Walk(func(n *zone.Node) bool {
		if n.Empty() {
			return true
		}
		k, _ := zone.Key(n.Name)
		occluded := tx.Occluded(k)
		cut := !bytes.Equal(k, z.Key()) && n.Type(dns.TypeNS) != nil
		sigs := n.Type(dns.TypeRRSIG)
		if occluded {
			if len(sigs) > 0 || n.Type(dns.TypeNSEC) != nil {
				t.Errorf("%s is glue or hidden and has RRSIG or NSEC", n.Name)
			}
			return true
		}
		if n.Type(dns.TypeNSEC3) == nil {
			members = append(members, n.Name)
		}
		for _, set := range n.Sets {
			if set.Type == dns.TypeRRSIG || (cut && set.Type != dns.TypeDS && set.Type != dns.TypeNSEC) {
				if c := n.Signatures(set.Type); set.Type != dns.TypeRRSIG && len(c) > 0 {
					t.Errorf("%s %s is signed at a delegation", n.Name, dns.TypeToString[set.Type])
				}
				continue
			}
			want := s.signing(set.Type)
			got := n.Signatures(set.Type)
			if len(got) != len(want) {
				t.Errorf("%s %s has %d signatures, want %d", n.Name, dns.TypeToString[set.Type], len(got), len(want))
			}
			for _, rr := range got {
				sig := rr.(*dns.RRSIG)
				if err := sig.Verify(keys[sig.KeyTag], set.RRs); err != nil {
					t.Errorf("%s %s: signature of %d does not verify: %v", n.Name, dns.TypeToString[set.Type], sig.KeyTag, err)
				}
				if !sig.ValidityPeriod(now) || sig.Hdr.Ttl != set.RRs[0].Header().Ttl || sig.OrigTtl != set.RRs[0].Header().Ttl {
					t.Errorf("%s %s: signature not valid now or with another TTL", n.Name, dns.TypeToString[set.Type])
				}
			}
		}
		return true
	})
	if s.Keys.Denial == NSEC3 {
		checkNSEC3(t, z)
		return
	}
	for i, name := range members {
		n, _ := z.Node(name)
		nsec := n.Type(dns.TypeNSEC)
		if len(nsec) != 1 {
			t.Errorf("%s has %d NSEC records", name, len(nsec))
			continue
		}
		next := members[(i+1)%len(members)]
		if got := nsec[0].(*dns.NSEC).NextDomain; !strings.EqualFold(got, next) {
			t.Errorf("the NSEC of %s points at %s, want %s", name, got, next)
		}
		types := nsec[0].(*dns.NSEC).TypeBitMap
		for _, set := range n.Sets {
			k, _ := zone.Key(name)
			cut := !bytes.Equal(k, z.Key()) && n.Type(dns.TypeNS) != nil
			if cut && set.Type != dns.TypeNS && set.Type != dns.TypeDS && set.Type != dns.TypeNSEC && set.Type != dns.TypeRRSIG {
				continue
			}
			if !slices.Contains(types, set.Type) {
				t.Errorf("the NSEC of %s lacks %s", name, dns.TypeToString[set.Type])
			}
		}
	}
}

func TestASignedZoneVerifies(t *testing.T) {
	for _, c := range []struct {
		alg   uint8
		roles []Role
	}{{dns.ECDSAP256SHA256, []Role{CSK}}, {dns.ED25519, []Role{CSK}}, {dns.ECDSAP256SHA256, []Role{KSK, ZSK}}} {
		t.Run(fmt.Sprintf("%d-%v", c.alg, c.roles), func(t *testing.T) {
			s := newSigner(t, c.alg, c.roles...)
			z := signAll(t, s, load(t, testZone))
			check(t, s, z)
			apex := z.Apex()
			if len(apex.Type(dns.TypeDNSKEY)) != len(c.roles) {
				t.Fatalf("DNSKEY RRset: %v", apex.Type(dns.TypeDNSKEY))
			}
			if ns, _ := z.Node("ns.sub.example.org."); len(ns.Type(dns.TypeRRSIG)) != 0 {
				t.Fatal("glue is signed")
			}
		})
	}
}

// TestChangesKeepTheZoneSigned makes 300 random changes, each signed only
// where it touched, and checks the whole zone after each; at the end the
// NSEC chain is the one a signing from scratch makes.
func TestChangesKeepTheZoneSigned(t *testing.T) {
	for _, d := range []Denial{NSEC, NSEC3} {
		t.Run(string(d), func(t *testing.T) { changesKeepTheZoneSigned(t, d) })
	}
}

func changesKeepTheZoneSigned(t *testing.T, d Denial) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	s.Keys.Denial = d
	z := signAll(t, s, load(t, testZone))
	rng := rand.New(rand.NewPCG(7, 8))
	names := []string{"a", "b", "x.b", "y.x.b", "z", "*.w", "www", "blog", "mail", "sub", "deep.sub", "m", "0", "*", "dname"}
	for step := range 300 {
		tx := z.Txn()
		for range 1 + rng.IntN(3) {
			name := names[rng.IntN(len(names))] + ".example.org."
			switch rng.IntN(6) {
			case 0, 1:
				rr, _ := dns.NewRR(fmt.Sprintf("%s 300 IN A 192.0.2.%d", name, rng.IntN(5)))
				tx.Add(rr)
			case 2:
				rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN TXT \"t%d\"", name, rng.IntN(3)))
				tx.Add(rr)
			case 3:
				for _, typ := range tx.Types(name) {
					if typ != dns.TypeRRSIG && typ != dns.TypeNSEC {
						tx.DeleteRRset(name, typ)
					}
				}
			case 4:
				if rng.IntN(4) == 0 { // a cut appears or goes
					rr, _ := dns.NewRR(name + " 3600 IN NS ns.elsewhere.")
					if tx.Add(rr) != nil {
						tx.DeleteRRset(name, dns.TypeNS)
					}
				}
			case 5:
				if rng.IntN(6) == 0 {
					rr, _ := dns.NewRR(name + " 3600 IN DNAME elsewhere.")
					if tx.Add(rr) != nil {
						tx.DeleteRRset(name, dns.TypeDNAME)
					}
				}
			}
		}
		soa := dns.Copy(tx.SOA()).(*dns.SOA)
		soa.Serial++
		if err := tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa}); err != nil {
			t.Fatal(err)
		}
		if err := s.Sign(z, tx, tx.Touched(), now); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		nz, err := tx.Commit()
		if err != nil {
			t.Fatal(err)
		}
		check(t, s, nz)
		if t.Failed() {
			t.Fatalf("step %d", step)
		}
		z = nz
	}
	again := signAll(t, s, z)
	if a, b := chainOf(z), chainOf(again); a != b {
		t.Fatalf("the mended chain is not the one signing from scratch makes:\n%s\n---\n%s", a, b)
	}
}

func chainOf(z *zone.Zone) string {
	var b strings.Builder
	z.Walk(func(n *zone.Node) bool {
		for _, rr := range n.Type(dns.TypeNSEC) {
			b.WriteString(rr.String() + "\n")
		}
		for _, rr := range n.Type(dns.TypeNSEC3) {
			b.WriteString(rr.String() + "\n")
		}
		return true
	})
	return b.String()
}

func TestUnchangedRRsetsKeepTheirSignatures(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone))
	tx := z.Txn()
	rr, _ := dns.NewRR("new.example.org. 300 IN A 192.0.2.7")
	tx.Add(rr)
	if err := s.Sign(z, tx, tx.Touched(), now); err != nil {
		t.Fatal(err)
	}
	nz, _ := tx.Commit()
	for _, name := range []string{"example.org.", "www.example.org."} {
		a, _ := z.Node(name)
		b, _ := nz.Node(name)
		for _, typ := range []uint16{dns.TypeNS, dns.TypeMX, dns.TypeA} {
			if x, y := a.Signatures(typ), b.Signatures(typ); len(x) > 0 && x[0] != y[0] {
				t.Errorf("%s %s was signed again without a change", name, dns.TypeToString[typ])
			}
		}
	}
	check(t, s, nz)
}

func TestKeysSurviveTheStoreAndAreTheOwnersOnly(t *testing.T) {
	dir := t.TempDir()
	s := newSigner(t, dns.ED25519, KSK, ZSK)
	if err := s.Keys.Save(dir); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir, "example.org.")
	if err != nil || len(r.Keys) != 2 || r.Keys[0].Tag() != s.Keys.Keys[0].Tag() || r.Keys[1].Role != ZSK {
		t.Fatalf("loaded %+v, %v", r, err)
	}
	p, _ := keyPath(dir, "example.org.")
	if fi, err := osStat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the key file's mode: %v %v", fi.Mode(), err)
	}
	if ds := r.DS(); len(ds) != 1 || ds[0].DigestType != dns.SHA256 {
		t.Fatalf("DS: %v", ds)
	}
	if r, _ := Load(dir, "example.com."); r != nil {
		t.Fatal("keys of a zone without any")
	}
}

func TestSignaturesAreMadeAgainBeforeTheyExpire(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone))
	if stale := s.Stale(z, now.Add(24*time.Hour), 0); len(stale) != 0 {
		t.Fatalf("a day after signing, %d names are stale", len(stale))
	}
	later := now.Add(8 * 24 * time.Hour) // under a week of validity left
	stale := s.Stale(z, later, 0)
	signed := 0
	z.Walk(func(n *zone.Node) bool {
		if n.Type(dns.TypeNSEC) != nil {
			signed++
		}
		return true
	})
	if len(stale) != signed {
		t.Fatalf("8 days after signing %d of the %d signed names are stale", len(stale), signed)
	}
	tx := z.Txn()
	if err := s.Resign(tx, stale, later); err != nil {
		t.Fatal(err)
	}
	z, _ = tx.Commit()
	if stale := s.Stale(z, later, 0); len(stale) != 0 {
		t.Fatalf("after signing again, %d names are stale", len(stale))
	}
}

// TestKeysComeAndGo: a key published signs nothing, one made active signs
// everything, and one taken away takes its signatures with it.
func TestKeysComeAndGo(t *testing.T) {
	s := newSigner(t, dns.ECDSAP256SHA256, CSK)
	z := signAll(t, s, load(t, testZone))
	// A change of keys looks at the whole zone (pipeline.Change.ResignAll).
	change := func(r *Keyring) {
		t.Helper()
		s.Keys = r
		tx := z.Txn()
		soa := dns.Copy(tx.SOA()).(*dns.SOA)
		soa.Serial++
		tx.ReplaceRRset("example.org.", dns.TypeSOA, []dns.RR{soa})
		if err := s.Sign(z, tx, nil, now); err != nil {
			t.Fatal(err)
		}
		z, _ = tx.Commit()
		check(t, s, z)
	}
	zsk, _ := Generate("example.org.", dns.ECDSAP256SHA256, ZSK, now)
	zsk.State = Published
	r, err := s.Keys.With(zsk)
	if err != nil {
		t.Fatal(err)
	}
	change(r)
	if len(z.Apex().Type(dns.TypeDNSKEY)) != 2 {
		t.Fatal("the published key is not in the DNSKEY RRset")
	}
	www, _ := z.Node("www.example.org.")
	for _, rr := range www.Type(dns.TypeRRSIG) {
		if rr.(*dns.RRSIG).KeyTag == zsk.Tag() {
			t.Fatal("a published key signed")
		}
	}
	zsk.State = Active
	change(&Keyring{Origin: r.Origin, Keys: r.Keys})
	mail, _ := z.Node("mail.example.org.")
	if !slices.ContainsFunc(mail.Type(dns.TypeRRSIG), func(rr dns.RR) bool { return rr.(*dns.RRSIG).KeyTag == zsk.Tag() }) {
		t.Fatal("the key made active did not sign the zone")
	}
	old := s.Keys.Keys[0]
	if _, err := s.Keys.Without(zsk.Tag()); err != nil {
		t.Fatalf("taking away one of two data keys: %v", err)
	}
	_, err = s.Keys.Without(old.Tag())
	if !errors.Is(err, ErrLastKey) {
		t.Fatalf("taking away the only key that signs the DNSKEY RRset: %v", err)
	}
	r, _ = s.Keys.Without(zsk.Tag())
	change(r)
	z.Walk(func(n *zone.Node) bool {
		for _, rr := range n.Type(dns.TypeRRSIG) {
			if rr.(*dns.RRSIG).KeyTag == zsk.Tag() {
				t.Fatalf("%s keeps a signature of the key taken away", n.Name)
			}
		}
		return true
	})
}

// checkNSEC3 checks the NSEC3 chain of z against one made from its names:
// every name that is not hidden and holds data or is an empty
// non-terminal has the record at its hash, naming the next hash, with its
// types; and there is no other.
func checkNSEC3(t *testing.T, z *zone.Zone) {
	t.Helper()
	type member struct {
		hash, name string
		types      []uint16
	}
	var members []member
	have := map[string]*dns.NSEC3{}
	z.Walk(func(n *zone.Node) bool {
		k, _ := zone.Key(n.Name)
		if n.Empty() {
			return true // the Walk gives no key of an empty non-terminal; found below
		}
		if rr := n.Type(dns.TypeNSEC3); rr != nil {
			have[strings.ToUpper(strings.SplitN(n.Name, ".", 2)[0])] = rr[0].(*dns.NSEC3)
			return true
		}
		if z.Occluded(k) {
			return true
		}
		cut := !bytes.Equal(k, z.Key()) && n.Type(dns.TypeNS) != nil
		var types []uint16
		signed := false
		for _, s := range n.Sets {
			if s.Type == dns.TypeRRSIG || cut && s.Type != dns.TypeNS && s.Type != dns.TypeDS {
				continue
			}
			types = append(types, s.Type)
			signed = signed || !cut || s.Type == dns.TypeDS
		}
		if signed {
			types = append(types, dns.TypeRRSIG)
		}
		slices.Sort(types)
		members = append(members, member{dns.HashName(n.Name, dns.SHA1, 0, ""), n.Name, types})
		// Its ancestors below the apex that hold nothing are empty
		// non-terminals, members with no types.
		for p := n.Name; ; {
			i := strings.IndexByte(p, '.')
			p = p[i+1:]
			if len(p) <= len(z.Origin()) {
				break
			}
			if pn, ok := z.Node(p); ok && pn.Empty() && !slices.ContainsFunc(members, func(m member) bool { return m.name == strings.ToLower(p) }) {
				pk, _ := zone.Key(p)
				if !z.Occluded(pk) {
					members = append(members, member{dns.HashName(p, dns.SHA1, 0, ""), strings.ToLower(p), nil})
				}
			}
		}
		return true
	})
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.hash, b.hash) })
	if len(have) != len(members) {
		t.Errorf("%d NSEC3 records for %d names", len(have), len(members))
		for h := range have {
			if !slices.ContainsFunc(members, func(m member) bool { return m.hash == h }) {
				t.Errorf("extra %s", h)
			}
		}
	}
	for i, m := range members {
		rr, ok := have[m.hash]
		if !ok {
			t.Errorf("%s has no NSEC3 record", m.name)
			continue
		}
		if next := members[(i+1)%len(members)].hash; rr.NextDomain != next {
			t.Errorf("the NSEC3 of %s names %s next, want %s", m.name, rr.NextDomain, next)
		}
		if !slices.Equal(rr.TypeBitMap, m.types) {
			t.Errorf("the NSEC3 of %s lists %v, want %v", m.name, rr.TypeBitMap, m.types)
		}
		if rr.Iterations != 0 || rr.Salt != "" || rr.Flags != 0 {
			t.Errorf("the NSEC3 of %s has parameters other than RFC 9276's", m.name)
		}
	}
}
