package mirror

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/hetzner"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Side is the side of a conflict to keep.
type Side string

const (
	KeepLocal    Side = "local"
	KeepUpstream Side = "upstream"
)

// sync is one round over every upstream zone. reached says whether the
// upstream answered the list of its zones.
func (m *Mirror) sync(ctx context.Context) (reached bool, err error) {
	ups, err := m.client.Zone.AllWithOpts(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{PerPage: 50}})
	if err != nil {
		var apiErr hcloud.Error
		return errors.As(err, &apiErr), fmt.Errorf("listing the upstream's zones: %w", err)
	}
	bases, err := m.loadBases()
	if err != nil {
		return true, err
	}
	if len(ups) == 0 && len(bases) > 0 {
		return true, errors.New("the upstream listed no zones; every zone is kept as it is")
	}
	seen := map[string]bool{}
	var errs []error
	for _, uz := range ups {
		origin := dns.Fqdn(strings.ToLower(uz.Name))
		if !m.wanted(origin) || uz.Mode != hcloud.ZoneModePrimary {
			continue
		}
		seen[origin] = true
		err := m.syncZone(ctx, uz, bases[origin])
		m.setZone(origin, func(s *ZoneStatus) {
			s.UpstreamID, s.GoneUpstream = uz.ID, false
			if err != nil {
				s.LastError = err.Error()
			} else {
				s.LastError, s.LastPull = "", m.now()
			}
		})
		if err != nil {
			zoneErrors.Inc()
			errs = append(errs, fmt.Errorf("%s: %w", strings.TrimSuffix(origin, "."), err))
		}
	}
	for origin := range bases {
		if seen[origin] || !m.wanted(origin) {
			continue
		}
		m.setZone(origin, func(s *ZoneStatus) { s.GoneUpstream = true })
		if !m.cfg.Delete {
			continue
		}
		if _, err := m.pipe.Delete(pipeline.Meta{Op: "mirror.delete", Actor: "mirror", Reason: "gone from " + m.cfg.Endpoint}, origin, nil); err != nil && !errors.Is(err, pipeline.ErrZoneNotFound) {
			errs = append(errs, fmt.Errorf("%s: deleting the zone gone upstream: %w", origin, err))
			continue
		}
		m.dropBase(origin)
		m.mu.Lock()
		delete(m.status.Zones, origin)
		m.mu.Unlock()
	}
	return true, errors.Join(errs...)
}

// upstreamRRsets lists every RRset of the upstream zone, page by page, and
// refuses a list whose length is not the total the upstream gave: half a
// zone is not a zone.
func (m *Mirror) upstreamRRsets(ctx context.Context, uz *hcloud.Zone) ([]schema.ZoneRRSet, error) {
	var all []schema.ZoneRRSet
	for page := 1; ; {
		rs, resp, err := m.client.Zone.ListRRSets(ctx, uz, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{Page: page, PerPage: 100}})
		if err != nil {
			return nil, fmt.Errorf("listing the upstream's RRsets: %w", err)
		}
		for _, r := range rs {
			all = append(all, hcloud.SchemaFromZoneRRSet(r))
		}
		p := resp.Meta.Pagination
		if p == nil || p.NextPage == 0 {
			if p != nil && p.TotalEntries != len(all) {
				return nil, fmt.Errorf("the upstream listed %d RRsets of the %d it counts", len(all), p.TotalEntries)
			}
			return all, nil
		}
		if p.NextPage <= page {
			return nil, fmt.Errorf("the upstream's page %d points back to page %d", page, p.NextPage)
		}
		page = p.NextPage
	}
}

// upstreamContents returns the content (hetzner.Content) of each of the
// upstream's RRsets by id. Parsing every value of every zone each round
// would be most of a round's cost, so the content is kept by the raw
// answer and parsed again only when the upstream's answer changed.
func (m *Mirror) upstreamContents(origin string, sets map[string]schema.ZoneRRSet) (map[string]string, error) {
	m.mu.Lock()
	cache := m.parsed[origin]
	m.mu.Unlock()
	next := make(map[string][2]string, len(sets))
	out := make(map[string]string, len(sets))
	for id, r := range sets {
		raw := hetzner.Raw(r)
		if c, ok := cache[id]; ok && c[0] == raw {
			out[id], next[id] = c[1], c
			continue
		}
		c, err := hetzner.Content(origin, r)
		if err != nil {
			return nil, fmt.Errorf("the RRset %s: %v", id, err)
		}
		out[id], next[id] = c, [2]string{raw, c}
	}
	m.mu.Lock()
	m.parsed[origin] = next
	m.mu.Unlock()
	return out, nil
}

// plan is what a round does to one zone.
type plan struct {
	pulls     []string // ids to make as the upstream has them (gone upstream: removed)
	pushes    []string // ids to make upstream as they are here
	conflicts []string
}

