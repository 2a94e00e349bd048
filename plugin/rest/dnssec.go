package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var algorithms = map[api.DnssecAlgorithm]uint8{
	api.ECDSAP256SHA256: dns.ECDSAP256SHA256, api.ECDSAP384SHA384: dns.ECDSAP384SHA384, api.ED25519: dns.ED25519, api.RSASHA256: dns.RSASHA256,
}

// GetZoneDnssec implements api.StrictServerInterface.
func (a *API) GetZoneDnssec(ctx context.Context, req api.GetZoneDnssecRequestObject) (api.GetZoneDnssecResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	return api.GetZoneDnssec200JSONResponse(a.dnssecOf(z.Origin())), nil
}

// SetZoneDnssec implements api.StrictServerInterface: signing starts with
// new keys and a change that signs the whole zone, or stops with one that
// takes every signature, NSEC and DNSKEY away.
func (a *API) SetZoneDnssec(ctx context.Context, req api.SetZoneDnssecRequestObject) (api.SetZoneDnssecResponseObject, error) {
	z, err := a.readable(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	origin := z.Origin()
	if err := auth.From(ctx).MayWriteZone("sign", origin); err != nil {
		return nil, err
	}
	if a.Keys == nil {
		return nil, fmt.Errorf("%w: no key store", pipeline.ErrInternal)
	}
	signed := a.Keys.Signer(origin) != nil
	switch {
	case req.Body.Enabled && !signed:
		alg := dns.ECDSAP256SHA256
		if req.Body.Algorithm != nil {
			alg = algorithms[*req.Body.Algorithm]
		}
		roles := []dnssec.Role{dnssec.CSK}
		if req.Body.Split != nil && *req.Body.Split {
			roles = []dnssec.Role{dnssec.KSK, dnssec.ZSK}
		}
		ring := &dnssec.Keyring{Origin: origin}
		for _, role := range roles {
			k, err := dnssec.Generate(origin, alg, role, time.Now().UTC().Truncate(time.Second))
			if err != nil {
				return nil, err
			}
			ring.Keys = append(ring.Keys, k)
		}
		if err := a.Keys.Set(ring); err != nil {
			return nil, fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
		}
		// The zone has no DNSKEY RRset yet, so the signer signs all of it.
		_, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "setZoneDnssec", "signed, keys "+tags(ring)),
			Edit: func(*zone.Zone, *zone.Txn) error { return nil }})
		if err != nil {
			a.Keys.Remove(origin)
			return nil, err
		}
	case !req.Body.Enabled && signed:
		if err := a.Keys.Remove(origin); err != nil {
			return nil, fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
		}
		_, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "setZoneDnssec", "unsigned"),
			Edit: func(z *zone.Zone, tx *zone.Txn) error {
				z.Walk(func(n *zone.Node) bool {
					for _, set := range n.Sets {
						if store.Derived(set.Type) {
							tx.DeleteRRset(n.Name, set.Type)
						}
					}
					return true
				})
				return nil
			}})
		if err != nil {
			return nil, err
		}
	}
	return api.SetZoneDnssec200JSONResponse(a.dnssecOf(origin)), nil
}

func tags(r *dnssec.Keyring) string {
	var out []string
	for _, k := range r.Keys {
		out = append(out, fmt.Sprintf("%d", k.Tag()))
	}
	return strings.Join(out, ",")
}

// dnssecOf is the zone's DNSSEC state as the API shows it.
func (a *API) dnssecOf(origin string) api.ZoneDnssec {
	out := api.ZoneDnssec{Keys: []api.DnssecKey{}, Ds: []string{}}
	var s *dnssec.Signer
	if a.Keys != nil {
		s = a.Keys.Signer(origin)
	}
	if s == nil {
		return out
	}
	out.Enabled, out.Denial = true, ptr("nsec")
	cds, cdnskey := []string{}, []string{}
	for _, k := range s.Keys.Keys {
		alg := algorithmName(k.DNSKEY.Algorithm)
		out.Algorithm = &alg
		key := api.DnssecKey{Tag: int(k.Tag()), Role: api.DnssecKeyRole(k.Role), Algorithm: alg, State: api.DnssecKeyState(k.State),
			Created: k.Created, Dnskey: store.RDATA(k.DNSKEY)}
		for _, t := range []struct {
			at  time.Time
			dst **time.Time
		}{{k.Published, &key.Published}, {k.Activated, &key.Activated}, {k.Retired, &key.Retired}} {
			if !t.at.IsZero() {
				*t.dst = ptr(t.at)
			}
		}
		out.Keys = append(out.Keys, key)
	}
	for _, ds := range s.Keys.DS() {
		out.Ds = append(out.Ds, store.RDATA(ds))
		cds = append(cds, store.RDATA(ds.ToCDS()))
	}
	for _, k := range s.Keys.Keys {
		if k.Role != dnssec.ZSK {
			cdnskey = append(cdnskey, store.RDATA(k.DNSKEY.ToCDNSKEY()))
		}
	}
	out.Cds, out.Cdnskey = &cds, &cdnskey
	return out
}

func algorithmName(alg uint8) api.DnssecAlgorithm {
	for name, a := range algorithms {
		if a == alg {
			return name
		}
	}
	return api.DnssecAlgorithm(dns.AlgorithmToString[alg])
}

