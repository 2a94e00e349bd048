package store

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastYAML reads src into the node tree yaml.v3 would give, when src keeps
// to the block style that FormatYAML writes: mappings and lists one entry
// a line, two spaces of indentation, plain or single-quoted scalars, no
// comments, flow collections (svcparams are one), anchors, tags or scalars
// over several lines.
// It is what makes a large zone written here load in a fraction of
// yaml.v3's time; anything else, false, and yaml.v3 reads the file.
func fastYAML(src []byte) (*yaml.Node, bool) {
	p := fastParser{}
	for i, raw := range bytes.Split(src, []byte("\n")) {
		line := string(raw)
		if !utf8.ValidString(line) || strings.ContainsFunc(line, notPrintable) {
			return nil, false
		}
		if strings.Trim(line, " ") == "" || (i == 0 && line == "---") || strings.HasPrefix(line, YAMLNotePrefix) {
			continue // a note is a comment line, which YAML passes over
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		text := line[indent:]
		if strings.HasPrefix(text, "#") {
			return nil, false
		}
		if indent == 0 && (strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...")) {
			return nil, false // a document's marker
		}
		p.lines = append(p.lines, fastLine{indent: indent, text: text, no: i + 1})
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Line: 1}
	if len(p.lines) == 0 {
		return nil, false // yaml.v3 tells an empty file from "---"
	}
	root, ok := p.block(0)
	if !ok || p.pos != len(p.lines) {
		return nil, false
	}
	doc.Content, doc.Line = []*yaml.Node{root}, root.Line
	if bytes.HasPrefix(src, []byte("---\n")) {
		doc.Line = 1 // the document begins at its marker
	}
	return doc, true
}

// notPrintable reports whether YAML refuses r in a stream (YAML 1.2
// §5.1), or gives it a meaning in this subset (a tab).
func notPrintable(r rune) bool {
	switch {
	case r == 0x2028 || r == 0x2029: // line breaks to YAML 1.1's readers
		return true
	case r >= 0x20 && r <= 0x7e, r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd && r != 0xfeff, r >= 0x10000 && r <= 0x10ffff:
		return false
	}
	return true // and NEL (0x85), a line break too
}

type fastLine struct {
	indent int
	text   string
	no     int
}

type fastParser struct {
	lines []fastLine
	pos   int
}

// block reads the mapping or list that starts at the current line, whose
// indentation is indent.
func (p *fastParser) block(indent int) (*yaml.Node, bool) {
	l := p.lines[p.pos]
	if l.indent != indent {
		return nil, false
	}
	if strings.HasPrefix(l.text, "- ") || l.text == "-" {
		return p.list(indent)
	}
	return p.mapping(indent, l.text, l.no)
}

// mapping reads a mapping at indent whose first entry is first (the rest
// of a line: a list item's mapping starts after its "- ").
func (p *fastParser) mapping(indent int, first string, line int) (*yaml.Node, bool) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
	text := first
	for {
		l := p.lines[p.pos]
		k, rest, ok := fastKey(text)
		if !ok {
			return nil, false
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Line: l.no}
		p.pos++
		var val *yaml.Node
		if rest == "" {
			// A nested block: deeper, or a list at this indentation.
			if p.pos == len(p.lines) {
				return nil, false
			}
			next := p.lines[p.pos]
			switch {
			case next.indent > indent:
				val, ok = p.block(next.indent)
			case next.indent == indent && strings.HasPrefix(next.text, "- "):
				val, ok = p.list(indent)
			default:
				ok = false
			}
		} else {
			val, ok = fastScalar(rest, l.no)
		}
		if !ok {
			return nil, false
		}
		m.Content = append(m.Content, key, val)
		if p.pos == len(p.lines) {
			return m, true
		}
		next := p.lines[p.pos]
		if next.indent < indent || (next.indent == indent && strings.HasPrefix(next.text, "- ")) {
			return m, true
		}
		if next.indent != indent {
			return nil, false
		}
		text = next.text
	}
}

// list reads a list at indent.
func (p *fastParser) list(indent int) (*yaml.Node, bool) {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: p.lines[p.pos].no}
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent < indent || (l.indent == indent && !strings.HasPrefix(l.text, "- ")) {
			break // the list ends; what holds it goes on
		}
		if l.indent != indent {
			return nil, false
		}
		item := l.text[2:]
		var n *yaml.Node
		var ok bool
		if _, _, isKey := fastKey(item); isKey {
			// A mapping in the item: its first entry on this line, the
			// others two spaces in.
			n, ok = p.mapping(indent+2, item, l.no)
		} else {
			n, ok = fastScalar(item, l.no)
			p.pos++
		}
		if !ok {
			return nil, false
		}
		s.Content = append(s.Content, n)
	}
	return s, true
}

// fastKey splits "key: value" or "key:" into the key and the value's text.
// An implicit key is at most 1024 characters long (YAML 1.2 §7.4.2).
func fastKey(text string) (key, rest string, ok bool) {
	if i := strings.Index(text, ": "); i > 1000 || (i < 0 && len(text) > 1000) {
		return "", "", false
	}
	if strings.HasPrefix(text, "'") {
		k, n, ok := singleQuoted(text)
		if !ok {
			return "", "", false
		}
		after := text[n:]
		switch {
		case after == ":":
			return k, "", true
		case strings.HasPrefix(after, ": "):
			return k, after[2:], true
		}
		return "", "", false
	}
	k, rest, found := strings.Cut(text, ": ")
	if !found {
		if !strings.HasSuffix(text, ":") {
			return "", "", false
		}
		k, rest = strings.TrimSuffix(text, ":"), ""
	}
	if !plainSyntax(k) || strings.Contains(k, ":") {
		return "", "", false
	}
	return k, rest, true
}

// fastScalar reads a scalar that is the rest of a line.
func fastScalar(text string, line int) (*yaml.Node, bool) {
	if strings.HasPrefix(text, "'") {
		s, n, ok := singleQuoted(text)
		if !ok || n != len(text) {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.SingleQuotedStyle, Value: s, Line: line}, true
	}
	if !plainSyntax(text) {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Value: text, Line: line}, true
}

// singleQuoted reads a single-quoted scalar at the start of text: its
// value and its length in text.
func singleQuoted(text string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(text); i++ {
		if text[i] != '\'' {
			b.WriteByte(text[i])
			continue
		}
		if i+1 < len(text) && text[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}
