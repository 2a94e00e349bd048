package rest

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestRequestSchemasAre30 keeps every schema a request is validated against
// within what OpenAPI 3.0 means the same way: the runtime validator reads the
// document as 3.0 (see httpapi.Validator).
func TestRequestSchemasAre30(t *testing.T) {
	a, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	doc := a.doc
	seen := map[*openapi3.Schema]bool{}
	var check func(where string, s *openapi3.SchemaRef)
	check = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil || seen[s.Value] {
			return
		}
		v := s.Value
		seen[v] = true
		if v.Type != nil && len(*v.Type) > 1 {
			t.Errorf("%s: type %v is a 3.1 type list", where, *v.Type)
		}
		if v.Const != nil || v.PrefixItems != nil || v.If != nil || v.DependentRequired != nil || v.UnevaluatedProperties.Has != nil {
			t.Errorf("%s: uses a JSON Schema 2020-12 keyword", where)
		}
		for name, p := range v.Properties {
			check(where+"/"+name, p)
		}
		check(where+"/items", v.Items)
		for _, x := range append(append(v.OneOf, v.AnyOf...), v.AllOf...) {
			check(where, x)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range append(op.Parameters, item.Parameters...) {
				check(where+" "+p.Value.Name, p.Value.Schema)
			}
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					check(where+" "+ct, mt.Schema)
				}
			}
		}
	}
	if len(seen) < 10 {
		t.Fatalf("only %d schemas checked", len(seen))
	}
}

// TestEveryOperationMayBeAnonymous: the document says what the server
// does, that a server without tokens takes requests without one, so that
// validators and generated clients do not refuse what it allows: every
// operation's security has the empty requirement, or none.
func TestEveryOperationMayBeAnonymous(t *testing.T) {
	a, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range a.doc.Paths.Map() {
		for method, op := range item.Operations() {
			sec := a.doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			anonymous := len(sec) == 0
			for _, req := range sec {
				anonymous = anonymous || len(req) == 0
			}
			if !anonymous {
				t.Errorf("%s %s (%s) demands a token: %v", method, path, op.OperationID, sec)
			}
		}
	}
}
