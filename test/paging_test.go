package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// get sends a GET of path (below /v1, or absolute from a Link header) and
// returns its status, body decoded into out, and the next page's path.
func (e *apiEnv) page(path string, out any) (int, string) {
	e.t.Helper()
	url := e.base + path
	if strings.HasPrefix(path, "/v1/") {
		url = strings.TrimSuffix(e.base, "/v1") + path
	}
	req, _ := http.NewRequest("GET", url, nil)
	resp, err := e.doer.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, out)
	next := ""
	if m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(resp.Header.Get("Link")); m != nil {
		next = m[1]
	}
	return resp.StatusCode, next
}

// TestListsComeInPages: with limit, records and zones come a page at a
// time, the Link header naming the next; following it gives every item
// once, in order; a zone changed between pages makes the next one 409;
// search finds by name or value; a cursor not of this server is 400.
func TestListsComeInPages(t *testing.T) {
	e := startAPI(t, "", "store/example.org.zone")
	type rec struct{ ID, Name, Type, Value string }
	for i := range 10 {
		if s := e.call("POST", "/zones/example.org/records", "", fmt.Sprintf(`{"name":"h%d","type":"A","value":"192.0.2.%d"}`, i, 100+i), nil); s != 201 {
			t.Fatalf("add h%d: %d", i, s)
		}
	}
	e.call("POST", "/zones/example.org/records", "", `{"name":"@","type":"MX","value":"10 mail.example.net."}`, nil)
	var all []rec
	if s, next := e.page("/zones/example.org/records", &all); s != 200 || next != "" || len(all) < 14 {
		t.Fatalf("the whole list: %d, next %q, %d records", s, next, len(all))
	}
	var paged []rec
	pages := 0
	for next := "/zones/example.org/records?limit=4"; next != ""; pages++ {
		var page []rec
		var s int
		s, next = e.page(next, &page)
		if s != 200 || len(page) == 0 || len(page) > 4 {
			t.Fatalf("page %d: %d, %d records", pages, s, len(page))
		}
		paged = append(paged, page...)
	}
	if !slices.Equal(paged, all) || pages != (len(all)+3)/4 {
		t.Errorf("%d pages of 4 gave %d records; the list has %d", pages, len(paged), len(all))
	}

	// A change between two pages.
	var first []rec
	_, next := e.page("/zones/example.org/records?limit=4", &first)
	e.call("POST", "/zones/example.org/records", "", `{"name":"late","type":"A","value":"192.0.2.99"}`, nil)
	var p struct{ Code string }
	if s, _ := e.page(next, &p); s != 409 || p.Code != "stale-cursor" {
		t.Errorf("the next page of a changed zone: %d %s", s, p.Code)
	}
	if s, _ := e.page("/zones/example.org/records?limit=4&cursor=bm90LW91cnM", &p); s != 400 || p.Code != "invalid-request" {
		t.Errorf("a cursor not of this server: %d %s", s, p.Code)
	}

	// Search: by name, by value, with a type, in pages.
	var found []rec
	if s, _ := e.page("/zones/example.org/records?search=H1", &found); s != 200 || len(found) != 1 || found[0].Name != "h1" {
		t.Errorf("search by name: %d %v", s, found)
	}
	found = nil
	if s, _ := e.page("/zones/example.org/records?search=example.NET", &found); s != 200 || len(found) != 1 || found[0].Type != "MX" {
		t.Errorf("search by value: %d %v", s, found)
	}
	found = nil
	if s, next := e.page("/zones/example.org/records?search=192.0.2.10&type=A&limit=5", &found); s != 200 || len(found) != 5 || !strings.Contains(next, "search=192.0.2.10") || !strings.Contains(next, "type=A") {
		t.Errorf("search in pages: %d, %d records, next %q", s, len(found), next)
	}

	// Zones by name.
	for _, z := range []string{"a.test", "b.test", "c.test"} {
		if s := e.call("POST", "/zones", "", `{"name":"`+z+`"}`, nil); s != 201 {
			t.Fatalf("create %s: %d", z, s)
		}
	}
	var names []string
	for next := "/zones?limit=2"; next != ""; {
		var zs []struct{ Name string }
		_, next = e.page(next, &zs)
		for _, z := range zs {
			names = append(names, z.Name)
		}
	}
	if len(names) != 4 || !slices.Contains(names, "example.org") || !slices.Contains(names, "c.test") {
		t.Errorf("zones in pages of 2: %v", names)
	}
	var zs []struct{ Name string }
	if s, _ := e.page("/zones?search=B.TE", &zs); s != 200 || len(zs) != 1 || zs[0].Name != "b.test" {
		t.Errorf("zones by search: %d %v", s, zs)
	}
}
