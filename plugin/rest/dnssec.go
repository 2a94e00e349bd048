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
	"github.com/zoneapi/zoneapi/plugin/resign"
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
	if req.Body.Enabled {
		alg := dns.ECDSAP256SHA256
		if req.Body.Algorithm != nil {
			alg = algorithms[*req.Body.Algorithm]
		}
		roles := []dnssec.Role{dnssec.CSK}
		if req.Body.Split != nil && *req.Body.Split {
			roles = []dnssec.Role{dnssec.KSK, dnssec.ZSK}
		}
		denial := dnssec.NSEC
		if req.Body.Denial != nil {
			denial = dnssec.Denial(*req.Body.Denial)
		}
		var ring *dnssec.Keyring
		op, detail := "signed, keys ", ""
		_, err := a.Keys.Change(origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, error) {
			if cur != nil {
				if req.Body.Denial == nil || denialOf(cur) == denial {
					return nil, nil // signed already
				}
				op, detail = "denial ", string(denial)
				ring = &dnssec.Keyring{Origin: origin, Keys: cur.Keys, Denial: denial}
				return ring, nil
			}
			ring = &dnssec.Keyring{Origin: origin, Denial: denial}
			for _, role := range roles {
				k, err := dnssec.Generate(origin, alg, role, time.Now().UTC().Truncate(time.Second))
				if err != nil {
					return nil, err
				}
				ring.Keys = append(ring.Keys, k)
			}
			return ring, nil
		}, func() error {
			// A zone without a DNSKEY RRset yet, or with another chain, is
			// signed whole.
			if detail == "" {
				detail = tags(ring)
			}
			return resign.Apply(a.Pipeline, origin, meta(ctx, "setZoneDnssec", op+detail))
		})
		if err != nil {
			return nil, persisted(err)
		}
	} else {
		err := a.Keys.Stop(origin, func() error {
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
			return err
		})
		if err != nil {
			return nil, persisted(err)
		}
	}
	return api.SetZoneDnssec200JSONResponse(a.dnssecOf(origin)), nil
}

// denialOf is how the zone of r proves what is not there.
func denialOf(r *dnssec.Keyring) dnssec.Denial {
	if r.Denial == "" {
		return dnssec.NSEC
	}
	return r.Denial
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
		if r := a.Keys.Served(origin); r != nil {
			s = &dnssec.Signer{Keys: r}
		}
	}
	if s == nil {
		return out
	}
	out.Enabled, out.Denial = true, ptr(api.ZoneDnssecDenial(denialOf(s.Keys)))
	if denialOf(s.Keys) == dnssec.NSEC3 {
		out.Nsec3param = ptr("1 0 0 -")
	}
	cds, cdnskey := []string{}, []string{}
	keyTTL := time.Hour
	if z, _ := a.Pipeline.Zone(origin); z != nil {
		keyTTL = time.Duration(z.SOA().Hdr.Ttl) * time.Second
	}
	for _, k := range s.Keys.Keys {
		alg := algorithmName(k.DNSKEY.Algorithm)
		out.Algorithm = &alg
		key := api.DnssecKey{Tag: int(k.Tag()), Role: api.DnssecKeyRole(k.Role), Algorithm: alg, State: api.DnssecKeyState(k.State),
			Created: k.Created, Dnskey: store.RDATA(k.DNSKEY)}
		if k.Rolled {
			key.Rolled = ptr(true)
		}
		for _, t := range []struct {
			at  time.Time
			dst **time.Time
		}{{k.Published, &key.Published}, {k.Activated, &key.Activated}, {k.Submitted, &key.Submitted}, {k.Retired, &key.Retired}} {
			if !t.at.IsZero() {
				*t.dst = ptr(t.at)
			}
		}
		at, step := s.Keys.Due(k, a.Keys.Timing, keyTTL)
		if step == "" && k.State == dnssec.Active && s.Keys.Successor(k.Role) != nil {
			step = "retire"
		}
		if step != "" {
			key.Next = ptr(api.DnssecKeyNext(step))
		}
		if !at.IsZero() {
			key.NextAt = ptr(at.UTC())
		}
		out.Keys = append(out.Keys, key)
	}
	for _, ds := range s.Keys.DS() {
		out.Ds = append(out.Ds, store.RDATA(ds))
		cds = append(cds, store.RDATA(ds.ToCDS()))
	}
	for _, k := range s.Keys.Parent() {
		cdnskey = append(cdnskey, store.RDATA(k.DNSKEY.ToCDNSKEY()))
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
	origin, err := a.signedZone(ctx, req.ZoneName)
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
	}
	err = a.keyChange(ctx, "addZoneKey", origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, string, error) {
		if k == nil {
			alg := cur.Keys[0].DNSKEY.Algorithm
			if in.Algorithm != nil {
				alg = algorithms[*in.Algorithm]
			}
			var err error
			if k, err = dnssec.Generate(origin, alg, role, now); err != nil {
				return nil, "", err
			}
			k.State = state
			if state != dnssec.Active {
				k.Activated = time.Time{}
			}
		}
		r, err := cur.With(k)
		return r, fmt.Sprintf("key %d added, %s", k.Tag(), k.State), err
	})
	if err != nil {
		return nil, err
	}
	return api.AddZoneKey201JSONResponse(a.dnssecOf(origin)), nil
}

