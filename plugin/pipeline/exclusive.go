package pipeline

import (
	"bytes"
	"io"

	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Exclusive runs fn with the pipeline to itself: no change is applied
// while it runs, so what fn reads of the served zones stays true until it
// returns. A GitOps pull uses it to compare the history with the remote,
// install the pulled zones and move the branch as one step.
func (p *Pipeline) Exclusive(fn func(x *Excl) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	return fn(&Excl{p: p})
}

// Excl is the pipeline as Exclusive gives it to its function.
type Excl struct{ p *Pipeline }

// File is a zone's new content from a file, for Install.
type File struct {
	Zone string     // the origin
	Name string     // the file's name in the store
	New  *zone.Zone // nil: the zone is deleted
	Data []byte     // the file's bytes; its serial may be raised
}

// Install writes files to the store and publishes them in one swap, as
// content whose commit is in the Git history already (InHistory). A zone
// whose serial is not above the one served gets one above it, and a new
// file: those are returned, by file name, to be committed. If one file
// cannot be written, those written before it are put back and nothing is
// published. A zone signed here is signed again where it changed; what is
// returned of it to be committed is unsigned (store.FormatUnsigned).
func (x *Excl) Install(m Meta, files []File) (raised map[string][]byte, err error) {
	p := x.p
	set := p.zones.Load()
	raised = map[string][]byte{}
	for i, f := range files {
		if f.New == nil {
			continue
		}
		cur, ok := set.Get(f.Zone)
		z, changed, bumped := f.New, false, false
		if ok && !SerialGreater(z.Serial(), cur.Serial()) {
			if z, err = raise(z, cur.Serial()); err != nil {
				return nil, err
			}
			changed, bumped = true, true
		}
		signed := p.Signed(f.Zone)
		if signed {
			// A pulled zone is signed again where it changed, after its
			// serial is raised.
			if z, err = p.signZone(cur, z); err != nil {
				return nil, err
			}
			changed = true
		}
		if !changed {
			continue
		}
		var buf bytes.Buffer
		if err := store.Format(&buf, z); err != nil {
			return nil, err
		}
		files[i].New, files[i].Data = z, buf.Bytes()
		if !bumped {
			continue // signed only: the history has the zone as pulled
		}
		raised[f.Name] = files[i].Data
		if signed { // the history keeps a zone signed here unsigned
			var ubuf bytes.Buffer
			if err := store.FormatUnsigned(&ubuf, z); err != nil {
				return nil, err
			}
			raised[f.Name] = ubuf.Bytes()
		}
	}
	for i, f := range files {
		if f.New == nil {
			err = store.RemoveFile(p.dir, f.Zone)
		} else {
			data := f.Data
			err = store.WriteAtomic(p.dir, f.Name, func(w io.Writer) error { _, err := w.Write(data); return err })
			if err == nil {
				err = store.RemoveOther(p.dir, f.New)
			}
		}
		if err != nil {
			p.restore(files[:i])
			return nil, persistError(err)
		}
	}
	delta := 0
	var events []*Event
	for _, f := range files {
		cur, ok := set.Get(f.Zone)
		if ok {
			delta -= cur.Len()
			p.removeJournal(f.Zone) // its changes are committed, and in the file
		}
		e := &Event{Kind: Replaced, Zone: f.Zone, Old: cur, New: f.New, Meta: m, InHistory: true}
		if f.New == nil {
			set = set.Without(f.Zone)
			delete(p.written, f.Zone)
			e.Kind = Deleted
		} else {
			set = set.With(f.New)
			delta += f.New.Len()
			p.stamp(f.Zone)
		}
		if ok || f.New != nil {
			events = append(events, e)
		}
	}
	p.publish(set, delta, events)
	return raised, nil
}

// restore puts back the files of zones a failed Install had written.
func (p *Pipeline) restore(written []File) {
	set := p.zones.Load()
	for _, f := range written {
		if z, ok := set.Get(f.Zone); ok {
			if err := store.WriteFile(p.dir, z); err != nil {
				log.Errorf("restoring %s after a failed install: %v", f.Name, err)
			}
		} else {
			store.RemoveFile(p.dir, f.Zone)
		}
	}
}
