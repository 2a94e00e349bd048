package resign

import (
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// TestSignaturesAreMadeAgainBeforeTheyExpire signs a zone, then looks at
// it as the hourly step would eight days later, when under a week of its
// signatures' validity is left: they are made again, by changes of the
// zone, and none is stale after.
func TestSignaturesAreMadeAgainBeforeTheyExpire(t *testing.T) {
	dir := testzone.Store(t, testzone.Large(2500))
	p, _, err := pipeline.Open(dir, pipeline.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p.Start()
	defer p.Close()
	keys, err := dnssec.OpenKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := dnssec.Generate("example.org.", dns.ECDSAP256SHA256, dnssec.CSK, time.Now())
	if err := keys.Set(&dnssec.Keyring{Origin: "example.org.", Keys: []*dnssec.Key{k}}); err != nil {
		t.Fatal(err)
	}
	p.SetSigners(func(origin string) pipeline.Signer {
		if s := keys.Signer(origin); s != nil {
			return s
		}
		return nil
	})
	if _, err := p.Apply(pipeline.Change{Zone: "example.org.", Meta: pipeline.Meta{Op: "test"}, Edit: func(*zone.Zone, *zone.Txn) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	z, _ := p.Zone("example.org.")
	s := keys.Signer("example.org.")
	later := time.Now().Add(8 * 24 * time.Hour)
	// The changes the step makes are signed at their own time: eight days on.
	pipeline.Now = func() time.Time { return later }
	defer func() { pipeline.Now = time.Now }()
	if n := len(s.Stale(z, later, 0)); n < 2500 {
		t.Fatalf("eight days on, only %d names are stale", n)
	}
	serial := z.Serial()
	Once(p, keys, later)
	z, _ = p.Zone("example.org.")
	if n := len(s.Stale(z, later, 0)); n != 0 {
		t.Fatalf("after the step, %d names are still stale", n)
	}
	if rounds := z.Serial() - serial; rounds < 3 {
		t.Fatalf("2,500 names were signed again in %d changes, not in batches of %d", rounds, Batch)
	}
}
