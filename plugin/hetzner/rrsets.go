package hetzner

import (
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
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

func protectNote(n rrsetName) string { return pipeline.NoteProtectChange(n.owner, n.typ) }

// rrsetOf returns the zone and the RRset the path names; rrs is empty when
// the zone has no such RRset.
func (a *API) rrsetOf(c echo.Context) (*zone.Zone, rrsetName, []dns.RR, error) {
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return nil, rrsetName{}, nil, err
	}
	n, err := parseRRsetName(z.Origin(), c.Param("name"), c.Param("type"))
	if err != nil {
		return nil, rrsetName{}, nil, err
	}
	var rrs []dns.RR
	if node, ok := z.Node(n.owner); ok {
		rrs = node.Type(n.typ)
	}
	return z, n, rrs, nil
}

func (a *API) listRRsets(c echo.Context) error {
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	q := c.QueryParams()
	l, err := parseList(q, "name", "type", "ttl", "id")
	if err != nil {
		return err
	}
	wantTypes := map[string]bool{}
	for _, t := range q["type"] {
		if _, ok := types[strings.ToUpper(t)]; !ok {
			return invalid("type", "%q is not a type Hetzner's DNS accepts", t)
		}
		wantTypes[strings.ToUpper(t)] = true
	}
	name := strings.ToLower(q.Get("name"))
	id := zoneMetaOf(z).ID
	var all []schema.ZoneRRSet
	for _, s := range rrsetsOf(z) {
		if (name != "" && s.n.name != name) || (len(wantTypes) > 0 && !wantTypes[dns.TypeToString[s.n.typ]]) {
			continue
		}
		j := rrsetJSON(z, id, s.n, s.rrs)
		if l.sel.matches(j.Labels) {
			all = append(all, j)
		}
	}
	slices.SortStableFunc(all, ordered(l.keys, func(x, y schema.ZoneRRSet, field string) int {
		switch field {
		case "name":
			return cmp.Compare(x.Name, y.Name)
		case "type":
			return cmp.Compare(x.Type, y.Type)
		case "id":
			return cmp.Compare(x.ID, y.ID)
		}
		return cmp.Compare(ttlOr(x.TTL, 0), ttlOr(y.TTL, 0))
	}))
	items, meta := pageOf(all, l.page, l.perPage)
	if items == nil {
		items = []schema.ZoneRRSet{}
	}
	return c.JSON(http.StatusOK, struct {
		RRSets []schema.ZoneRRSet `json:"rrsets"`
		Meta   metaJSON           `json:"meta"`
	}{items, meta})
}

func ttlOr(p *int, d int) int {
	if p == nil {
		return d
	}
	return *p
}

func (a *API) getRRset(c echo.Context) error {
	z, n, rrs, err := a.rrsetOf(c)
	if err != nil {
		return err
	}
	if len(rrs) == 0 {
		return notFound("rrset")
	}
	return c.JSON(http.StatusOK, schema.ZoneRRSetGetResponse{RRSet: rrsetJSON(z, zoneMetaOf(z).ID, n, rrs)})
}

