package powerdns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// versions answers GET /api, where lego finds the API's version.
func (a *API) versions(c echo.Context) error {
	return c.JSON(http.StatusOK, []map[string]any{{"url": Base + "/v1", "version": 1}})
}

func serverObject() map[string]any {
	return map[string]any{"type": "Server", "id": server, "daemon_type": "authoritative", "version": Version,
		"url": Base + "/v1/servers/" + server, "config_url": Base + "/v1/servers/" + server + "/config{/config_setting}",
		"zones_url": Base + "/v1/servers/" + server + "/zones{/zone}"}
}

func (a *API) servers(c echo.Context) error {
	return c.JSON(http.StatusOK, []map[string]any{serverObject()})
}

func (a *API) server(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	return c.JSON(http.StatusOK, serverObject())
}

// zoneObject is a zone as PowerDNS shows it; with its RRsets when full.
// Zones report kind Native: they are not a primary in PowerDNS's sense, and
// lego then sends no NOTIFY request (this server notifies by itself).
func zoneObject(z *zone.Zone, full bool) map[string]any {
	out := map[string]any{"id": z.Origin(), "name": z.Origin(), "type": "Zone", "kind": "Native",
		"url": Base + "/v1/servers/" + server + "/zones/" + z.Origin(), "serial": z.Serial(), "notified_serial": z.Serial(),
		"edited_serial": z.Serial(), "masters": []string{}, "dnssec": len(z.Apex().Type(dns.TypeDNSKEY)) > 0, "account": "", "nsec3param": "",
		"nsec3narrow": false, "presigned": false, "soa_edit": "", "soa_edit_api": "DEFAULT", "api_rectify": false}
	if full {
		var sets []map[string]any
		add := func(n *zone.Node) bool {
			for _, s := range n.Sets {
				if store.Derived(s.Type) {
					continue
				}
				records := make([]map[string]any, len(s.RRs))
				for i, rr := range s.RRs {
					records[i] = map[string]any{"content": store.RDATA(rr), "disabled": false}
				}
				sets = append(sets, map[string]any{"name": strings.ToLower(n.Name), "type": typeName(s.Type), "ttl": s.RRs[0].Header().Ttl,
					"records": records, "comments": []any{}})
			}
			return true
		}
		z.Walk(add)
		out["rrsets"] = sets
	}
	return out
}

// zoneOf returns the published zone of the request's zone id, for a read.
func (a *API) zoneOf(c echo.Context) (*zone.Zone, error) {
	if c.Param("server") != server {
		return nil, errNotFound
	}
	origin := strings.ToLower(dns.Fqdn(c.Param("zone")))
	if err := auth.From(c.Request().Context()).MayRead(origin); err != nil {
		return nil, &apiError{http.StatusForbidden, err.Error()}
	}
	z, ok := a.pipe.Zone(origin)
	if !ok {
		return nil, &apiError{http.StatusNotFound, "Could not find domain '" + origin + "'"}
	}
	return z, nil
}