// syncZone compares the upstream zone uz with the local one and its base,
// pulls, pushes, and keeps the new base.
func (m *Mirror) syncZone(ctx context.Context, uz *hcloud.Zone, b *base) error {
	origin := dns.Fqdn(strings.ToLower(uz.Name))
	list, err := m.upstreamRRsets(ctx, uz)
	if err != nil {
		return err
	}
	upZone := hcloud.SchemaFromZone(uz)
	upSets := map[string]schema.ZoneRRSet{}
	for _, r := range list {
		if hetzner.Synced(r.Type) {
			upSets[r.Name+"/"+r.Type] = r
		}
	}
	up, err := m.upstreamContents(origin, upSets)
	if err != nil {
		return fmt.Errorf("the upstream's zone does not validate: %w", err)
	}
	local, ok := m.pipe.Zone(origin)
	if !ok {
		if b != nil {
			return errors.New("the zone was deleted here and is still upstream; delete it upstream, or create it here again")
		}
		z, err := hetzner.NewZone(upZone, list)
		if err != nil {
			return fmt.Errorf("the upstream's zone does not validate: %w", err)
		}
		if err := m.pipe.Create(m.meta("created"), z); err != nil {
			return err
		}
		pulled.Add(float64(len(up)))
		return m.saveBase(origin, &base{ID: uz.ID, RRsets: up})
	}
	locSets, loc := m.localView(local)
	if b == nil { // first contact with a zone the store has: the upstream's wins
		log.Infof("mirror: %s is in the store already; it takes the upstream's records", origin)
		b = &base{ID: uz.ID, RRsets: loc}
	}
	res := m.takeResolutions(origin)
	next := &base{ID: uz.ID, RRsets: maps.Clone(b.RRsets)}
	var p plan
	for _, id := range union(up, loc, b.RRsets) {
		u, l, was := up[id], loc[id], b.RRsets[id]
		switch {
		case u == l:
			next.set(id, u)
			if u != "" && upSets[id].Protection != locSets[id].Protection {
				p.pulls = append(p.pulls, id) // protection follows the upstream
			}
		case res[id] == KeepUpstream, res[id] != KeepLocal && l == was:
			p.pulls = append(p.pulls, id)
		case res[id] == KeepLocal, u == was:
			p.pushes = append(p.pushes, id)
			next.set(id, was)
		default:
			p.conflicts = append(p.conflicts, id)
			next.set(id, was)
		}
	}
	conflicts := make([]Conflict, 0, len(p.conflicts))
	for _, id := range p.conflicts {
		conflicts = append(conflicts, Conflict{RRset: id, Local: ptrOf(locSets, id), Upstream: ptrOf(upSets, id)})
	}
	m.setZone(origin, func(s *ZoneStatus) {
		for _, c := range conflicts {
			if !slices.ContainsFunc(s.Conflicts, func(o Conflict) bool { return o.RRset == c.RRset }) {
				log.Warningf("mirror: %s %s changed here and upstream; both kept until resolveMirrorConflict keeps one", origin, c.RRset)
			}
		}
		s.Conflicts = conflicts
	})
	if len(p.pulls) > 0 || hetzner.ZoneDiffers(local, upZone) {
		applied, err := m.pull(local, upZone, upSets, loc, p.pulls)
		for _, id := range applied {
			next.set(id, up[id])
		}
		if err != nil {
			m.saveBase(origin, next)
			return err
		}
	}
	pushErr := m.push(ctx, uz, locSets, upSets, loc, p.pushes, next)
	if err := m.saveBase(origin, next); err != nil {
		return err
	}
	return pushErr
}

// pull makes the RRsets ids of the local zone as the upstream has them, and
// the zone's own settings, in one change. An RRset changed here since the
// round looked (its content is not loc's) is left for the next round. It
// returns the ids it made.
func (m *Mirror) pull(local *zone.Zone, upZone schema.Zone, upSets map[string]schema.ZoneRRSet, loc map[string]string, ids []string) ([]string, error) {
	var applied []string
	edit := func(z *zone.Zone, tx *zone.Txn) error {
		applied = applied[:0]
		now := hetzner.Contents(z)
		var err error
		if hetzner.ZoneDiffers(z, upZone) {
			if err := hetzner.PutZone(tx, upZone); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if now[id] != loc[id] {
				continue // changed here meanwhile
			}
			if r, ok := upSets[id]; ok {
				err = hetzner.PutRRset(tx, r)
			} else {
				err = hetzner.RemoveRRset(tx, id)
			}
			if err != nil {
				return fmt.Errorf("the upstream's RRset %s does not validate here: %w", id, err)
			}
			applied = append(applied, id)
		}
		return nil
	}
	_, err := m.pipe.Apply(pipeline.Change{Zone: local.Origin(), Meta: m.meta(fmt.Sprintf("%d RRsets", len(ids))), Edit: edit})
	if errors.Is(err, pipeline.ErrProtected) {
		// The upstream took a protection away and changed the RRset in one
		// round: the protection first, then the change.
		if _, err = m.pipe.Apply(pipeline.Change{Zone: local.Origin(), Meta: m.meta("protection"), Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			for _, id := range ids {
				name, typ, _ := strings.Cut(id, "/")
				owner, err := record.Owner(name, local.Origin())
				if err != nil {
					return err
				}
				tx.DeleteNote(pipeline.NoteProtectChange(owner, dns.StringToType[typ]))
			}
			return nil
		}}); err == nil {
			_, err = m.pipe.Apply(pipeline.Change{Zone: local.Origin(), Meta: m.meta(fmt.Sprintf("%d RRsets", len(ids))), Edit: edit})
		}
	}
	if err != nil {
		return nil, err
	}
	pulled.Add(float64(len(applied)))
	return applied, nil
}