func (a *API) createRRset(c echo.Context) error {
	started := time.Now()
	var req schema.ZoneRRSetCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	z, err := a.readable(c, c.Param("zone"))
	if err != nil {
		return err
	}
	n, err := parseRRsetName(z.Origin(), req.Name, req.Type)
	if err != nil {
		return err
	}
	if n.typ == dns.TypeSOA {
		return invalid("type", "the zone has its SOA; change it with set_records")
	}
	if len(req.Records) == 0 {
		return invalid("records", "give at least one record")
	}
	if req.Labels != nil {
		if err := checkLabels("labels", *req.Labels); err != nil {
			return err
		}
	}
	if err := checkTTL(req.TTL); err != nil {
		return err
	}
	if err := token(c).MayWrite(z.Origin(), n.owner, n.typ); err != nil {
		return err
	}
	nz, err := a.change(c, z, "create_rrset", rrsetID(n), func(z *zone.Zone, tx *zone.Txn) error {
		if len(tx.RRset(n.owner, n.typ)) > 0 {
			return &apiError{status: http.StatusConflict, code: "uniqueness_error", message: "the RRset " + rrsetID(n) + " exists",
				fields: map[string][]string{"name": {"an RRset of this name and type exists"}}}
		}
		m := rrsetMeta{}
		ttl := zoneMetaOf(tx).TTL
		if req.TTL != nil {
			ttl = *req.TTL
		} else {
			m.Inherit = true
		}
		rrs, comments, err := parseRecords(z.Origin(), n, ttl, req.Records, "records")
		if err != nil {
			return err
		}
		if req.Labels != nil {
			m.Labels = *req.Labels
		}
		if len(comments) > 0 {
			m.Comments = comments
		}
		if err := tx.ReplaceRRset(n.owner, n.typ, rrs); err != nil {
			return err
		}
		return setRRsetMeta(tx, n.owner, n.typ, m)
	})
	if err != nil {
		return err
	}
	node, _ := nz.Node(n.owner)
	return c.JSON(http.StatusCreated, schema.ZoneRRSetCreateResponse{RRSet: rrsetJSON(nz, zoneMetaOf(nz).ID, n, node.Type(n.typ)),
		Action: a.actions.done("create_rrset", zoneMetaOf(nz).ID, started)})
}

func (a *API) updateRRset(c echo.Context) error {
	var req schema.ZoneRRSetUpdateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	z, n, rrs, err := a.rrsetOf(c)
	if err != nil {
		return err
	}
	if len(rrs) == 0 {
		return notFound("rrset")
	}
	if err := token(c).MayWrite(z.Origin(), n.owner, n.typ); err != nil {
		return err
	}
	if req.Labels == nil {
		return c.JSON(http.StatusOK, schema.ZoneRRSetUpdateResponse{RRSet: rrsetJSON(z, zoneMetaOf(z).ID, n, rrs)})
	}
	if err := checkLabels("labels", *req.Labels); err != nil {
		return err
	}
	nz, err := a.editRRset(c, z, n, "update_rrset", func(_ []dns.RR, m *rrsetMeta) ([]dns.RR, error) {
		m.Labels = *req.Labels
		return nil, nil
	})
	if err != nil {
		return err
	}
	node, _ := nz.Node(n.owner)
	return c.JSON(http.StatusOK, schema.ZoneRRSetUpdateResponse{RRSet: rrsetJSON(nz, zoneMetaOf(nz).ID, n, node.Type(n.typ))})
}

func (a *API) deleteRRset(c echo.Context) error {
	started := time.Now()
	z, n, _, err := a.rrsetOf(c)
	if err != nil {
		return err
	}
	if n.typ == dns.TypeSOA {
		return invalid("type", "the SOA cannot be deleted")
	}
	if err := token(c).MayWrite(z.Origin(), n.owner, n.typ); err != nil {
		return err
	}
	nz, err := a.editRRset(c, z, n, "delete_rrset", func([]dns.RR, *rrsetMeta) ([]dns.RR, error) { return []dns.RR{}, nil })
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, schema.ActionGetResponse{Action: a.actions.done("delete_rrset", zoneMetaOf(nz).ID, started)})
}

// editRRset changes the RRset n of z as one change: fn gets the RRset as
// the writer sees it and its note, may change the note, and returns the
// new records (nil: the same, empty: none). A protected RRset takes no
// change but of its protection; one that is not there is not_found.
func (a *API) editRRset(c echo.Context, z *zone.Zone, n rrsetName, command string, fn func(cur []dns.RR, m *rrsetMeta) ([]dns.RR, error)) (*zone.Zone, error) {
	return a.change(c, z, command, rrsetID(n), func(_ *zone.Zone, tx *zone.Txn) error {
		cur := tx.RRset(n.owner, n.typ)
		if len(cur) == 0 {
			return notFound("rrset")
		}
		if v, _ := tx.Note(protectNote(n)); v == "true" {
			return newError(http.StatusForbidden, "protected", "the RRset %s is protected", rrsetID(n))
		}
		m := rrsetMetaOf(tx, n.owner, n.typ)
		rrs, err := fn(cur, &m)
		if err != nil {
			return err
		}
		if rrs != nil {
			if len(rrs) == 0 && n.typ == dns.TypeSOA {
				return invalid("records", "the SOA cannot be removed")
			}
			if err := tx.ReplaceRRset(n.owner, n.typ, rrs); err != nil {
				return err
			}
		}
		return setRRsetMeta(tx, n.owner, n.typ, m)
	})
}