func (a *API) listZones(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	tok := auth.From(c.Request().Context())
	out := []map[string]any{}
	for _, z := range a.pipe.Zones().Zones() {
		if !tok.CanRead(z.Origin()) {
			continue
		}
		if want := c.QueryParam("zone"); want != "" && !strings.EqualFold(dns.Fqdn(want), z.Origin()) {
			continue
		}
		out = append(out, zoneObject(z, false))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getZone(c echo.Context) error {
	z, err := a.zoneOf(c)
	if err != nil {
		return err
	}
	out := zoneObject(z, c.QueryParam("rrsets") != "false")
	if sets, ok := out["rrsets"].([]map[string]any); ok {
		name, typ := strings.ToLower(c.QueryParam("rrset_name")), strings.ToUpper(c.QueryParam("rrset_type"))
		out["rrsets"] = slices.DeleteFunc(sets, func(s map[string]any) bool {
			return (name != "" && s["name"] != dns.Fqdn(name)) || (typ != "" && s["type"] != typ)
		})
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) export(c echo.Context) error {
	z, err := a.zoneOf(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := store.FormatZone(&b, z); err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=us-ascii", b.Bytes())
}

// notify answers as PowerDNS does for a zone it is not primary of in its
// sense: this server notifies its secondaries after every change itself.
func (a *API) notify(c echo.Context) error {
	if _, err := a.zoneOf(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "Notification queued"})
}

// rrsetPatch is one RRset of a PATCH; what else a client sends (a whole
// zone object, as external-dns does) is ignored, as PowerDNS ignores it.
type rrsetPatch struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	TTL        *int   `json:"ttl"`
	ChangeType string `json:"changetype"`
	Records    []struct {
		Content  string `json:"content"`
		Disabled bool   `json:"disabled"`
	} `json:"records"`
}

// patchZone applies the RRsets of a PATCH as one change: REPLACE,
// DELETE, EXTEND (add the records) and PRUNE (remove them), all or none.
func (a *API) patchZone(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	origin := strings.ToLower(dns.Fqdn(c.Param("zone")))
	var body struct {
		RRsets []rrsetPatch `json:"rrsets"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
		return &apiError{http.StatusBadRequest, "Request body is not valid JSON: " + err.Error()}
	}
	// As PowerDNS: one RRset once a PATCH, and a REPLACE with records
	// carries its TTL (there is no default to take).
	seen := map[string]bool{}
	for _, p := range body.RRsets {
		key := strings.ToLower(p.Name) + " " + strings.ToUpper(p.Type)
		if seen[key] {
			return &apiError{http.StatusUnprocessableEntity, fmt.Sprintf("Duplicate RRset %s IN %s with changetype: %s", p.Name, p.Type, p.ChangeType)}
		}
		seen[key] = true
		if strings.EqualFold(p.ChangeType, "REPLACE") && len(p.Records) > 0 && p.TTL == nil {
			return &apiError{http.StatusUnprocessableEntity, "Key 'ttl' not an Integer or not present"}
		}
	}
	tok := auth.From(c.Request().Context())
	ctx := c.Request().Context()
	_, err := a.pipe.Apply(pipeline.Change{Zone: origin,
		Meta: pipeline.Meta{Op: "powerdns:patchZone", Actor: tok.Name, Reason: httpapi.Reason(ctx), Detail: fmt.Sprintf("%d rrsets", len(body.RRsets))},
		Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			for _, p := range body.RRsets {
				if err := apply(origin, tok, p, tx); err != nil {
					if errors.Is(err, auth.ErrForbidden) {
						return &apiError{http.StatusForbidden, err.Error()}
					}
					return &apiError{http.StatusUnprocessableEntity, err.Error()}
				}
			}
			return nil
		}})
	if err != nil {
		if errors.Is(err, pipeline.ErrZoneNotFound) {
			return &apiError{http.StatusNotFound, "Could not find domain '" + origin + "'"}
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apply applies one RRset of a PATCH to tx.
func apply(origin string, tok *auth.Token, p rrsetPatch, tx *zone.Txn) error {
	name := strings.ToLower(p.Name)
	if !strings.HasSuffix(name, ".") {
		return fmt.Errorf("RRset %s IN %s: Name is not canonical", p.Name, p.Type)
	}
	if !dns.IsSubDomain(origin, name) {
		return fmt.Errorf("RRset %s IN %s: Name is out of zone", p.Name, p.Type)
	}
	if err := refuseAlias(p); err != nil {
		return err
	}
	typ, ok := record.Type(strings.ToUpper(p.Type))
	if !ok {
		return fmt.Errorf("RRset %s IN %s: unknown type", p.Name, p.Type)
	}
	if err := tok.MayWrite(origin, name, typ); err != nil {
		return err
	}
	rrs := make([]dns.RR, 0, len(p.Records))
	for _, r := range p.Records {
		if r.Disabled {
			return fmt.Errorf("RRset %s IN %s: disabled records are not kept here", p.Name, p.Type)
		}
		rr, err := record.New(origin, name, p.Type, r.Content, p.TTL)
		if err != nil {
			return fmt.Errorf("RRset %s IN %s: record content %q: %v", p.Name, p.Type, r.Content, err)
		}
		rrs = append(rrs, rr)
	}
	switch strings.ToUpper(p.ChangeType) {
	case "REPLACE":
		if len(rrs) == 0 {
			tx.DeleteRRset(name, typ)
			return nil
		}
		return tx.ReplaceRRset(name, typ, rrs)
	case "DELETE":
		tx.DeleteRRset(name, typ)
		return nil
	case "EXTEND":
		for _, rr := range rrs {
			if err := tx.Upsert(rr); err != nil {
				return err
			}
		}
		return nil
	case "PRUNE":
		for _, rr := range rrs {
			tx.Delete(rr)
		}
		return nil
	}
	return fmt.Errorf("RRset %s IN %s: changetype %q is not one of REPLACE, DELETE, EXTEND, PRUNE", p.Name, p.Type, p.ChangeType)
}

// refuseAlias refuses PowerDNS's ALIAS pseudo-record (what external-dns
// sends for a hostname at a zone's apex): PowerDNS answers it by resolving
// the target at query time, and this server answers from its own data
// only, never resolving a name elsewhere. A refusal is clearer than a
// record that would answer nothing.
func refuseAlias(p rrsetPatch) error {
	if strings.EqualFold(p.Type, "ALIAS") {
		return fmt.Errorf("RRset %s IN ALIAS: ALIAS is not served here (this server answers from its own data and resolves no target): give the name A and AAAA records, or a CNAME below the apex", p.Name)
	}
	return nil
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

// createZone makes a zone of the body's rrsets and nameservers (its SOA,
// without one, and NS, without those, a zone made through /v1 gets), and
// answers 201 with it. A zone of kind Slave is refused: this API does not
// make secondaries.
func (a *API) createZone(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	var body struct {
		Name        string       `json:"name"`
		Kind        string       `json:"kind"`
		Nameservers []string     `json:"nameservers"`
		RRsets      []rrsetPatch `json:"rrsets"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
		return &apiError{http.StatusBadRequest, "Request body is not valid JSON: " + err.Error()}
	}
	if !strings.HasSuffix(body.Name, ".") {
		return &apiError{http.StatusUnprocessableEntity, "DNS Name '" + body.Name + "' is not canonical"}
	}
	if k := strings.ToLower(body.Kind); k == "slave" || k == "consumer" || k == "producer" {
		return &apiError{http.StatusUnprocessableEntity, "kind " + body.Kind + " is not made through this API: zones here are Native"}
	}
	origin := strings.ToLower(body.Name)
	tok := auth.From(c.Request().Context())
	if err := tok.MayWriteZone("create", origin); err != nil {
		return &apiError{http.StatusForbidden, err.Error()}
	}
	var rrs []dns.RR
	for _, ns := range body.Nameservers {
		rr, err := record.New(origin, origin, "NS", dns.Fqdn(ns), nil)
		if err != nil {
			return &apiError{http.StatusUnprocessableEntity, fmt.Sprintf("nameserver %q: %v", ns, err)}
		}
		rrs = append(rrs, rr)
	}
	for _, p := range body.RRsets {
		if err := refuseAlias(p); err != nil {
			return &apiError{http.StatusUnprocessableEntity, err.Error()}
		}
		typ := strings.ToUpper(p.Type)
		for _, r := range p.Records {
			rr, err := record.New(origin, strings.ToLower(p.Name), typ, r.Content, p.TTL)
			if err != nil {
				return &apiError{http.StatusUnprocessableEntity, fmt.Sprintf("RRset %s IN %s: record content %q: %v", p.Name, p.Type, r.Content, err)}
			}
			rrs = append(rrs, rr)
		}
	}
	z, _, err := record.NewZone(origin, rrs, zone.SourceZone)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, err.Error()}
	}
	if err := a.pipe.Create(pipeline.Meta{Op: "powerdns:createZone", Actor: tok.Name, Reason: httpapi.Reason(c.Request().Context())}, z); err != nil {
		if errors.Is(err, pipeline.ErrZoneExists) {
			return &apiError{http.StatusConflict, "Domain '" + origin + "' already exists"}
		}
		return err
	}
	return c.JSON(http.StatusCreated, zoneObject(z, true))
}

