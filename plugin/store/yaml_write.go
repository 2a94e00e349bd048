package store

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// FormatYAML writes z in octoDNS's YAML format (octodns.go), in one
// canonical form: names sorted (” first), at each name its records by
// type, their fields sorted, `value` for one and `values` for several, a
// TTL of 3600 left out; so that a change shows in a diff as the lines of
// the records it changed. With unsigned, the records a signer derives
// are left out.
func FormatYAML(w io.Writer, z *zone.Zone, unsigned bool) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	origin := z.Origin()
	type named struct {
		rel  string
		sets []zone.RRset
	}
	var names []named
	z.Walk(func(n *zone.Node) bool {
		var sets []zone.RRset
		for _, s := range n.Sets {
			if !unsigned || !Derived(s.Type) {
				sets = append(sets, s)
			}
		}
		if len(sets) > 0 {
			rel := relative(strings.ToLower(n.Name), origin)
			if rel == "@" {
				rel = ""
			}
			slices.SortFunc(sets, func(a, b zone.RRset) int { return strings.Compare(typeName(a.Type), typeName(b.Type)) })
			names = append(names, named{rel, sets})
		}
		return true
	})
	slices.SortFunc(names, func(a, b named) int { return strings.Compare(a.rel, b.rel) })
	bw.WriteString("---\n")
	// The zone's notes (the Hetzner API's RRset labels): comment lines,
	// which a reader of octoDNS's format passes over.
	for _, k := range z.NoteKeys() {
		v, _ := z.Note(k)
		bw.WriteString(YAMLNotePrefix + k + " " + v + "\n")
	}
	for _, n := range names {
		bw.WriteString(yamlString(n.rel))
		bw.WriteString(":\n")
		for _, s := range n.sets {
			indent := "  "
			if len(n.sets) > 1 {
				bw.WriteString("- ")
			} else {
				bw.WriteString("  ")
			}
			first := true
			line := func(k string) {
				if !first {
					bw.WriteString(indent)
				}
				first = false
				bw.WriteString(k)
			}
			if ttl := s.RRs[0].Header().Ttl; ttl != 3600 {
				line("ttl: " + strconv.FormatUint(uint64(ttl), 10) + "\n")
			}
			line("type: " + typeName(s.Type) + "\n")
			if len(s.RRs) == 1 {
				line("value:")
				writeValue(bw, s.RRs[0], indent+"  ", false)
			} else {
				line("values:\n")
				for _, rr := range s.RRs {
					bw.WriteString(indent + "- ")
					writeValue(bw, rr, indent+"  ", true)
				}
			}
		}
	}
	return bw.Flush()
}

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}

// writeValue writes the value of rr after "value:" (inList false) or
// after "- " (inList true); a mapping's fields go at indent.
func writeValue(w *bufio.Writer, rr dns.RR, indent string, inList bool) {
	scalar := func(s string) {
		if !inList {
			w.WriteString(" ")
		}
		w.WriteString(yamlString(s))
		w.WriteString("\n")
	}
	mapping := func(keys []string, vals map[string]string) {
		slices.Sort(keys)
		for i, k := range keys {
			switch {
			case i == 0 && inList:
			case i == 0:
				w.WriteString("\n" + indent)
			default:
				w.WriteString(indent)
			}
			w.WriteString(k + ": " + vals[k] + "\n")
		}
	}
	t := rr.Header().Rrtype
	rdata := RDATA(rr)
	switch {
	case t == dns.TypeTXT || t == dns.TypeSPF:
		if text, ok := literalText(rr); ok {
			scalar(strings.ReplaceAll(text, ";", `\;`))
			return
		}
	case octoTypes[t] != nil:
		if keys, vals, ok := octoValue(rr, rdata); ok {
			mapping(keys, vals)
			return
		}
	default:
		scalar(rdata)
		return
	}
	// What octoDNS's fields cannot say as it is: the RDATA itself.
	mapping([]string{"rdata"}, map[string]string{"rdata": yamlString(rdata)})
}

