package hetzner

import (
	"net/url"
	"testing"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func TestLabelSelectorsMatchAsHetznersDo(t *testing.T) {
	labels := map[string]string{"env": "prod", "team": "web", "empty": ""}
	for sel, want := range map[string]bool{
		"env": true, "!env": false, "nope": false, "!nope": true,
		"env=prod": true, "env==prod": true, "env!=prod": false, "env=dev": false, "nope!=x": true,
		"env in (dev,prod)": true, "env in (dev)": false, "env notin (dev)": true, "nope notin (a)": true, "nope in (a)": false,
		"env=prod,team=web": true, "env=prod, team=ops": false, "env in (a,prod),team": true,
		"empty=": true, "": true,
	} {
		s, err := parseSelector(sel)
		if err != nil {
			t.Errorf("%q: %v", sel, err)
			continue
		}
		if got := s.matches(labels); got != want {
			t.Errorf("%q matches %v, want %v", sel, got, want)
		}
	}
	for _, bad := range []string{"a in b", "=x", "a b", "(a)"} {
		if _, err := parseSelector(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPagesAsHetznersAre(t *testing.T) {
	items := make([]int, 12)
	for _, c := range []struct {
		page, per, n, last int
		prev, next         *int
	}{
		{1, 5, 5, 3, nil, ptr(2)},
		{3, 5, 2, 3, ptr(2), nil},
		{4, 5, 0, 3, ptr(3), nil},
		{1, 25, 12, 1, nil, nil},
	} {
		got, meta := pageOf(items, c.page, c.per)
		p := meta.Pagination
		if len(got) != c.n || p.LastPage != c.last || p.TotalEntries != 12 || !same(p.PreviousPage, c.prev) || !same(p.NextPage, c.next) {
			t.Errorf("page %d of %d: %d items, %+v", c.page, c.per, len(got), p)
		}
	}
	empty, meta := pageOf([]int{}, 1, 25)
	if len(empty) != 0 || meta.Pagination.LastPage != 1 || meta.Pagination.NextPage != nil {
		t.Errorf("no items: %+v", meta.Pagination)
	}
	for _, q := range []string{"page=0", "page=x", "per_page=0", "per_page=101"} {
		v, _ := url.ParseQuery(q)
		if _, _, err := paging(v); err == nil {
			t.Errorf("%s: no error", q)
		}
	}
}

func TestContentComparesValuesAsRecords(t *testing.T) {
	ttl := 60
	content := func(typ string, values ...string) string {
		r := schema.ZoneRRSet{Name: "www", Type: typ, TTL: &ttl}
		for _, v := range values {
			r.Records = append(r.Records, schema.ZoneRRSetRecord{Value: v})
		}
		c, err := Content("example.org.", r)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if content("AAAA", "2001:0db8::1") != content("AAAA", "2001:db8::1") {
		t.Error("one AAAA written two ways differs")
	}
	if content("MX", "10 mail") != content("MX", "10 mail.example.org.") {
		t.Error("a name relative to the zone differs from it absolute")
	}
	if content("A", "192.0.2.1", "192.0.2.2") != content("A", "192.0.2.2", "192.0.2.1") {
		t.Error("the order of the records matters")
	}
	if content("TXT", `"ab"`) == content("TXT", `"a" "b"`) {
		t.Error(`"ab" and "a" "b" are different TXT records`)
	}
	if _, err := Content("example.org.", schema.ZoneRRSet{Name: "www", Type: "A", Records: []schema.ZoneRRSetRecord{{Value: "999.1.1.1"}}}); err == nil {
		t.Error("an invalid value has a content")
	}
}

func ptr(i int) *int { return &i }

func same(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
