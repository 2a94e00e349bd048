package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ReloadResult is what a reload of one zone did.
type ReloadResult struct {
	Zone         string // the origin
	Serial       uint32 // served now
	Records      int
	SerialBumped bool   // the file's serial was not above the one served, and was raised
	FileSerial   uint32 // the file's own serial, when it was raised
}

// Reload reads the zone's file again and serves it. A serial that is not
// above the one served is raised above it, in memory and in the file, since
// secondaries must never see a serial go backwards (RFC 1982); a file that
// holds what is served already changes nothing.
//
// Changes still in the journal are written to the file first, unless the
// file was edited out of band since the pipeline last wrote it: then the
// file is the truth and those changes are dropped, with a warning.
func (p *Pipeline) Reload(m Meta, origin string) (ReloadResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reload(m, origin, p.path(origin))
}

func (p *Pipeline) reload(m Meta, origin, path string) (ReloadResult, error) {
	if p.closed {
		return ReloadResult{}, ErrClosed
	}
	if j, ok := p.journals[origin]; ok && j.Len() > 0 {
		if stampOf(path) == p.written[origin] {
			if err := p.compact(origin); err != nil {
				return ReloadResult{}, persistError(err)
			}
		} else {
			log.Warningf("zone %s: its file was edited while %d changes were not yet in it; reloading the file drops them", origin, j.Len())
			p.removeJournal(origin)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ReloadResult{}, &store.FileError{File: path, Err: err}
	}
	fresh, _, err := store.ReadAs(bytes.NewReader(data), path, origin, store.Options{MaxRecords: p.Limits().MaxRecords})
	if err != nil {
		return ReloadResult{}, err
	}
	p.stamp(origin)
	set := p.zones.Load()
	cur, exists := set.Get(origin)
	res := ReloadResult{Zone: origin, Serial: fresh.Serial(), Records: fresh.Len()}
	rewrite := false // the file is to be written as the store writes it
	if exists && !SerialGreater(fresh.Serial(), cur.Serial()) {
		if SameRecords(cur, fresh) {
			res.Serial = cur.Serial()
			return res, nil
		}
		fileSerial := fresh.Serial()
		if fresh, err = raise(fresh, cur.Serial()); err != nil {
			return res, err
		}
		rewrite = true
		res.SerialBumped, res.FileSerial, res.Serial = true, fileSerial, fresh.Serial()
	}
	if p.Signed(origin) {
		// Signed again where it changed, once its serial is final.
		if fresh, err = p.signZone(cur, fresh); err != nil {
			return res, err
		}
		rewrite = true
	}
	if exists && cur.Source() != fresh.Source() {
		// The file of the other format took the zone's: the old one goes.
		if err := store.RemoveOther(p.dir, fresh); err != nil {
			return res, persistError(err)
		}
	}
	if rewrite {
		if err := store.WriteFile(p.dir, fresh); err != nil {
			return res, persistError(err)
		}
		data = nil
		p.stamp(origin)
	}
	delta := fresh.Len()
	if exists {
		delta -= cur.Len()
	}
	p.publish(set.With(fresh), delta, []*Event{{Kind: Replaced, Zone: origin, Old: cur, New: fresh, Meta: m, File: data}})
	return res, nil
}

// SameRecords reports whether two versions of a zone hold the same RRs,
// the SOA serial aside.
func SameRecords(a, b *zone.Zone) bool {
	if a.Len() != b.Len() {
		return false
	}
	ra, rb := a.Records(), b.Records()
	for i := range ra {
		if i == 0 {
			sa, sb := *ra[0].(*dns.SOA), *rb[0].(*dns.SOA)
			sa.Serial, sb.Serial = 0, 0
			if !dns.IsDuplicate(&sa, &sb) || sa.Hdr.Ttl != sb.Hdr.Ttl {
				return false
			}
			continue
		}
		if !dns.IsDuplicate(ra[i], rb[i]) || ra[i].Header().Ttl != rb[i].Header().Ttl {
			return false
		}
	}
	return true
}

// ReloadAllResult is what a reload of the whole store did.
type ReloadAllResult struct {
	Reloaded []ReloadResult
	Removed  []string // the origins of zones whose files are gone
	Errors   []error  // files that could not be reloaded; they serve as before
}

// ReloadAll reloads every zone file of the store, serves the new ones and
// stops serving the zones whose files are gone. One file that does not
// load does not stop the others.
func (p *Pipeline) ReloadAll(m Meta) ReloadAllResult {
	var out ReloadAllResult
	paths, _ := filepath.Glob(filepath.Join(p.dir, "*"+store.Ext))
	yamls, _ := filepath.Glob(filepath.Join(p.dir, "*"+store.YAMLExt))
	paths = append(paths, yamls...)
	files := map[string]int{}
	for _, path := range paths {
		if origin, err := store.Origin(filepath.Base(path)); err == nil {
			files[origin]++
		}
	}
	onDisk := map[string]bool{}
	for _, path := range paths {
		origin, err := store.Origin(filepath.Base(path))
		if err != nil {
			out.Errors = append(out.Errors, &store.FileError{File: path, Err: err})
			continue
		}
		if files[origin] > 1 {
			// Served as it is until one of the two goes.
			onDisk[origin] = true
			out.Errors = append(out.Errors, &store.FileError{File: path, Err: fmt.Errorf("the zone has a .zone and a .yaml file: a zone has one, remove either")})
			continue
		}
		onDisk[origin] = true
		p.mu.Lock()
		res, err := p.reload(m, origin, path)
		p.mu.Unlock()
		if err != nil {
			out.Errors = append(out.Errors, err)
			continue
		}
		out.Reloaded = append(out.Reloaded, res)
	}
	for _, z := range p.Zones().Zones() {
		if onDisk[z.Origin()] {
			continue
		}
		p.mu.Lock()
		if cur, ok := p.Zone(z.Origin()); ok && !p.closed {
			p.drop(m, cur)
		}
		p.mu.Unlock()
		out.Removed = append(out.Removed, z.Origin())
	}
	return out
}
