package zoneapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// ReloadZone implements api.StrictServerInterface.
func (h *handlers) ReloadZone(ctx context.Context, req api.ReloadZoneRequestObject) (api.ReloadZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if !tokenFrom(ctx).canWriteZone(origin) {
		return nil, fmt.Errorf("token %s may not reload %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	name, _ := store.FileName(origin)
	w := whyOf(ctx, "reloadZone")
	res, err := h.st.reload(w, origin, filepath.Join(h.st.dir, name))
	if err != nil {
		return nil, err
	}
	z, _ := h.st.zones.Load().Get(origin)
	audit(w, z, fmt.Sprintf("serial_bumped=%v", res.SerialBumped))
	return api.ReloadZone202JSONResponse{Body: res, Headers: api.ReloadZone202ResponseHeaders{ETag: ptr(etag(z))}}, nil
}

// reload reads the zone's file again and serves it. A serial that is not
// above the one served is raised above it, in memory and in the file, since
// secondaries must never see a serial go backwards (RFC 1982).
//
// Changes still in the journal are written to the file first, unless the
// file was edited out of band since zoneapi last wrote it: then the file is
// the truth and those changes are dropped, with a warning in the log.
func (st *state) reload(w why, origin, path string) (api.ReloadResult, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if j, ok := st.journals[origin]; ok && j.Len() > 0 {
		if stampOf(path) == st.written[origin] {
			if err := st.compact(origin); err != nil {
				return api.ReloadResult{}, err
			}
		} else {
			log.Warningf("zone %s: its file was edited while %d changes were not yet in it; reloading the file drops them", origin, j.Len())
			st.removeJournal(origin)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return api.ReloadResult{}, &store.FileError{File: path, Err: err}
	}
	fresh, _, err := store.Read(bytes.NewReader(data), path, origin, store.Options{MaxRecords: st.maxRecords})
	if err != nil {
		return api.ReloadResult{}, err
	}
	st.written[origin] = stampOf(path)
	set := st.zones.Load()
	cur, exists := set.Get(origin)
	res := api.ReloadResult{Zone: trimDot(origin), Serial: int64(fresh.Serial()), RecordsCount: fresh.Len()}
	if exists && !serialGreater(fresh.Serial(), cur.Serial()) {
		if sameRecords(cur, fresh) {
			res.Serial = int64(cur.Serial())
			return res, nil
		}
		fileSerial := int64(fresh.Serial())
		tx := fresh.Txn()
		if err := bumpSerial(tx, cur.Serial()); err != nil {
			return res, err
		}
		if fresh, err = tx.Commit(); err != nil {
			return res, err
		}
		if err := store.WriteFile(st.dir, fresh); err != nil {
			return res, err
		}
		data = nil // the file is now as zoneapi writes it
		st.written[origin] = stampOf(path)
		res.SerialBumped, res.FileSerial, res.Serial = true, &fileSerial, int64(fresh.Serial())
	}
	delta := fresh.Len()
	if exists {
		delta -= cur.Len()
	}
	st.publish(set.With(fresh), delta)
	st.dropIDs(origin)
	st.forget(origin)
	st.changed(origin)
	st.commitChange(w, cur, fresh, -1, -1, data, nil)
	return res, nil
}

// sameRecords reports whether two versions of a zone hold the same RRs,
// the SOA serial aside.
func sameRecords(a, b *zone.Zone) bool {
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

// ReloadAllZones implements api.StrictServerInterface.
func (h *handlers) ReloadAllZones(ctx context.Context, _ api.ReloadAllZonesRequestObject) (api.ReloadAllZonesResponseObject, error) {
	if !tokenFrom(ctx).full() && tokenFrom(ctx) != anonymous {
		return nil, fmt.Errorf("token %s may not reload the store: %w", tokenFrom(ctx).name, errForbidden)
	}
	out := api.ReloadAllZones202JSONResponse{Reloaded: []api.ReloadResult{}, Removed: []string{}, Errors: []api.Problem{}}
	paths, _ := filepath.Glob(filepath.Join(h.st.dir, "*"+store.Ext))
	onDisk := map[string]bool{}
	for _, p := range paths {
		origin, err := store.Origin(filepath.Base(p))
		if err != nil {
			out.Errors = append(out.Errors, problemFor(&store.FileError{File: p, Err: err}).body())
			continue
		}
		onDisk[origin] = true
		res, err := h.st.reload(whyOf(ctx, "reloadAllZones"), origin, p)
		if err != nil {
			out.Errors = append(out.Errors, problemFor(err).body())
			continue
		}
		out.Reloaded = append(out.Reloaded, res)
	}
	for _, z := range h.st.zones.Load().Zones() {
		if !onDisk[z.Origin()] {
			h.st.mu.Lock()
			if cur, ok := h.st.zones.Load().Get(z.Origin()); ok {
				h.st.drop(whyOf(ctx, "reloadAllZones"), cur)
			}
			h.st.mu.Unlock()
			out.Removed = append(out.Removed, trimDot(z.Origin()))
		}
	}
	log.Infof("audit token=%s op=reloadAllZones reloaded=%d removed=%d errors=%d", tokenFrom(ctx).name, len(out.Reloaded), len(out.Removed), len(out.Errors))
	return out, nil
}

// ImportZone implements api.StrictServerInterface.
func (h *handlers) ImportZone(ctx context.Context, req api.ImportZoneRequestObject) (api.ImportZoneResponseObject, error) {
	origin, err := originOf(req.ZoneName)
	if err != nil {
		return nil, err
	}
	if !tokenFrom(ctx).canWriteZone(origin) {
		return nil, fmt.Errorf("token %s may not import %s: %w", tokenFrom(ctx).name, origin, errForbidden)
	}
	text, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	fresh, _, err := store.Read(strings.NewReader(string(text)), "body", origin, store.Options{MaxRecords: h.st.maxRecords})
	if err != nil {
		return nil, err
	}
	w := whyOf(ctx, "importZone")
	if _, exists := h.st.zones.Load().Get(origin); !exists {
		if err := h.st.create(w, fresh); err != nil {
			return nil, err
		}
		audit(w, fresh, fmt.Sprintf("created, %d records", fresh.Len()))
		return api.ImportZone200JSONResponse{Body: apiZone(fresh, true), Headers: api.ImportZone200ResponseHeaders{ETag: ptr(etag(fresh))}}, nil
	}
	_, nz, err := h.st.change(w, origin, req.Params.IfMatch, false, func(z *zone.Zone, tx *zone.Txn) error {
		return replaceAll(z, tx, fresh)
	})
	if err != nil {
		return nil, err
	}
	audit(w, nz, fmt.Sprintf("replaced, %d records", nz.Len()))
	return api.ImportZone200JSONResponse{Body: apiZone(nz, true), Headers: api.ImportZone200ResponseHeaders{ETag: ptr(etag(nz))}}, nil
}
