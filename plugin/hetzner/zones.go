package hetzner

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
	"github.com/labstack/echo/v4"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// find returns the zone a path names by its id or its name (with or
// without the trailing dot, in any case), as Hetzner's paths take either.
func (a *API) find(idOrName string) (*zone.Zone, bool) {
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		return a.byID(id)
	}
	origin := strings.ToLower(dns.Fqdn(idOrName))
	if _, err := store.FileName(origin); err != nil {
		return nil, false
	}
	return a.pipe.Zone(origin)
}

// readable returns the zone a path names, for a read by the request's token.
func (a *API) readable(c echo.Context, idOrName string) (*zone.Zone, error) {
	z, ok := a.find(idOrName)
	if !ok {
		return nil, notFound("zone")
	}
	if err := token(c).MayRead(z.Origin()); err != nil {
		return nil, notFound("zone") // a zone the token may not see is not there
	}
	return z, nil
}

// zoneJSON is z as Hetzner shows a zone.
func zoneJSON(z *zone.Zone) schema.Zone {
	m := zoneMetaOf(z)
	out := schema.Zone{ID: m.ID, Name: strings.TrimSuffix(z.Origin(), "."), Created: m.Created, TTL: m.TTL, Mode: "primary",
		PrimaryNameservers: []schema.ZonePrimaryNameserver{}, Labels: m.Labels, Registrar: "other", Status: "ok", RecordCount: z.Len()}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if v, _ := z.Note(pipeline.NoteProtectDelete); v == "true" {
		out.Protection.Delete = true
	}
	out.AuthoritativeNameservers.Assigned = []string{}
	for _, ns := range z.Apex().Type(dns.TypeNS) {
		out.AuthoritativeNameservers.Assigned = append(out.AuthoritativeNameservers.Assigned, ns.(*dns.NS).Ns)
	}
	out.AuthoritativeNameservers.Delegated = []string{}
	out.AuthoritativeNameservers.DelegationStatus = "unknown"
	return out
}

func (a *API) listZones(c echo.Context) error {
	q := c.QueryParams()
	l, err := parseList(q, "id", "name", "created", "ttl")
	if err != nil {
		return err
	}
	if m := q.Get("mode"); m != "" && m != "primary" && m != "secondary" {
		return invalid("mode", "must be primary or secondary")
	}
	name := strings.ToLower(strings.TrimSuffix(q.Get("name"), "."))
	tok := token(c)
	var all []schema.Zone
	for _, z := range a.pipe.Zones().Zones() {
		if !tok.CanRead(z.Origin()) {
			continue
		}
		j := zoneJSON(z)
		if (name != "" && j.Name != name) || (q.Get("mode") != "" && q.Get("mode") != j.Mode) || !l.sel.matches(j.Labels) {
			continue
		}
		all = append(all, j)
	}
	slices.SortStableFunc(all, ordered(l.keys, func(x, y schema.Zone, field string) int {
		switch field {
		case "id":
			return cmp.Compare(x.ID, y.ID)
		case "name":
			return cmp.Compare(x.Name, y.Name)
		case "created":
			return x.Created.Compare(y.Created)
		}
		return cmp.Compare(x.TTL, y.TTL)
	}))
	items, meta := pageOf(all, l.page, l.perPage)
	if items == nil {
		items = []schema.Zone{}
	}
	return c.JSON(http.StatusOK, struct {
		Zones []schema.Zone `json:"zones"`
		Meta  metaJSON      `json:"meta"`
	}{items, meta})
}

func (a *API) getZone(c echo.Context) error {
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, schema.ZoneGetResponse{Zone: zoneJSON(z)})
}

func (a *API) createZone(c echo.Context) error {
	started := time.Now()
	var req schema.ZoneCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSuffix(req.Name, "."))
	if name == "" {
		return invalid("name", "missing")
	}
	origin := dns.Fqdn(name)
	if _, err := store.FileName(origin); err != nil {
		return invalid("name", "%v", err)
	}
	switch req.Mode {
	case "", "primary":
	case "secondary":
		return invalid("mode", "secondary zones are not served by this server: make it the primary (see docs/HETZNER.md)")
	default:
		return invalid("mode", "must be primary or secondary")
	}
	if req.Zonefile != "" && len(req.RRSets) > 0 {
		return invalid("zonefile", "give either rrsets or a zonefile")
	}
	if err := token(c).MayWriteZone("create", origin); err != nil {
		return err
	}
	m := zoneMeta{ID: idOf(origin), Created: started.UTC().Truncate(time.Second), TTL: DefaultTTL}
	if err := checkTTL(req.TTL); err != nil {
		return err
	}
	if req.TTL != nil {
		m.TTL = *req.TTL
	}
	if req.Labels != nil {
		if err := checkLabels("labels", *req.Labels); err != nil {
			return err
		}
		m.Labels = *req.Labels
	}
	z, err := a.newZone(origin, m, req)
	if err != nil {
		return err
	}
	if err := a.pipe.Create(meta(c, "create_zone", ""), z); err != nil {
		return err
	}
	act := a.actions.done("create_zone", m.ID, started)
	return c.JSON(http.StatusCreated, schema.ZoneCreateResponse{Zone: zoneJSON(z), Action: act})
}