// AddZoneKey implements api.StrictServerInterface.
func (a *API) AddZoneKey(ctx context.Context, req api.AddZoneKeyRequestObject) (api.AddZoneKeyResponseObject, error) {
	origin, s, err := a.signedZone(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	in := req.Body
	role, state := dnssec.CSK, dnssec.Published
	if in.Role != nil {
		role = dnssec.Role(*in.Role)
	}
	if in.State != nil {
		state = dnssec.State(*in.State)
	}
	now := time.Now().UTC().Truncate(time.Second)
	var k *dnssec.Key
	switch {
	case in.Dnskey != nil || in.Private != nil:
		if in.Dnskey == nil || in.Private == nil {
			return nil, &problem.Problem{Status: http.StatusBadRequest, Code: "bad-key", Title: "Bad key", Detail: "an imported key needs both dnskey and private",
				Pointer: "/dnskey", Hint: "Give the DNSKEY's RDATA and its private key in BIND's Private-key-format."}
		}
		if k, err = dnssec.Import(origin, *in.Dnskey, *in.Private, role, state, now); err != nil {
			return nil, badKey(err)
		}
	default:
		alg := s.Keys.Keys[0].DNSKEY.Algorithm
		if in.Algorithm != nil {
			alg = algorithms[*in.Algorithm]
		}
		if k, err = dnssec.Generate(origin, alg, role, now); err != nil {
			return nil, badKey(err)
		}
		k.State = state
		if state != dnssec.Active {
			k.Activated = time.Time{}
		}
	}
	ring, err := s.Keys.With(k)
	if err != nil {
		return nil, badKey(err)
	}
	if err := a.keyChange(ctx, origin, s.Keys, ring, fmt.Sprintf("key %d added, %s", k.Tag(), k.State)); err != nil {
		return nil, err
	}
	return api.AddZoneKey201JSONResponse(a.dnssecOf(origin)), nil
}

// DeleteZoneKey implements api.StrictServerInterface.
func (a *API) DeleteZoneKey(ctx context.Context, req api.DeleteZoneKeyRequestObject) (api.DeleteZoneKeyResponseObject, error) {
	origin, s, err := a.signedZone(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	ring, err := s.Keys.Without(uint16(req.KeyTag))
	if err != nil {
		return nil, badKey(err)
	}
	if err := a.keyChange(ctx, origin, s.Keys, ring, fmt.Sprintf("key %d deleted", req.KeyTag)); err != nil {
		return nil, err
	}
	return api.DeleteZoneKey200JSONResponse(a.dnssecOf(origin)), nil
}

// signedZone returns the zone of a request that changes its keys, which
// must be signed here.
func (a *API) signedZone(ctx context.Context, name string) (string, *dnssec.Signer, error) {
	z, err := a.readable(ctx, name)
	if err != nil {
		return "", nil, err
	}
	origin := z.Origin()
	if err := auth.From(ctx).MayWriteZone("sign", origin); err != nil {
		return "", nil, err
	}
	var s *dnssec.Signer
	if a.Keys != nil {
		s = a.Keys.Signer(origin)
	}
	if s == nil {
		return "", nil, &problem.Problem{Status: http.StatusUnprocessableEntity, Code: "not-signed", Title: "Zone not signed",
			Detail: origin + " is not signed here", Hint: "Sign it first with setZoneDnssec {\"enabled\": true}."}
	}
	return origin, s, nil
}

// keyChange makes ring the zone's keys and applies the change that puts
// them in the zone (its DNSKEY RRset, and signatures of a key made
// active); if that change fails, the old keys are put back.
func (a *API) keyChange(ctx context.Context, origin string, old, ring *dnssec.Keyring, detail string) error {
	if err := a.Keys.Set(ring); err != nil {
		return fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
	}
	_, err := a.Pipeline.Apply(pipeline.Change{Zone: origin, Meta: meta(ctx, "dnssecKeys", detail), Resign: true, ResignAll: true,
		Edit: func(*zone.Zone, *zone.Txn) error { return nil }})
	if err != nil {
		a.Keys.Set(old)
	}
	return err
}

// badKey is the problem of a key that cannot be used.
func badKey(err error) error {
	hint := "Give a DNSKEY of a zone key and the private key that is its, in BIND's Private-key-format."
	code, title := "bad-key", "Bad key"
	switch {
	case errors.Is(err, dnssec.ErrLastKey):
		code, title, hint = "last-signing-key", "Last signing key", "Add and activate another key first, or stop signing with setZoneDnssec {\"enabled\": false}."
	case errors.Is(err, dnssec.ErrNoSuchKey):
		return &problem.Problem{Status: http.StatusNotFound, Code: "key-not-found", Title: "Key not found", Detail: err.Error(), Hint: "List the keys with getZoneDnssec."}
	case errors.Is(err, dnssec.ErrAlgorithm):
		code, title, hint = "bad-algorithm", "Algorithm not made here", "Use ECDSAP256SHA256, ECDSAP384SHA384, ED25519 or RSASHA256."
	}
	return &problem.Problem{Status: http.StatusUnprocessableEntity, Code: code, Title: title, Detail: err.Error(), Hint: hint}
}
