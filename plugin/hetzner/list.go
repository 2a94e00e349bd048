package hetzner

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Lists page as Hetzner's do: page from 1, per_page 25 by default and at
// most maxPerPage, and meta.pagination with null for a page that is not
// there. A page past the last is empty.
const (
	defaultPerPage = 25
	maxPerPage     = 100
)

type pagination struct {
	Page         int  `json:"page"`
	PerPage      int  `json:"per_page"`
	PreviousPage *int `json:"previous_page"`
	NextPage     *int `json:"next_page"`
	LastPage     int  `json:"last_page"`
	TotalEntries int  `json:"total_entries"`
}

type metaJSON struct {
	Pagination pagination `json:"pagination"`
}

// listParams are what every list takes: its page, label selector and sort.
type listParams struct {
	page, perPage int
	sel           selector
	keys          []sortKey
}

// parseList reads a list's parameters; sortable are the fields it sorts by.
func parseList(q url.Values, sortable ...string) (listParams, error) {
	var (
		l   listParams
		err error
	)
	if l.page, l.perPage, err = paging(q); err != nil {
		return l, err
	}
	if l.sel, err = parseSelector(q.Get("label_selector")); err != nil {
		return l, err
	}
	l.keys, err = sortKeys(q, sortable...)
	return l, err
}

// paging reads page and per_page.
func paging(q url.Values) (page, perPage int, err error) {
	page, perPage = 1, defaultPerPage
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, invalid("page", "must be a whole number of 1 or more")
		}
	}
	if v := q.Get("per_page"); v != "" {
		if perPage, err = strconv.Atoi(v); err != nil || perPage < 1 || perPage > maxPerPage {
			return 0, 0, invalid("per_page", "must be a whole number from 1 to %d", maxPerPage)
		}
	}
	return page, perPage, nil
}

// pageOf returns the items of the page and its pagination.
func pageOf[T any](items []T, page, perPage int) ([]T, metaJSON) {
	total := len(items)
	last := max(1, (total+perPage-1)/perPage)
	p := pagination{Page: page, PerPage: perPage, LastPage: last, TotalEntries: total}
	if page > 1 {
		prev := min(page-1, last)
		p.PreviousPage = &prev
	}
	if page < last {
		next := page + 1
		p.NextPage = &next
	}
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)
	return items[from:to], metaJSON{Pagination: p}
}

// sortKeys reads the sort parameters: each "field", "field:asc" or
// "field:desc", with field one of allowed.
func sortKeys(q url.Values, allowed ...string) ([]sortKey, error) {
	var keys []sortKey
	for _, s := range q["sort"] {
		field, dir, _ := strings.Cut(s, ":")
		ok := false
		for _, a := range allowed {
			ok = ok || a == field
		}
		if !ok || (dir != "" && dir != "asc" && dir != "desc") {
			return nil, invalid("sort", "%q: sort by %s, each optionally :asc or :desc", s, strings.Join(allowed, ", "))
		}
		keys = append(keys, sortKey{field: field, desc: dir == "desc"})
	}
	return keys, nil
}

type sortKey struct {
	field string
	desc  bool
}

// less orders by keys, with cmp comparing two items on one field.
func ordered[T any](keys []sortKey, cmp func(a, b T, field string) int) func(a, b T) int {
	return func(a, b T) int {
		for _, k := range keys {
			if c := cmp(a, b, k.field); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return 0
	}
}

// selector is a label selector as Hetzner's lists take it: terms joined by
// commas, each "k", "!k", "k=v", "k==v", "k!=v", "k in (a,b)" or
// "k notin (a,b)"; an object matches when every term does.
type selector []func(map[string]string) bool

var (
	setTerm = regexp.MustCompile(`^([^\s!=,()]+)\s+(in|notin)\s+\(([^()]*)\)$`)
	eqTerm  = regexp.MustCompile(`^([^\s!=,()]+)\s*(==|=|!=)\s*([^\s!=,()]*)$`)
	hasTerm = regexp.MustCompile(`^(!?)([^\s!=,()]+)$`)
)

func parseSelector(s string) (selector, error) {
	var sel selector
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, term := range splitTerms(s) {
		term = strings.TrimSpace(term)
		switch {
		case setTerm.MatchString(term):
			m := setTerm.FindStringSubmatch(term)
			vals := map[string]bool{}
			for _, v := range strings.Split(m[3], ",") {
				vals[strings.TrimSpace(v)] = true
			}
			k, in := m[1], m[2] == "in"
			sel = append(sel, func(l map[string]string) bool {
				v, ok := l[k]
				return (ok && vals[v]) == in
			})
		case eqTerm.MatchString(term):
			m := eqTerm.FindStringSubmatch(term)
			k, op, v := m[1], m[2], m[3]
			sel = append(sel, func(l map[string]string) bool {
				got, ok := l[k]
				return (ok && got == v) == (op != "!=")
			})
		case hasTerm.MatchString(term):
			m := hasTerm.FindStringSubmatch(term)
			not, k := m[1] == "!", m[2]
			sel = append(sel, func(l map[string]string) bool {
				_, ok := l[k]
				return ok != not
			})
		default:
			return nil, invalid("label_selector", "%q is not a label selector term", term)
		}
	}
	return sel, nil
}

// splitTerms splits s at the commas outside parentheses.
func splitTerms(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (sel selector) matches(labels map[string]string) bool {
	for _, f := range sel {
		if !f(labels) {
			return false
		}
	}
	return true
}

// Labels are as Hetzner's: a key of at most 63 characters, optionally
// after a DNS-name prefix and a slash; a value of at most 63, possibly
// empty; both of letters, digits, '-', '_' and '.', beginning and ending
// with a letter or digit.
var (
	labelPart  = `[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?`
	labelKeyRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?` + labelPart + `$`)
	labelValRE = regexp.MustCompile(`^(` + labelPart + `)?$`)
)

func checkLabels(field string, labels map[string]string) error {
	for _, k := range sortedKeys(labels) {
		if !labelKeyRE.MatchString(k) {
			return invalid(field, "label key %q is not valid", k)
		}
		if !labelValRE.MatchString(labels[k]) {
			return invalid(field, "label value %q of %q is not valid", labels[k], k)
		}
	}
	return nil
}