// newZone builds the zone a create request describes: its zone file or its
// RRsets, with a default SOA and NS when it has none.
func (a *API) newZone(origin string, m zoneMeta, req schema.ZoneCreateRequest) (*zone.Zone, error) {
	var rrs []dns.RR
	tx, err := zone.New(origin)
	if err != nil {
		return nil, invalid("name", "%v", err)
	}
	tx.SetLimit(a.pipe.Limits().MaxRecords)
	if req.Zonefile != "" {
		fresh, _, err := store.Read(strings.NewReader(req.Zonefile), "zonefile", origin, store.Options{MaxRecords: a.pipe.Limits().MaxRecords})
		if err != nil {
			return nil, err
		}
		rrs = fresh.Records()
	}
	for i, s := range req.RRSets {
		field := "rrsets[" + strconv.Itoa(i) + "]"
		n, err := parseRRsetName(origin, s.Name, s.Type)
		if err != nil {
			return nil, prefixed(field, err)
		}
		rm := rrsetMeta{}
		ttl := m.TTL
		if s.TTL != nil {
			ttl = *s.TTL
		} else {
			rm.Inherit = true
		}
		set, comments, err := parseRecords(origin, n, ttl, s.Records, field+".records")
		if err != nil {
			return nil, err
		}
		if s.Labels != nil {
			if err := checkLabels(field+".labels", *s.Labels); err != nil {
				return nil, err
			}
			rm.Labels = *s.Labels
		}
		rm.Comments = comments
		if len(comments) == 0 {
			rm.Comments = nil
		}
		if err := setRRsetMeta(tx, n.owner, n.typ, rm); err != nil {
			return nil, err
		}
		rrs = append(rrs, set...)
	}
	hasSOA, hasNS := false, false
	for _, rr := range rrs {
		hasSOA = hasSOA || rr.Header().Rrtype == dns.TypeSOA
		hasNS = hasNS || (rr.Header().Rrtype == dns.TypeNS && strings.EqualFold(rr.Header().Name, origin))
	}
	if !hasSOA {
		soa, ns := record.DefaultApex(origin, pipeline.NextSerial(0, pipeline.Now()))
		rrs = append(rrs, soa)
		if !hasNS {
			rrs = append(rrs, ns)
		}
	}
	for _, rr := range rrs {
		if err := tx.Add(rr); err != nil {
			return nil, newError(http.StatusBadRequest, "invalid_input", "%s: %v", rr.String(), err)
		}
	}
	if err := setZoneMeta(tx, m); err != nil {
		return nil, err
	}
	return tx.Commit()
}

// prefixed puts field before the name of the field an invalid_input names.
func prefixed(field string, err error) error {
	if ae, ok := err.(*apiError); ok && len(ae.fields) > 0 {
		out := &apiError{status: ae.status, code: ae.code, fields: map[string][]string{}}
		for k, v := range ae.fields {
			out.fields[field+"."+k] = v
			out.message = "invalid input in field '" + field + "." + k + "'"
		}
		return out
	}
	return err
}

func (a *API) updateZone(c echo.Context) error {
	var req schema.ZoneUpdateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	if err := token(c).MayWriteZone("update", z.Origin()); err != nil {
		return err
	}
	if req.Labels == nil {
		return c.JSON(http.StatusOK, schema.ZoneUpdateResponse{Zone: zoneJSON(z)})
	}
	if err := checkLabels("labels", *req.Labels); err != nil {
		return err
	}
	nz, err := a.change(c, z, "update_zone", "labels", func(_ *zone.Zone, tx *zone.Txn) error {
		m := zoneMetaOf(tx)
		m.Labels = *req.Labels
		return setZoneMeta(tx, m)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, schema.ZoneUpdateResponse{Zone: zoneJSON(nz)})
}

func (a *API) deleteZone(c echo.Context) error {
	started := time.Now()
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	if err := token(c).MayWriteZone("delete", z.Origin()); err != nil {
		return err
	}
	if _, err := a.pipe.Delete(meta(c, "delete_zone", ""), z.Origin(), nil); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, schema.ActionGetResponse{Action: a.actions.done("delete_zone", zoneMetaOf(z).ID, started)})
}

// exportZonefile is the zone's file without its notes: what Hetzner's
// export gives, RFC 1035 text; a zone signed here without the records the
// signer makes, which Hetzner's import would refuse.
func (a *API) exportZonefile(c echo.Context) error {
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	format := store.Format
	if a.pipe.Signed(z.Origin()) {
		format = store.FormatUnsigned
	}
	if err := format(&b, z); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if !strings.HasPrefix(line, store.NotePrefix) {
			out.WriteString(line)
		}
	}
	return c.JSON(http.StatusOK, schema.ZoneExportZonefileResponse{Zonefile: out.String()})
}