func (m *Mirror) meta(detail string) pipeline.Meta {
	return pipeline.Meta{Op: "mirror.pull", Actor: "mirror", Reason: "pulled from upstream " + m.cfg.Endpoint, Detail: detail}
}

// push makes the RRsets ids upstream as they are here, one by one, each
// with the actions Hetzner's API has, and moves each one's base as it
// lands. It stops at the first failure; the rest wait for the next round.
func (m *Mirror) push(ctx context.Context, uz *hcloud.Zone, locSets, upSets map[string]schema.ZoneRRSet, loc map[string]string, ids []string, next *base) error {
	for _, id := range ids {
		if err := m.pushOne(ctx, uz, locSets, upSets, id); err != nil {
			return fmt.Errorf("pushing %s: %w", id, err)
		}
		next.set(id, loc[id])
		pushed.Inc()
	}
	return nil
}

func (m *Mirror) pushOne(ctx context.Context, uz *hcloud.Zone, locSets, upSets map[string]schema.ZoneRRSet, id string) error {
	l, here := locSets[id]
	u, there := upSets[id]
	name, typ, _ := strings.Cut(id, "/")
	ref := &hcloud.ZoneRRSet{Zone: uz, Name: name, Type: hcloud.ZoneRRSetType(typ)}
	var actions []*hcloud.Action
	switch {
	case !here && !there:
		return nil
	case !here:
		res, _, err := m.client.Zone.DeleteRRSet(ctx, ref)
		if err != nil {
			return err
		}
		actions = append(actions, res.Action)
	case !there:
		res, _, err := m.client.Zone.CreateRRSet(ctx, uz, hcloud.ZoneRRSetCreateOpts{Name: name, Type: ref.Type, TTL: l.TTL, Labels: l.Labels, Records: records(l)})
		if err != nil {
			return err
		}
		actions = append(actions, res.Action)
	default:
		a, _, err := m.client.Zone.SetRRSetRecords(ctx, ref, hcloud.ZoneRRSetSetRecordsOpts{Records: records(l)})
		if err != nil {
			return err
		}
		actions = append(actions, a)
		if !sameTTL(l.TTL, u.TTL) {
			a, _, err := m.client.Zone.ChangeRRSetTTL(ctx, ref, hcloud.ZoneRRSetChangeTTLOpts{TTL: l.TTL})
			if err != nil {
				return err
			}
			actions = append(actions, a)
		}
		if !maps.Equal(l.Labels, u.Labels) {
			if _, _, err := m.client.Zone.UpdateRRSet(ctx, ref, hcloud.ZoneRRSetUpdateOpts{Labels: nonNil(l.Labels)}); err != nil {
				return err
			}
		}
	}
	return m.client.Action.WaitFor(ctx, actions...)
}

func records(r schema.ZoneRRSet) []hcloud.ZoneRRSetRecord {
	out := make([]hcloud.ZoneRRSetRecord, len(r.Records))
	for i, x := range r.Records {
		out[i] = hcloud.ZoneRRSetRecord{Value: x.Value, Comment: x.Comment}
	}
	return out
}

func sameTTL(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func ptrOf(sets map[string]schema.ZoneRRSet, id string) *schema.ZoneRRSet {
	if r, ok := sets[id]; ok {
		return &r
	}
	return nil
}

// union returns the keys of the maps, sorted.
func union(ms ...map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// localView returns the zone's RRsets and their contents, as the last
// round saw them if the zone has not changed since.
func (m *Mirror) localView(z *zone.Zone) (map[string]schema.ZoneRRSet, map[string]string) {
	m.mu.Lock()
	v, ok := m.local[z.Origin()]
	m.mu.Unlock()
	if ok && v.z == z {
		return v.sets, v.contents
	}
	v = localOf{z: z, sets: hetzner.RRsets(z)}
	v.contents = hetzner.ContentsOf(v.sets)
	m.mu.Lock()
	m.local[z.Origin()] = v
	m.mu.Unlock()
	return v.sets, v.contents
}

// localOf is a zone's RRsets and their contents.
type localOf struct {
	z        *zone.Zone
	sets     map[string]schema.ZoneRRSet
	contents map[string]string
}