// putZone is PowerDNS's change of a zone's settings (kind, masters,
// account, soa_edit_api, dnssec...; RRsets and every other field are
// ignored, as PowerDNS ignores them): 204 when the settings are the ones
// this server keeps (kind Native or Master, no masters, no account,
// soa_edit_api DEFAULT or INCREASE, DNSSEC as it is), a clear 422 for
// what it cannot honour. Nothing changes either way: DNSSEC is set through
// /v1 (setZoneDnssec).
func (a *API) putZone(c echo.Context) error {
	z, err := a.zoneOf(c)
	if err != nil {
		return err
	}
	if err := auth.From(c.Request().Context()).MayWriteZone("change", z.Origin()); err != nil {
		return &apiError{http.StatusForbidden, err.Error()}
	}
	var body struct {
		Kind       *string  `json:"kind"`
		Masters    []string `json:"masters"`
		Account    *string  `json:"account"`
		SOAEditAPI *string  `json:"soa_edit_api"`
		SOAEdit    *string  `json:"soa_edit"`
		DNSSEC     *bool    `json:"dnssec"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&body); err != nil {
		return &apiError{http.StatusBadRequest, "Request body is not valid JSON: " + err.Error()}
	}
	refuse := func(msg string) error { return &apiError{http.StatusUnprocessableEntity, msg} }
	switch {
	case body.Kind != nil && !strings.EqualFold(*body.Kind, "Native") && !strings.EqualFold(*body.Kind, "Master"):
		return refuse("kind " + *body.Kind + " is not kept here: zones here are Native (this server is their primary and notifies by itself)")
	case len(body.Masters) > 0:
		return refuse("masters are not kept here: this server is the primary of its zones")
	case body.Account != nil && *body.Account != "":
		return refuse("account is not kept here: zones are scoped by tokens")
	case body.SOAEditAPI != nil && *body.SOAEditAPI != "" && !strings.EqualFold(*body.SOAEditAPI, "DEFAULT") && !strings.EqualFold(*body.SOAEditAPI, "INCREASE"):
		return refuse("soa_edit_api " + *body.SOAEditAPI + " is not kept here: every change raises the serial by one or more (DEFAULT)")
	case body.SOAEdit != nil && *body.SOAEdit != "":
		return refuse("soa_edit " + *body.SOAEdit + " is not kept here: the serial is what the zone holds")
	case body.DNSSEC != nil && *body.DNSSEC != (len(z.Apex().Type(dns.TypeDNSKEY)) > 0):
		return refuse("dnssec is set through /v1 (PUT /v1/zones/{zone}/dnssec), not here")
	}
	return c.NoContent(http.StatusNoContent)
}

// deleteZone removes a zone: 204.
func (a *API) deleteZone(c echo.Context) error {
	if c.Param("server") != server {
		return errNotFound
	}
	origin := strings.ToLower(dns.Fqdn(c.Param("zone")))
	tok := auth.From(c.Request().Context())
	if err := tok.MayWriteZone("delete", origin); err != nil {
		return &apiError{http.StatusForbidden, err.Error()}
	}
	if _, err := a.pipe.Delete(pipeline.Meta{Op: "powerdns:deleteZone", Actor: tok.Name, Reason: httpapi.Reason(c.Request().Context())}, origin, nil); err != nil {
		if errors.Is(err, pipeline.ErrZoneNotFound) {
			return &apiError{http.StatusNotFound, "Could not find domain '" + origin + "'"}
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
