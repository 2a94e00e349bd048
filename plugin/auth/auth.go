// Package auth holds the credentials of the APIs and of RFC 2136 updates,
// and what each may do: a Token with no scope may do everything; a scoped
// one is limited to zones, owner-name patterns and types, and may be
// read-only. The HTTP server puts the request's Token in its context; the
// adapters check the scope where they know the zone, name and type.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Token is one credential and its scope.
type Token struct {
	Name     string
	Digest   [32]byte // SHA-256 of the secret; compared in constant time
	ReadOnly bool
	Zones    []string // lower-case FQDNs; empty is every zone
	Names    []string // patterns (path.Match on lower-case FQDNs); empty is every name
	Types    []uint16 // empty is every type
	// Certs are the client certificate subjects (a certificate's common
	// name or one of its DNS names) that stand for the token over mTLS.
	Certs []string
}

// Anonymous is the identity of a request when no token is configured and
// the API listens on loopback only: it may do everything.
var Anonymous = &Token{Name: "anonymous"}

// ErrForbidden: the token's scope does not cover what was asked.
var ErrForbidden = errors.New("forbidden")

// Digest is the digest of a secret, as a Token keeps it.
func Digest(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// NoSecret is the digest of a token that has no secret (client
// certificates only): no secret matches it.
var NoSecret [32]byte

// Find returns the token of tokens whose secret is secret, comparing every
// digest in constant time.
func Find(tokens []*Token, secret string) *Token {
	d := Digest(secret)
	var found *Token
	for _, t := range tokens {
		if subtle.ConstantTimeCompare(d[:], t.Digest[:]) == 1 && t.Digest != NoSecret {
			found = t
		}
	}
	return found
}

// Full reports whether the token has no scope at all.
func (t *Token) Full() bool {
	return !t.ReadOnly && len(t.Zones) == 0 && len(t.Names) == 0 && len(t.Types) == 0
}

// ZoneAllowed reports whether origin is among the token's zones.
func (t *Token) ZoneAllowed(origin string) bool {
	return len(t.Zones) == 0 || slices.Contains(t.Zones, origin)
}

// CanRead reports whether t may read the zone.
func (t *Token) CanRead(origin string) bool { return t.ZoneAllowed(origin) }

// CanWriteZone reports whether t may change anything in the zone, as zone
// operations (create, delete, import, reload) need.
func (t *Token) CanWriteZone(origin string) bool {
	return !t.ReadOnly && t.ZoneAllowed(origin) && len(t.Names) == 0 && len(t.Types) == 0
}

// CanWrite reports whether t may change the RRset of type typ at owner.
func (t *Token) CanWrite(origin, owner string, typ uint16) bool {
	if t.ReadOnly || !t.ZoneAllowed(origin) {
		return false
	}
	if len(t.Types) > 0 && !slices.Contains(t.Types, typ) {
		return false
	}
	if len(t.Names) == 0 {
		return true
	}
	owner = strings.ToLower(dns.Fqdn(owner))
	for _, p := range t.Names {
		if ok, _ := path.Match(p, owner); ok {
			return true
		}
	}
	return false
}

// MayRead is CanRead as an error wrapping ErrForbidden.
func (t *Token) MayRead(origin string) error {
	if !t.CanRead(origin) {
		return fmt.Errorf("token %s may not read %s: %w", t.Name, origin, ErrForbidden)
	}
	return nil
}

// MayWriteZone is CanWriteZone as an error; what names the operation.
func (t *Token) MayWriteZone(what, origin string) error {
	if !t.CanWriteZone(origin) {
		return fmt.Errorf("token %s may not %s %s: %w", t.Name, what, origin, ErrForbidden)
	}
	return nil
}

// MayWrite is CanWrite as an error wrapping ErrForbidden.
func (t *Token) MayWrite(origin, owner string, typ uint16) error {
	if !t.CanWrite(origin, owner, typ) {
		return fmt.Errorf("token %s may not change %s %s: %w", t.Name, owner, dns.Type(typ), ErrForbidden)
	}
	return nil
}

// MayWriteRR is MayWrite for the RRset of rr.
func (t *Token) MayWriteRR(origin string, rr dns.RR) error {
	return t.MayWrite(origin, rr.Header().Name, rr.Header().Rrtype)
}

// MayAdminister reports, as an error, whether t may act on the whole store
// (reload it, pull Git): a token without a scope, or Anonymous.
func (t *Token) MayAdminister(what string) error {
	if !t.Full() {
		return fmt.Errorf("token %s may not %s: %w", t.Name, what, ErrForbidden)
	}
	return nil
}

type key struct{}

// With returns ctx carrying t.
func With(ctx context.Context, t *Token) context.Context { return context.WithValue(ctx, key{}, t) }

// Carried reports whether ctx carries a token: a request made in the
// process on behalf of one already authenticated (an MCP tool call).
func Carried(ctx context.Context) bool {
	_, ok := ctx.Value(key{}).(*Token)
	return ok
}

// From returns the token of a request's context, Anonymous when none.
func From(ctx context.Context) *Token {
	if t, ok := ctx.Value(key{}).(*Token); ok {
		return t
	}
	return Anonymous
}

// ByCertificate returns the token that names a subject of the verified
// client certificate cert (its common name, or one of its DNS names), or
// nil.
func ByCertificate(tokens []*Token, cert *x509.Certificate) *Token {
	names := append([]string{cert.Subject.CommonName}, cert.DNSNames...)
	for _, t := range tokens {
		for _, want := range t.Certs {
			for _, n := range names {
				if n != "" && strings.EqualFold(n, want) {
					return t
				}
			}
		}
	}
	return nil
}
