package zoneapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// acmeTarget turns lego's httpreq body (default or RAW) into the challenge
// name and TXT value.
func acmeTarget(b *api.AcmeRequest) (string, string, error) {
	switch {
	case b.Fqdn != nil && b.Value != nil:
		return dns.Fqdn(*b.Fqdn), *b.Value, nil
	case b.Domain != nil && b.KeyAuth != nil:
		// RAW mode: the server computes the record (RFC 8555 §8.4).
		return "_acme-challenge." + dns.Fqdn(strings.TrimPrefix(*b.Domain, "*.")), keyAuthDigest(*b.KeyAuth), nil
	}
	return "", "", &problem{status: 400, code: "invalid-request", title: "Invalid request", detail: "the body has neither fqdn and value nor domain and keyAuth",
		hint: "Send lego httpreq's default body {fqdn, value} or its RAW body {domain, token, keyAuth}."}
}

// acme applies a present (add) or cleanup (delete) of one challenge value in
// the zone that holds the name.
func (h *handlers) acme(ctx context.Context, b *api.AcmeRequest, present bool) (*zone.Zone, error) {
	name, value, err := acmeTarget(b)
	if err != nil {
		return nil, err
	}
	z, err := h.st.zoneFor(name)
	if err != nil {
		return nil, err
	}
	rr, err := literalTXT(dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: h.st.acmeTTL}, value)
	if err != nil {
		return nil, &fieldError{field: "value", err: err}
	}
	if err := mayWrite(ctx, z.Origin(), rr); err != nil {
		return nil, err
	}
	op := "acmeCleanup"
	if present {
		op = "acmePresent"
	}
	w := whyOf(ctx, op)
	_, nz, err := h.st.change(w, z.Origin(), nil, false, func(_ *zone.Zone, tx *zone.Txn) error {
		if present {
			return upsert(tx, rr)
		}
		tx.Delete(rr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if present {
		err = h.st.leases.add(name, value, time.Now().Add(h.st.acmeLease))
	} else {
		err = h.st.leases.remove(name, value)
	}
	if err != nil {
		log.Warningf("acme lease of %s: %v", name, err)
	}
	audit(w, nz, name)
	return nz, nil
}

// AcmePresent implements api.StrictServerInterface.
func (h *handlers) AcmePresent(ctx context.Context, req api.AcmePresentRequestObject) (api.AcmePresentResponseObject, error) {
	nz, err := h.acme(ctx, req.Body, true)
	if err != nil {
		return nil, err
	}
	wait := h.st.acmeWait
	if req.Params.Wait != nil {
		wait = *req.Params.Wait
	}
	if wait {
		if err := h.st.waitForSecondaries(ctx, nz.Origin(), nz.Serial(), h.st.acmeWaitMax); err != nil {
			return nil, err
		}
	}
	return api.AcmePresent200Response{}, nil
}

// AcmeCleanup implements api.StrictServerInterface.
func (h *handlers) AcmeCleanup(ctx context.Context, req api.AcmeCleanupRequestObject) (api.AcmeCleanupResponseObject, error) {
	if _, err := h.acme(ctx, req.Body, false); err != nil {
		return nil, err
	}
	return api.AcmeCleanup200Response{}, nil
}

// keyAuthDigest is the TXT value of a DNS-01 challenge: the base64url
// SHA-256 of the key authorization (RFC 8555 §8.4).
func keyAuthDigest(keyAuth string) string {
	sum := sha256.Sum256([]byte(keyAuth))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
