package pipeline

import (
	"fmt"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Meta says who made a change, how and why: the audit line and the Git
// commit carry it.
type Meta struct {
	Op     string // the API's operationId, or update, acmeExpire, pull, ...
	Actor  string // the token's or TSIG key's name
	Reason string // X-Change-Reason, if given
	Detail string // what the change was, in a few words, for the audit line
}

// Edit makes a change's edits to tx, a transaction on z. It runs on the
// writer, on the zone as the changes before it left it, not as the client
// saw it: that is where RFC 2136 prerequisites, a record found by its id
// and an expected serial are decided. It must not block or keep tx.
type Edit func(z *zone.Zone, tx *zone.Txn) error

// Change is one change to one zone.
type Change struct {
	Zone string // the origin, a lower-case FQDN
	Meta Meta
	// IfSerial, when set, is the serial the zone must be at (If-Match);
	// ErrStale otherwise.
	IfSerial *uint32
	Edit     Edit
	// DryRun builds the change and returns it without making it.
	DryRun bool
	// Resign marks the signer's own changes (package resign, a change of
	// keys): only they may write the RRSIG, NSEC and DNSKEY records of a
	// zone signed here. With ResignAll the whole zone is looked at, not the
	// names the change touched (a key made active signs every RRset).
	Resign, ResignAll bool
}

// Result is what a change did: the zone before and after it, and the
// records it removed and added (the SOA's versions among them).
type Result struct {
	Old, New       *zone.Zone
	Removed, Added []dns.RR
}

// Apply makes the change c: its edits, then the serial bumped once, the
// zone-wide rules checked, the new zone made durable and only then
// published. A change that returns is on disk and answered over DNS; one
// that failed changed nothing. Writers are serialized; readers never wait.
func (p *Pipeline) Apply(c Change) (Result, error) {
	if c.DryRun {
		return p.dryRun(c)
	}
	r := &request{Change: c, done: make(chan struct{})}
	p.queueMu.Lock()
	p.queue = append(p.queue, r)
	start := !p.writing
	p.writing = true
	p.queueMu.Unlock()
	if start {
		go p.writer()
	}
	<-r.done
	return r.res, r.err
}

// dryRun builds c on the current zone and returns what it would publish.
func (p *Pipeline) dryRun(c Change) (Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return Result{}, ErrClosed
	}
	z, ok := p.Zone(c.Zone)
	if !ok {
		return Result{}, fmt.Errorf("%s: %w", c.Zone, ErrZoneNotFound)
	}
	b, err := p.build(z, c, p.Limits().MaxRecords)
	if err != nil {
		return Result{Old: z}, err
	}
	return Result{Old: z, New: b.zone, Removed: b.removed, Added: b.added}, nil
}

// request is a change waiting for the writer, and then its outcome.
type request struct {
	Change
	res     Result
	touched [][]byte // the keys of the names the change touched
	err     error
	done    chan struct{} // closed once the outcome is set
}

// ReplaceWith is the edit that makes the zone hold exactly the records of
// fresh (its notes stay); the serial is then bumped above the current one
// as for any change.
func ReplaceWith(fresh *zone.Zone) Edit {
	return func(z *zone.Zone, tx *zone.Txn) error { return replaceAll(z, tx, fresh) }
}

func replaceAll(z *zone.Zone, tx *zone.Txn, fresh *zone.Zone) error {
	z.Walk(func(n *zone.Node) bool {
		if n.Name != "" {
			tx.DeleteName(n.Name)
		}
		return true
	})
	for _, rr := range fresh.Records() {
		if rr.Header().Rrtype == dns.TypeSOA {
			if err := tx.ReplaceRRset(z.Origin(), dns.TypeSOA, []dns.RR{dns.Copy(rr)}); err != nil {
				return err
			}
			continue
		}
		if err := tx.Add(dns.Copy(rr)); err != nil {
			return err
		}
	}
	return nil
}

// AddStep makes fn run after the edit of every change, on the zone and the
// transaction the edit had: a part that keeps data of its own beside a
// zone's records (the notes of the Hetzner API) keeps it in step with
// what every API, RFC 2136, a reload or a pull did. Steps run in the order
// they were added.
func (p *Pipeline) AddStep(fn Edit) {
	for {
		old := p.steps.Load()
		var next []Edit
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, fn)
		if p.steps.CompareAndSwap(old, &next) {
			return
		}
	}
}

// runSteps runs the steps after an edit.
func (p *Pipeline) runSteps(z *zone.Zone, tx *zone.Txn) error {
	steps := p.steps.Load()
	if steps == nil {
		return nil
	}
	for _, fn := range *steps {
		if err := fn(z, tx); err != nil {
			return err
		}
	}
	return nil
}