// DeleteZoneKey implements api.StrictServerInterface.
func (a *API) DeleteZoneKey(ctx context.Context, req api.DeleteZoneKeyRequestObject) (api.DeleteZoneKeyResponseObject, error) {
	origin, err := a.signedZone(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	err = a.keyChange(ctx, "deleteZoneKey", origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, string, error) {
		r, err := cur.Without(uint16(req.KeyTag))
		return r, fmt.Sprintf("key %d deleted", req.KeyTag), err
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteZoneKey200JSONResponse(a.dnssecOf(origin)), nil
}

// signedZone returns the zone of a request that changes its keys, which
// must be signed here.
func (a *API) signedZone(ctx context.Context, name string) (string, error) {
	z, err := a.readable(ctx, name)
	if err != nil {
		return "", err
	}
	origin := z.Origin()
	if err := auth.From(ctx).MayWriteZone("sign", origin); err != nil {
		return "", err
	}
	if a.Keys == nil || a.Keys.Signer(origin) == nil {
		return "", notSigned(origin)
	}
	return origin, nil
}

func notSigned(origin string) error {
	return &problem.Problem{Status: http.StatusUnprocessableEntity, Code: "not-signed", Title: "Zone not signed",
		Detail: origin + " is not signed here", Hint: "Sign it first with setZoneDnssec {\"enabled\": true}."}
}

// keyChange makes the zone's keys what fn returns from the current ones
// and applies the change that puts them in the zone (its DNSKEY RRset, and
// signatures of a key made active); if that change fails, the old keys are
// put back. fn returns a few words for the audit line and the commit.
func (a *API) keyChange(ctx context.Context, op, origin string, fn func(cur *dnssec.Keyring) (*dnssec.Keyring, string, error)) error {
	detail := ""
	_, err := a.Keys.Change(origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, error) {
		if cur == nil {
			return nil, notSigned(origin)
		}
		r, d, err := fn(cur)
		if err != nil {
			return nil, badKey(err)
		}
		detail = d
		return r, nil
	}, func() error { return resign.Apply(a.Pipeline, origin, meta(ctx, op, detail)) })
	return persisted(err)
}

// persisted marks an error of the key store as one of persistence; the
// pipeline's and the API's own pass as they are.
func persisted(err error) error {
	if errors.Is(err, dnssec.ErrKeyStore) {
		return fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
	}
	return err
}

// RollZoneKey implements api.StrictServerInterface.
func (a *API) RollZoneKey(ctx context.Context, req api.RollZoneKeyRequestObject) (api.RollZoneKeyResponseObject, error) {
	origin, err := a.signedZone(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	err = a.keyChange(ctx, "rollZoneKey", origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, string, error) {
		r, k, err := cur.Roll(uint16(req.KeyTag), time.Now().UTC().Truncate(time.Second))
		if err != nil {
			return nil, "", err
		}
		return r, fmt.Sprintf("rollover of key %d: successor %d published", req.KeyTag, k.Tag()), nil
	})
	if err != nil {
		return nil, err
	}
	return api.RollZoneKey200JSONResponse(a.dnssecOf(origin)), nil
}

// SubmitZoneKey implements api.StrictServerInterface.
func (a *API) SubmitZoneKey(ctx context.Context, req api.SubmitZoneKeyRequestObject) (api.SubmitZoneKeyResponseObject, error) {
	origin, err := a.signedZone(ctx, req.ZoneName)
	if err != nil {
		return nil, err
	}
	err = a.keyChange(ctx, "submitZoneKey", origin, func(cur *dnssec.Keyring) (*dnssec.Keyring, string, error) {
		r, err := cur.Submit(uint16(req.KeyTag), 0, time.Now().UTC().Truncate(time.Second))
		return r, fmt.Sprintf("the DS of key %d is at the parent", req.KeyTag), err
	})
	if err != nil {
		return nil, err
	}
	return api.SubmitZoneKey200JSONResponse(a.dnssecOf(origin)), nil
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
	case errors.Is(err, dnssec.ErrRolling):
		return &problem.Problem{Status: http.StatusConflict, Code: "rollover-running", Title: "Rollover under way", Detail: err.Error(),
			Hint: "getZoneDnssec shows each key's next step; wait for the rollover to end, or delete the successor to stop it."}
	case errors.Is(err, dnssec.ErrNotReady):
		code, title, hint = "not-ready", "Key not waiting for its DS", "Only a key in state ready (listed in ds) waits for its DS at the parent."
	case errors.Is(err, dnssec.ErrInactive):
		code, title, hint = "not-active", "Key not active", "Roll an active key; getZoneDnssec lists them."
	case errors.Is(err, dnssec.ErrAlgorithm):
		code, title, hint = "bad-algorithm", "Algorithm not made here", "Use ECDSAP256SHA256, ECDSAP384SHA384, ED25519 or RSASHA256."
	}
	return &problem.Problem{Status: http.StatusUnprocessableEntity, Code: code, Title: title, Detail: err.Error(), Hint: hint}
}