// literalText is the text of a TXT record as octoDNS writes it: its
// strings joined, when they are the 255-byte pieces of that text and it is
// UTF-8 without control characters (which YAML cannot hold as they are).
func literalText(rr dns.RR) (string, bool) {
	strs, err := TXTStrings(rr)
	if err != nil {
		return "", false
	}
	for i, s := range strs {
		if (i < len(strs)-1 && len(s) != 255) || (len(strs) > 1 && len(s) == 0) {
			return "", false
		}
	}
	text := string(bytes.Join(strs, nil))
	if !utf8.ValidString(text) || strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	return text, true
}

// octoValue is the value of rr, one of octoTypes, as octoDNS's fields.
func octoValue(rr dns.RR, rdata string) ([]string, map[string]string, bool) {
	fields := octoTypes[rr.Header().Rrtype]
	words, ok := splitRDATA(rdata)
	if !ok || len(words) < len(fields) {
		return nil, nil, false
	}
	vals := map[string]string{}
	keys := make([]string, 0, len(fields)+1)
	for i, f := range fields {
		word := words[i]
		if f.quoted {
			word = unquote(word)
		}
		word = strings.TrimSuffix(word, f.unit)
		if n, err := strconv.ParseInt(word, 10, 64); err == nil && f.num {
			vals[f.name] = strconv.FormatInt(n, 10) // LOC's 04 is 4
		} else if _, err := strconv.ParseFloat(word, 64); err == nil && f.num {
			vals[f.name] = word
		} else {
			vals[f.name] = yamlString(word)
		}
		keys = append(keys, f.name)
	}
	if rest := words[len(fields):]; len(rest) > 0 {
		t := rr.Header().Rrtype
		if t != dns.TypeSVCB && t != dns.TypeHTTPS {
			return nil, nil, false
		}
		var b strings.Builder
		b.WriteString("{")
		for i, p := range rest {
			k, v, has := strings.Cut(p, "=")
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(yamlString(k) + ": ")
			v = unquote(v)
			switch {
			case !has:
				b.WriteString("null")
			case k == "alpn" || k == "mandatory":
				parts := strings.Split(v, ",")
				for j := range parts {
					parts[j] = yamlString(parts[j])
				}
				b.WriteString("[" + strings.Join(parts, ", ") + "]")
			default:
				b.WriteString(yamlString(v))
			}
		}
		b.WriteString("}")
		vals["svcparams"] = b.String()
		keys = append(keys, "svcparams")
	}
	return keys, vals, true
}

// splitRDATA splits presentation RDATA into its words, a quoted string
// being one.
func splitRDATA(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	quoted, escaped, in := false, false, false
	for _, c := range s {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t'):
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
			continue
		}
		cur.WriteRune(c)
		in = true
	}
	if in {
		out = append(out, cur.String())
	}
	return out, !quoted
}

// yamlString writes s as a YAML scalar that reads back as the text s:
// plain when it can be, quoted when it would read as something else (a
// number, a boolean, null) or has characters YAML gives a meaning.
func yamlString(s string) string {
	if plain(s) {
		return s
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// plain reports whether YAML reads s unquoted, in block context, as the
// text s.
func plain(s string) bool { return plainSyntax(s) && !yamlKeyword(s) }

// plainSyntax reports whether s is a plain scalar of one line, in block
// context, whose text is s (it may read as a number or a boolean).
func plainSyntax(s string) bool {
	if s == "" || strings.ContainsRune(",[]{}#&*!|>'\"%@` \t", rune(s[0])) {
		return false
	}
	// -, ? and : begin a plain scalar only when what follows is not a
	// space (-2 is one; "- 2" a list).
	if strings.ContainsRune("-?:", rune(s[0])) && (len(s) == 1 || s[1] == ' ') {
		return false
	}
	if strings.HasSuffix(s, " ") || strings.HasSuffix(s, ":") || strings.Contains(s, ": ") || strings.Contains(s, " #") || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\t' })
}

// yamlKeyword reports whether YAML (1.1 or 1.2) reads s as other than a
// string.
func yamlKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "no", "on", "off", "true", "false", "null", "~", ".inf", ".nan":
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return true
	}
	return strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0o")
}
