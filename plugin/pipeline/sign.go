package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Signer signs a zone as it changes (package dnssec): after a change's
// edit and its serial bump, and before its commit, it makes the zone being
// built by tx signed where the change from old touched it (old nil: all of
// it). A change that cannot be signed is not made.
type Signer interface {
	Sign(old *zone.Zone, tx *zone.Txn, touched [][]byte, now time.Time) error
}

// SetSigners sets what signs each zone: f returns the zone's Signer, or nil
// for a zone that is not signed here.
func (p *Pipeline) SetSigners(f func(origin string) Signer) { p.signers.Store(&f) }

// signerFor returns the Signer of the zone of origin, or nil.
func (p *Pipeline) signerFor(origin string) Signer {
	f := p.signers.Load()
	if f == nil {
		return nil
	}
	return (*f)(origin)
}

// sign has s sign the zone tx builds where it changed from old.
func sign(s Signer, old *zone.Zone, tx *zone.Txn, touched [][]byte) error {
	if err := s.Sign(old, tx, touched, Now()); err != nil {
		return fmt.Errorf("%w: signing %s: %v", ErrInternal, tx.Origin(), err)
	}
	return nil
}

// signZone returns z signed, if it is signed here: a zone made whole (a
// creation, a reload, a pull) is signed everywhere; an RRset that old, the
// zone it replaces (nil for a new one), had alike keeps signatures that
// are still fresh.
func (p *Pipeline) signZone(old, z *zone.Zone) (*zone.Zone, error) {
	s := p.signerFor(z.Origin())
	if s == nil {
		return z, nil
	}
	tx := z.Txn()
	if err := sign(s, old, tx, nil); err != nil {
		return nil, err
	}
	return tx.Commit()
}

// Signed reports whether the zone of origin is signed here.
func (p *Pipeline) Signed(origin string) bool { return p.signerFor(origin) != nil }

// ErrSignedRecords: a change writes records that the signer of a zone signed
// here makes itself.
var ErrSignedRecords = errors.New("the zone is signed here: its RRSIG, NSEC, NSEC3 and DNSKEY records are the signer's")

// checkDerived refuses an edit of a zone signed here that wrote, at a name
// it touched, records of a type the signer makes other than those there
// were. Taking them away is allowed (a deleted name takes its signatures
// with it; an unsigned file imported over the zone has none): the signer
// makes what is needed again.
func checkDerived(z *zone.Zone, tx *zone.Txn, touched [][]byte) error {
	for _, k := range touched {
		now, ok := tx.NodeAt(k)
		if !ok {
			continue
		}
		was, _ := z.Get(k)
		for _, set := range now.Sets {
			if !store.Derived(set.Type) {
				continue
			}
			var before []dns.RR
			if was != nil {
				before = was.Type(set.Type)
			}
			if !zone.Identical(before, set.RRs) {
				return fmt.Errorf("%w (%s)", ErrSignedRecords, dns.TypeToString[set.Type])
			}
		}
	}
	return nil
}