// change makes edit to z as one pipeline change (whose step pruneNotes
// drops the notes of what is gone), and returns the zone after it.
func (a *API) change(c echo.Context, z *zone.Zone, command, detail string, edit pipeline.Edit) (*zone.Zone, error) {
	res, err := a.pipe.Apply(pipeline.Change{Zone: z.Origin(), Meta: meta(c, command, detail), Edit: edit})
	if err != nil {
		return nil, err
	}
	return res.New, nil
}

// action answers a change made as an action.
func (a *API) action(c echo.Context, command string, z *zone.Zone, started time.Time) error {
	return c.JSON(http.StatusCreated, schema.ActionGetResponse{Action: a.actions.done(command, zoneMetaOf(z).ID, started)})
}

func (a *API) zoneAction(c echo.Context) error {
	started := time.Now()
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	tok := token(c)
	switch cmd := c.Param("action"); cmd {
	case "import_zonefile":
		var req schema.ZoneImportZonefileRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := tok.MayWriteZone("import", z.Origin()); err != nil {
			return err
		}
		fresh, _, err := store.Read(strings.NewReader(req.Zonefile), "zonefile", z.Origin(), store.Options{MaxRecords: a.pipe.Limits().MaxRecords})
		if err != nil {
			return err
		}
		// The file's records have the TTLs it gives them, and no labels or
		// comments: the RRsets' notes go.
		replace := pipeline.ReplaceWith(fresh)
		if _, err := a.change(c, z, cmd, "replaced", func(z *zone.Zone, tx *zone.Txn) error {
			for _, k := range tx.NoteKeys() {
				if strings.HasPrefix(k, noteRRset) {
					tx.DeleteNote(k)
				}
			}
			return replace(z, tx)
		}); err != nil {
			return err
		}
	case "change_protection":
		var req schema.ZoneChangeProtectionRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := tok.MayWriteZone("protect", z.Origin()); err != nil {
			return err
		}
		if req.Delete != nil {
			if _, err := a.change(c, z, cmd, "delete="+strconv.FormatBool(*req.Delete), func(_ *zone.Zone, tx *zone.Txn) error {
				return setFlag(tx, pipeline.NoteProtectDelete, *req.Delete)
			}); err != nil {
				return err
			}
		}
	case "change_ttl":
		var req schema.ZoneChangeTTLRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := checkTTL(&req.TTL); err != nil {
			return err
		}
		if err := tok.MayWriteZone("change_ttl", z.Origin()); err != nil {
			return err
		}
		if _, err := a.change(c, z, cmd, "ttl="+strconv.Itoa(req.TTL), func(z *zone.Zone, tx *zone.Txn) error { return changeZoneTTL(z, tx, req.TTL) }); err != nil {
			return err
		}
	case "change_primary_nameservers":
		return newError(http.StatusUnprocessableEntity, "incorrect_zone_mode", "the zone is a primary zone: it has no primary nameservers")
	default:
		return notFound("action")
	}
	return a.action(c, c.Param("action"), z, started)
}

// changeZoneTTL sets the zone's default TTL, and the TTL of every RRset
// that follows it.
func changeZoneTTL(z *zone.Zone, tx *zone.Txn, ttl int) error {
	m := zoneMetaOf(tx)
	m.TTL = ttl
	if err := setZoneMeta(tx, m); err != nil {
		return err
	}
	for _, s := range rrsetsOf(z) {
		if !rrsetMetaOf(tx, s.n.owner, s.n.typ).Inherit {
			continue
		}
		if err := tx.ReplaceRRset(s.n.owner, s.n.typ, withTTL(s.rrs, ttl)); err != nil {
			return err
		}
	}
	return nil
}

func withTTL(rrs []dns.RR, ttl int) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
		out[i].Header().Ttl = uint32(ttl)
	}
	return out
}

// setFlag sets the note key to "true", or deletes it.
func setFlag(tx *zone.Txn, key string, on bool) error {
	if on {
		return tx.SetNote(key, "true")
	}
	tx.DeleteNote(key)
	return nil
}

// byID returns the zone with the id. Ids are in the zones' notes, so the
// index from ids to origins is checked against the zone it finds and made
// again when it misses (a zone created, deleted or given another id): a
// request by id costs one lookup, not a read of every zone's note.
func (a *API) byID(id int64) (*zone.Zone, bool) {
	a.idsMu.Lock()
	origin, ok := a.ids[id]
	a.idsMu.Unlock()
	if ok {
		if z, found := a.pipe.Zone(origin); found && zoneMetaOf(z).ID == id {
			return z, true
		}
	}
	ids := map[int64]string{}
	for _, z := range a.pipe.Zones().Zones() {
		ids[zoneMetaOf(z).ID] = z.Origin()
	}
	a.idsMu.Lock()
	a.ids = ids
	a.idsMu.Unlock()
	if origin, ok := ids[id]; ok {
		return a.pipe.Zone(origin)
	}
	return nil, false
}
