package rest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/dnssec"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// The derived records of a signed zone, which setZoneDnssec takes away when
// signing stops.
var signedTypes = []uint16{dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY}

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
					for _, typ := range signedTypes {
						if n.Type(typ) != nil {
							tx.DeleteRRset(n.Name, typ)
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
			Created: k.Created, Dnskey: rdataOf(k.DNSKEY)}
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
		out.Ds = append(out.Ds, rdataOf(ds))
		cds = append(cds, rdataOf(ds.ToCDS()))
	}
	for _, k := range s.Keys.Keys {
		if k.Role != dnssec.ZSK {
			cdnskey = append(cdnskey, rdataOf(k.DNSKEY.ToCDNSKEY()))
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

// rdataOf is rr's RDATA in presentation format.
func rdataOf(rr dns.RR) string { return strings.TrimPrefix(rr.String(), rr.Header().String()) }