func (a *API) rrsetAction(c echo.Context) error {
	started := time.Now()
	z, n, _, err := a.rrsetOf(c)
	if err != nil {
		return err
	}
	tok := token(c)
	if err := tok.MayWrite(z.Origin(), n.owner, n.typ); err != nil {
		return err
	}
	cmd := c.Param("action")
	var nz *zone.Zone
	switch cmd {
	case "add_records":
		var req schema.ZoneRRSetAddRecordsRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if len(req.Records) == 0 {
			return invalid("records", "give at least one record")
		}
		nz, err = a.addRecords(c, z, n, req)
	case "remove_records":
		var req schema.ZoneRRSetRemoveRecordsRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		nz, err = a.editRRset(c, z, n, "remove_rrset_records", func(cur []dns.RR, m *rrsetMeta) ([]dns.RR, error) {
			gone, _, err := parseRecords(z.Origin(), n, int(cur[0].Header().Ttl), req.Records, "records")
			if err != nil {
				return nil, err
			}
			// A record that is not there is removed already: a retried
			// request removes nothing more.
			out := []dns.RR{}
			for _, rr := range cur {
				if !contains(gone, rr) {
					out = append(out, rr)
				}
			}
			return out, nil
		})
	case "set_records":
		var req schema.ZoneRRSetSetRecordsRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if len(req.Records) == 0 {
			return invalid("records", "give at least one record; delete the RRset to remove them all")
		}
		nz, err = a.setRecords(c, z, n, req.Records)
	case "update_records":
		var req schema.ZoneRRSetUpdateRecordsRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		nz, err = a.editRRset(c, z, n, "update_rrset_records", func(cur []dns.RR, m *rrsetMeta) ([]dns.RR, error) {
			for i, r := range req.Records {
				rrs, _, err := parseRecords(z.Origin(), n, int(cur[0].Header().Ttl), []schema.ZoneRRSetRecord{{Value: r.Value}}, "records")
				if err != nil {
					return nil, prefixed("records["+itoa(i)+"]", unindex(err))
				}
				if !contains(cur, rrs[0]) {
					return nil, invalid("records["+itoa(i)+"].value", "the RRset has no record %q", r.Value)
				}
				if m.Comments == nil {
					m.Comments = map[string]string{}
				}
				if r.Comment == "" {
					delete(m.Comments, store.RDATA(rrs[0]))
				} else {
					m.Comments[store.RDATA(rrs[0])] = r.Comment
				}
			}
			return nil, nil
		})
	case "change_ttl":
		var req schema.ZoneRRSetChangeTTLRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if err := checkTTL(req.TTL); err != nil {
			return err
		}
		nz, err = a.editRRset(c, z, n, "change_rrset_ttl", func(cur []dns.RR, m *rrsetMeta) ([]dns.RR, error) {
			m.Inherit = req.TTL == nil
			return withTTL(cur, ttlOr(req.TTL, zoneMetaOf(z).TTL)), nil
		})
	case "change_protection":
		var req schema.ZoneRRSetChangeProtectionRequest
		if err := decode(c, &req); err != nil {
			return err
		}
		if req.Change == nil {
			break
		}
		nz, err = a.change(c, z, "change_rrset_protection", rrsetID(n), func(_ *zone.Zone, tx *zone.Txn) error {
			if len(tx.RRset(n.owner, n.typ)) == 0 {
				return notFound("rrset")
			}
			return setFlag(tx, protectNote(n), *req.Change)
		})
	default:
		return notFound("action")
	}
	if err != nil {
		return err
	}
	if nz == nil {
		nz = z
	}
	return c.JSON(http.StatusCreated, schema.ActionGetResponse{Action: a.actions.done(commandOf(cmd), zoneMetaOf(nz).ID, started)})
}

