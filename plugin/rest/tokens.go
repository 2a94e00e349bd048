package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/api"
	"github.com/zoneapi/zoneapi/plugin/auth"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/problem"
	"github.com/zoneapi/zoneapi/plugin/tokens"
)

// tokenOf is the API's view of an issued token; secret only at creation.
func tokenOf(t *tokens.Issued, secret string) api.IssuedToken {
	out := api.IssuedToken{Id: t.ID, Name: t.Name, ReadOnly: t.ReadOnly, Zones: []string{}, Names: []string{}, Types: []string{},
		Created: t.Created, CreatedBy: t.CreatedBy, Expired: t.Expired(time.Now())}
	if t.Description != "" {
		out.Description = ptr(t.Description)
	}
	if !t.Expires.IsZero() {
		out.Expires = ptr(t.Expires)
	}
	for _, z := range t.Zones {
		out.Zones = append(out.Zones, strings.TrimSuffix(z, "."))
	}
	out.Names = append(out.Names, t.Names...)
	for _, typ := range t.Types {
		out.Types = append(out.Types, dns.TypeToString[typ])
	}
	if secret != "" {
		out.Secret = ptr(secret)
	}
	return out
}

// issuer returns the caller, who must be a token of the Corefile or one
// made here, not read-only.
func (a *API) issuer(ctx context.Context, what string) (*auth.Token, error) {
	if a.Tokens == nil {
		return nil, fmt.Errorf("%w: no token store", pipeline.ErrInternal)
	}
	caller := auth.From(ctx)
	if caller == auth.Anonymous {
		return nil, &problem.Problem{Status: http.StatusConflict, Code: "no-admin-token", Title: "No token in the Corefile",
			Detail: "the API has no token, so every request is anonymous and a token made here would protect nothing",
			Hint:   "Add a token line to the zoneapi block of the Corefile, and call this with it."}
	}
	if caller.ReadOnly {
		return nil, fmt.Errorf("token %s is read-only and may not %s: %w", caller.Name, what, auth.ErrForbidden)
	}
	return caller, nil
}

// CreateToken implements api.StrictServerInterface.
func (a *API) CreateToken(ctx context.Context, req api.CreateTokenRequestObject) (api.CreateTokenResponseObject, error) {
	caller, err := a.issuer(ctx, "make tokens")
	if err != nil {
		return nil, err
	}
	in := req.Body
	t := &tokens.Issued{Token: auth.Token{Name: in.Name, ReadOnly: in.ReadOnly != nil && *in.ReadOnly}, CreatedBy: caller.Name}
	if in.Description != nil {
		t.Description = *in.Description
	}
	bad := func(pointer, detail, hint string) error {
		return &problem.Problem{Status: http.StatusUnprocessableEntity, Code: "bad-scope", Title: "Bad scope", Detail: detail, Pointer: pointer, Hint: hint}
	}
	for i, z := range deref(in.Zones) {
		origin, err := originOf(z)
		if err != nil {
			return nil, bad(fmt.Sprintf("/zones/%d", i), err.Error(), "Give zone names such as example.org.")
		}
		t.Zones = append(t.Zones, origin)
	}
	for _, n := range deref(in.Names) {
		t.Names = append(t.Names, strings.ToLower(dns.Fqdn(n)))
	}
	for i, s := range deref(in.Types) {
		typ, ok := dns.StringToType[strings.ToUpper(s)]
		if !ok {
			return nil, bad(fmt.Sprintf("/types/%d", i), fmt.Sprintf("%q is not an RR type", s), "Give RR type mnemonics such as TXT.")
		}
		t.Types = append(t.Types, typ)
	}
	if in.ExpiresIn != nil {
		t.Expires = time.Now().UTC().Add(time.Duration(*in.ExpiresIn) * time.Second).Truncate(time.Second)
	}
	if pointer, detail := beyond(caller, &t.Token); pointer != "" {
		return nil, &problem.Problem{Status: http.StatusForbidden, Code: "scope-beyond-caller", Title: "Scope beyond the caller's",
			Detail: fmt.Sprintf("token %s may not give %s", caller.Name, detail), Pointer: pointer,
			Hint: "A token can only be given a scope within the caller's: its zones, names and types, read-only if the caller is."}
	}
	secret, err := a.Tokens.Create(t, func(name string) bool { return slices.Contains(a.corefileTokens(), name) })
	if errors.Is(err, tokens.ErrNameTaken) {
		return nil, &problem.Problem{Status: http.StatusConflict, Code: "token-exists", Title: "Token name taken", Detail: err.Error(), Pointer: "/name",
			Hint: "Give the token another name, or revoke the one that has it."}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
	}
	log.Infof("audit token=%s op=createToken token %s (%s) made%s", caller.Name, t.Name, t.ID, expiry(t))
	return api.CreateToken201JSONResponse(tokenOf(t, secret)), nil
}

