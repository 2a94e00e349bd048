// Package acme is the ACME DNS-01 adapter: lego's httpreq endpoints
// (/v1/acme/httpreq/present and cleanup), over the change pipeline, and the
// leases that remove a challenge its client forgot. It is an
// httpapi.Adapter beside /v1, generated from the same openapi.yaml (the
// acme tag) into package httpreq; it reads only published snapshots.
package acme

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/labstack/echo/v4"
	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/acme/httpreq"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/httpapi"
	"github.com/zoneapi/zoneapi/plugin/notify"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/record"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

var log = clog.NewWithPlugin("zoneapi")

// Base is where the endpoints are: HTTPREQ_ENDPOINT=http://<listen>/v1/acme/httpreq.
const Base = "/v1/acme/httpreq"

// Settings are the Corefile's acme_* properties.
type Settings struct {
	TTL     uint32        // of the challenge records (acme_ttl)
	Lease   time.Duration // how long a challenge lives without a cleanup (acme_lease)
	Wait    bool          // present waits for the secondaries by default (acme_wait)
	WaitMax time.Duration // for at most this long
}

// Defaults of Settings.
const (
	DefaultTTL     = 60
	DefaultLease   = time.Hour
	DefaultWaitMax = 60 * time.Second
)

// ACME is the adapter; it implements the strict-server interface
// generated for the acme operations.
type ACME struct {
	pipe     *pipeline.Pipeline
	notifier *notify.Notifier
	leases   *leases
	checks   map[string][]echo.MiddlewareFunc
	settings atomic.Pointer[Settings]
}

var (
	_ httpreq.StrictServerInterface = (*ACME)(nil)
	_ httpapi.Adapter               = (*ACME)(nil)
)

// New returns the adapter over pipe, with the leases kept in the store's
// directory; a lease file that cannot be read is logged, and the adapter
// works without the leases it held. checks is the middleware of the
// document's operations, by operationId (rest.API.Checks): the endpoints
// are validated against openapi.yaml like the rest of /v1.
func New(pipe *pipeline.Pipeline, notifier *notify.Notifier, checks map[string][]echo.MiddlewareFunc) *ACME {
	a := &ACME{pipe: pipe, notifier: notifier, checks: checks}
	a.settings.Store(&Settings{TTL: DefaultTTL, Lease: DefaultLease, WaitMax: DefaultWaitMax})
	var err error
	if a.leases, err = loadLeases(pipe.Dir()); err != nil {
		log.Errorf("ACME leases: %v; challenge records present before the restart will not expire by themselves", err)
	}
	return a
}

// Configure takes a (new) Corefile's settings.
func (a *ACME) Configure(s Settings) { a.settings.Store(&s) }

// Base implements httpapi.Adapter.
func (a *ACME) Base() string { return Base }

// Mount implements httpapi.Adapter: the two routes, with the document's
// checks.
func (a *ACME) Mount(e *echo.Echo) {
	httpreq.RegisterHandlersWithOptions(e, httpreq.NewStrictHandler(a, nil), httpreq.RegisterHandlersOptions{BaseURL: "/v1", OperationMiddlewares: a.checks})
}

// Public implements httpapi.Adapter: every request needs a token.
func (a *ACME) Public(string) bool { return false }

// Error implements httpapi.Adapter: errors are problems, as in /v1.
func (a *ACME) Error(c echo.Context, err error) { problem.Write(c, err) }

// target turns lego's httpreq body (default or RAW) into the challenge
// name and TXT value.
func target(b *httpreq.AcmeRequest) (string, string, error) {
	switch {
	case b.Fqdn != nil && b.Value != nil:
		return dns.Fqdn(*b.Fqdn), *b.Value, nil
	case b.Domain != nil && b.KeyAuth != nil:
		// RAW mode: the server computes the record (RFC 8555 §8.4).
		return "_acme-challenge." + dns.Fqdn(strings.TrimPrefix(*b.Domain, "*.")), keyAuthDigest(*b.KeyAuth), nil
	}
	return "", "", &problem.Problem{Status: http.StatusBadRequest, Code: "invalid-request", Title: "Invalid request", Detail: "the body has neither fqdn and value nor domain and keyAuth",
		Hint: "Send lego httpreq's default body {fqdn, value} or its RAW body {domain, token, keyAuth}."}
}

// keyAuthDigest is the TXT value of a DNS-01 challenge: the base64url
// SHA-256 of the key authorization (RFC 8555 §8.4).
func keyAuthDigest(keyAuth string) string {
	sum := sha256.Sum256([]byte(keyAuth))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// challenge applies a present (add) or cleanup (delete) of one challenge
// value in the zone that holds the name.
func (a *ACME) challenge(ctx context.Context, b *httpreq.AcmeRequest, present bool) (*zone.Zone, error) {
	name, value, err := target(b)
	if err != nil {
		return nil, err
	}
	z, err := a.pipe.ZoneFor(name)
	if errors.Is(err, zone.ErrBadName) {
		return nil, &record.FieldError{Field: "fqdn", Err: err}
	}
	if err != nil {
		return nil, err
	}
	s := a.settings.Load()
	rr, err := record.LiteralTXT(dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: s.TTL}, value)
	if err != nil {
		return nil, &record.FieldError{Field: "value", Err: err}
	}
	tok := auth.From(ctx)
	if err := tok.MayWriteRR(z.Origin(), rr); err != nil {
		return nil, err
	}
	op := "acmeCleanup"
	if present {
		op = "acmePresent"
	}
	res, err := a.pipe.Apply(pipeline.Change{Zone: z.Origin(), Meta: pipeline.Meta{Op: op, Actor: tok.Name, Reason: httpapi.Reason(ctx), Detail: name},
		Edit: func(_ *zone.Zone, tx *zone.Txn) error {
			if present {
				return tx.Upsert(rr)
			}
			tx.Delete(rr)
			return nil
		}})
	if err != nil {
		return nil, err
	}
	if present {
		err = a.leases.add(name, value, time.Now().Add(s.Lease))
	} else {
		err = a.leases.remove(name, value)
	}
	if err != nil {
		log.Warningf("acme lease of %s: %v", name, err)
	}
	return res.New, nil
}

// AcmePresent implements httpreq.StrictServerInterface.
func (a *ACME) AcmePresent(ctx context.Context, req httpreq.AcmePresentRequestObject) (httpreq.AcmePresentResponseObject, error) {
	nz, err := a.challenge(ctx, req.Body, true)
	if err != nil {
		return nil, err
	}
	s := a.settings.Load()
	wait := s.Wait
	if req.Params.Wait != nil {
		wait = *req.Params.Wait
	}
	if wait {
		if err := a.notifier.WaitFor(ctx, nz.Origin(), nz.Serial(), s.WaitMax); err != nil {
			return nil, err
		}
	}
	return httpreq.AcmePresent200Response{}, nil
}

// AcmeCleanup implements httpreq.StrictServerInterface.
func (a *ACME) AcmeCleanup(ctx context.Context, req httpreq.AcmeCleanupRequestObject) (httpreq.AcmeCleanupResponseObject, error) {
	if _, err := a.challenge(ctx, req.Body, false); err != nil {
		return nil, err
	}
	return httpreq.AcmeCleanup200Response{}, nil
}