// commandOf is the action's command for the path's action name.
func commandOf(action string) string {
	switch action {
	case "change_ttl":
		return "change_rrset_ttl"
	case "change_protection":
		return "change_rrset_protection"
	}
	name, _ := strings.CutSuffix(action, "_records")
	return name + "_rrset_records"
}

// addRecords adds records to the RRset, making it if it is not there. A
// record it has already is not added twice, so a retried request changes
// nothing more. A TTL given becomes the RRset's.
func (a *API) addRecords(c echo.Context, z *zone.Zone, n rrsetName, req schema.ZoneRRSetAddRecordsRequest) (*zone.Zone, error) {
	if err := checkTTL(req.TTL); err != nil {
		return nil, err
	}
	return a.upsert(c, z, n, "add_rrset_records", func(cur []dns.RR, m *rrsetMeta, ttl int) ([]dns.RR, error) {
		if req.TTL != nil {
			ttl, m.Inherit = *req.TTL, false
		}
		add, comments, err := parseRecords(z.Origin(), n, ttl, req.Records, "records")
		if err != nil {
			return nil, err
		}
		out := withTTL(cur, ttl)
		for _, rr := range add {
			if !contains(out, rr) {
				out = append(out, rr)
			}
		}
		mergeComments(m, comments)
		return out, nil
	})
}

// setRecords makes records the RRset's, making it if it is not there.
func (a *API) setRecords(c echo.Context, z *zone.Zone, n rrsetName, recs []schema.ZoneRRSetRecord) (*zone.Zone, error) {
	return a.upsert(c, z, n, "set_rrset_records", func(_ []dns.RR, m *rrsetMeta, ttl int) ([]dns.RR, error) {
		rrs, comments, err := parseRecords(z.Origin(), n, ttl, recs, "records")
		if err != nil {
			return nil, err
		}
		m.Comments = nil
		mergeComments(m, comments)
		return rrs, nil
	})
}

// upsert is editRRset for the actions that make the RRset if it is not
// there (with the zone's TTL, which it then follows); fn gets the TTL the
// records are to have.
func (a *API) upsert(c echo.Context, z *zone.Zone, n rrsetName, command string, fn func(cur []dns.RR, m *rrsetMeta, ttl int) ([]dns.RR, error)) (*zone.Zone, error) {
	return a.change(c, z, command, rrsetID(n), func(_ *zone.Zone, tx *zone.Txn) error {
		cur := tx.RRset(n.owner, n.typ)
		if v, _ := tx.Note(protectNote(n)); v == "true" {
			return newError(http.StatusForbidden, "protected", "the RRset %s is protected", rrsetID(n))
		}
		m := rrsetMetaOf(tx, n.owner, n.typ)
		ttl := zoneMetaOf(tx).TTL
		if len(cur) > 0 {
			ttl = int(cur[0].Header().Ttl)
		} else {
			m = rrsetMeta{Inherit: true}
		}
		rrs, err := fn(cur, &m, ttl)
		if err != nil {
			return err
		}
		if err := tx.ReplaceRRset(n.owner, n.typ, rrs); err != nil {
			return err
		}
		return setRRsetMeta(tx, n.owner, n.typ, m)
	})
}

func mergeComments(m *rrsetMeta, comments map[string]string) {
	if len(comments) == 0 {
		return
	}
	if m.Comments == nil {
		m.Comments = map[string]string{}
	}
	for k, v := range comments {
		m.Comments[k] = v
	}
}

// unindex turns the field "records[0].value" of a one-record parse into
// "value", for prefixed to name the record's index.
func unindex(err error) error {
	if ae, ok := err.(*apiError); ok {
		out := &apiError{status: ae.status, code: ae.code, message: ae.message, fields: map[string][]string{}}
		for k, v := range ae.fields {
			_, rest, _ := strings.Cut(k, ".")
			out.fields[rest] = v
		}
		return out
	}
	return err
}

func itoa(i int) string { return strconv.Itoa(i) }