func expiry(t *tokens.Issued) string {
	if t.Expires.IsZero() {
		return ""
	}
	return ", expires " + t.Expires.Format(time.RFC3339)
}

func deref(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

// beyond returns where the scope of t goes beyond the caller's, with a
// few words on what, or "" if it does not.
func beyond(caller, t *auth.Token) (string, string) {
	if p, d := outside("/zones", "zone", caller.Zones, t.Zones, func(z string) string { return z }); p != "" {
		return p, d
	}
	if p, d := outside("/names", "name", caller.Names, t.Names, func(n string) string { return n }); p != "" {
		return p, d
	}
	return outside("/types", "type", caller.Types, t.Types, func(typ uint16) string { return dns.TypeToString[typ] })
}

// outside is beyond for one kind of scope: a caller limited to have
// gives none of it unlimited, and nothing not in have.
func outside[T comparable](pointer, what string, have, want []T, show func(T) string) (string, string) {
	if len(have) == 0 {
		return "", ""
	}
	if len(want) == 0 {
		return pointer, "every " + what
	}
	for i, v := range want {
		if !slices.Contains(have, v) {
			return fmt.Sprintf("%s/%d", pointer, i), what + " " + show(v)
		}
	}
	return "", ""
}

// ListTokens implements api.StrictServerInterface.
func (a *API) ListTokens(ctx context.Context, _ api.ListTokensRequestObject) (api.ListTokensResponseObject, error) {
	caller, err := a.issuer(ctx, "list tokens")
	if err != nil {
		return nil, err
	}
	out := api.TokenList{Tokens: []api.IssuedToken{}}
	for _, t := range a.Tokens.List() {
		if caller.Full() || t.CreatedBy == caller.Name {
			out.Tokens = append(out.Tokens, tokenOf(t, ""))
		}
	}
	return api.ListTokens200JSONResponse(out), nil
}

// RevokeToken implements api.StrictServerInterface.
func (a *API) RevokeToken(ctx context.Context, req api.RevokeTokenRequestObject) (api.RevokeTokenResponseObject, error) {
	caller, err := a.issuer(ctx, "revoke tokens")
	if err != nil {
		return nil, err
	}
	notFound := &problem.Problem{Status: http.StatusNotFound, Code: "token-not-found", Title: "Token not found", Detail: "no token " + req.TokenId,
		Hint: "List the tokens with listTokens."}
	i := slices.IndexFunc(a.Tokens.List(), func(t *tokens.Issued) bool { return t.ID == req.TokenId })
	if i < 0 {
		return nil, notFound
	}
	if t := a.Tokens.List()[i]; !caller.Full() && t.CreatedBy != caller.Name {
		return nil, fmt.Errorf("token %s may not revoke %s, which it did not make: %w", caller.Name, t.Name, auth.ErrForbidden)
	}
	gone, err := a.Tokens.Revoke(req.TokenId)
	if errors.Is(err, tokens.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", pipeline.ErrPersist, err)
	}
	log.Infof("audit token=%s op=revokeToken token %s (%s) revoked", caller.Name, gone.Name, gone.ID)
	return api.RevokeToken204Response{}, nil
}
