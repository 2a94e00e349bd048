package pipeline

import (
	"fmt"
	"time"

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

// signTxn signs the zone tx builds, if it is signed here.
func (p *Pipeline) signTxn(old *zone.Zone, tx *zone.Txn, touched [][]byte) error {
	s := p.signerFor(tx.Origin())
	if s == nil {
		return nil
	}
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
	if p.signerFor(z.Origin()) == nil {
		return z, nil
	}
	tx := z.Txn()
	if err := p.signTxn(old, tx, nil); err != nil {
		return nil, err
	}
	return tx.Commit()
}

// Signed reports whether the zone of origin is signed here.
func (p *Pipeline) Signed(origin string) bool { return p.signerFor(origin) != nil }
