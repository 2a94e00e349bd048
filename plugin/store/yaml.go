package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
	"go.yaml.in/yaml/v3"
)

// YAMLExt is the extension of zone files in octoDNS's YAML format.
const YAMLExt = ".yaml"

// YAMLNotePrefix begins a note of a YAML zone file (zone.Zone.Note), a
// comment line after the document's marker: NotePrefix as YAML writes a
// comment.
const YAMLNotePrefix = "#@note "

// ReadYAMLFile is ReadFile for a zone file in octoDNS's YAML format
// (octodns.go).
func ReadYAMLFile(path, origin string, opt Options) (*zone.Zone, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &FileError{File: path, Err: err}
	}
	defer f.Close()
	return ReadYAML(f, path, origin, opt)
}

// ReadYAML is Read for octoDNS's YAML format: the same zone rules, the
// same file:line errors, the zone's source YAML. A file without an SOA
// gets the SOA (and, without an apex NS, the NS) that a zone made through
// the API gets, with a warning: octoDNS leaves both to the provider.
func ReadYAML(r io.Reader, name, origin string, opt Options) (*zone.Zone, []Warning, error) {
	origin = strings.ToLower(dns.Fqdn(origin))
	tx, err := zone.New(origin)
	if err != nil {
		return nil, nil, &FileError{File: name, Err: err}
	}
	tx.SetLimit(opt.MaxRecords)
	tx.SetSource(zone.SourceYAML)
	at := func(n *yaml.Node, format string, a ...any) error {
		return &FileError{File: name, Line: n.Line, Err: fmt.Errorf(format, a...)}
	}
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, &FileError{File: name, Err: err}
	}
	doc, fast := fastYAML(src)
	if !fast {
		doc = &yaml.Node{}
		if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(doc); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, yamlError(name, src, err)
		}
	}
	var warns []Warning
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			return nil, nil, at(root, "a zone is a mapping of names to records, not a %s", kind(root))
		}
		y := yamlReader{origin: origin, name: name, tx: tx, names: map[string]int{}}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if err := y.atName(root.Content[i], root.Content[i+1]); err != nil {
				return nil, nil, err
			}
		}
		if opt.Progress != nil {
			opt.Progress.Records.Add(int64(y.count))
		}
	}
	// The notes are the comment lines that begin the file.
	for i, line := range bytes.Split(src, []byte("\n")) {
		if i == 0 && string(line) == "---" {
			continue
		}
		if !bytes.HasPrefix(line, []byte("#")) {
			break
		}
		if text, ok := bytes.CutPrefix(line, []byte(YAMLNotePrefix)); ok {
			k, v, _ := strings.Cut(strings.TrimSuffix(string(text), "\r"), " ")
			if err := tx.SetNote(k, v); err != nil {
				return nil, nil, &FileError{File: name, Line: i + 1, Err: fmt.Errorf("note %q: %w", k, err)}
			}
		}
	}
	if tx.RRset(origin, dns.TypeSOA) == nil {
		soa, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN SOA ns1.%s hostmaster.%s %s00 7200 3600 1209600 300", origin, origin, origin, time.Now().UTC().Format("20060102")))
		if err := tx.Add(soa); err != nil {
			return nil, nil, &FileError{File: name, Err: err}
		}
		warns = append(warns, Warning{File: name, Err: fmt.Errorf("no SOA: serving %s", soa)})
		if tx.RRset(origin, dns.TypeNS) == nil {
			ns, _ := dns.NewRR(fmt.Sprintf("%s 3600 IN NS ns1.%s", origin, origin))
			if err := tx.Add(ns); err != nil {
				return nil, nil, &FileError{File: name, Err: err}
			}
			warns = append(warns, Warning{File: name, Err: fmt.Errorf("no NS at the apex: serving %s", ns)})
		}
	}
	z, err := tx.Commit()
	if err != nil {
		return nil, warns, &FileError{File: name, Err: err}
	}
	return z, warns, nil
}

// yamlLine finds the line in the YAML parser's errors.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func yamlError(name string, src []byte, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		why := m[2]
		if lines := bytes.Split(src, []byte("\n")); line > 0 && line <= len(lines) && bytes.HasPrefix(bytes.TrimLeft(lines[line-1], " "), []byte("\t")) {
			why = "a tab: YAML indents with spaces (" + why + ")"
		}
		return &FileError{File: name, Line: line, Err: errors.New(why)}
	}
	return &FileError{File: name, Err: err}
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

// yamlReader reads the records of a YAML zone into tx.
type yamlReader struct {
	origin, name string
	tx           *zone.Txn
	names        map[string]int // the names read, lower-case, at their lines
	count        int
}

func (y *yamlReader) errAt(n *yaml.Node, format string, a ...any) error {
	return &FileError{File: y.name, Line: n.Line, Err: fmt.Errorf(format, a...)}
}

// atName reads the records at one name.
func (y *yamlReader) atName(k, v *yaml.Node) error {
	if k.Kind != yaml.ScalarNode {
		return y.errAt(k, "a name is a text, not a %s", kind(k))
	}
	rel := k.Value
	if line, dup := y.names[strings.ToLower(rel)]; dup {
		return y.errAt(k, "the name %q is here and at line %d: give it one list of records", rel, line)
	}
	y.names[strings.ToLower(rel)] = k.Line
	owner := y.origin
	switch {
	case rel == "@":
		return y.errAt(k, "the apex is '' in octoDNS's format, not @")
	case strings.HasSuffix(rel, "."):
		return y.errAt(k, "the name %q ends with a dot: names are relative to the zone", rel)
	case rel != "":
		owner = rel + "." + y.origin
		if _, ok := dns.IsDomainName(owner); !ok || strings.Contains(rel, "..") || strings.HasPrefix(rel, ".") {
			return y.errAt(k, "%q is not a name", rel)
		}
	}
	var recs []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		recs = []*yaml.Node{v}
	case yaml.SequenceNode:
		recs = v.Content
	default:
		return y.errAt(v, "the records of %q are a mapping or a list of them, not a %s", rel, kind(v))
	}
	types := map[uint16]int{}
	for _, rec := range recs {
		if rec.Kind != yaml.MappingNode {
			return y.errAt(rec, "a record of %q is a mapping (type, ttl, value or values), not a %s", rel, kind(rec))
		}
		if err := y.record(rel, owner, rec, types); err != nil {
			return err
		}
	}
	return nil
}

// record reads one record (an RRset) at owner.
func (y *yamlReader) record(rel, owner string, rec *yaml.Node, types map[uint16]int) error {
	var typ, ttl, value, values *yaml.Node
	fields := map[string]bool{}
	for i := 0; i+1 < len(rec.Content); i += 2 {
		k, v := rec.Content[i], rec.Content[i+1]
		if fields[k.Value] {
			return y.errAt(k, "%q is twice in a record of %q", k.Value, rel)
		}
		fields[k.Value] = true
		switch k.Value {
		case "type":
			typ = v
		case "ttl":
			ttl = v
		case "value":
			value = v
		case "values":
			values = v
		case "octodns":
			return y.errAt(k, "octodns: a provider's settings for the record are not kept here; remove them")
		default:
			return y.errAt(k, "a record has no field %q (type, ttl, value or values)", k.Value)
		}
	}
	if typ == nil || typ.Kind != yaml.ScalarNode || typ.Value == "" {
		return y.errAt(rec, "a record of %q has no type", rel)
	}
	name := strings.ToUpper(typ.Value)
	if why, ok := providerTypes[name]; ok {
		return y.errAt(typ, "%s", why)
	}
	t, ok := dns.StringToType[name]
	if !ok {
		if n, err := strconv.ParseUint(strings.TrimPrefix(name, "TYPE"), 10, 16); err == nil && strings.HasPrefix(name, "TYPE") {
			t, ok = uint16(n), true
		}
	}
	if !ok || t == dns.TypeANY || t == dns.TypeOPT || t == dns.TypeAXFR || t == dns.TypeIXFR || t == dns.TypeNone {
		return y.errAt(typ, "%q is not a type a zone holds", typ.Value)
	}
	if line, dup := types[t]; dup {
		return y.errAt(typ, "%q has two %s records (here and at line %d): one record, with values, holds the RRset", rel, name, line)
	}
	types[t] = typ.Line
	seconds := uint32(3600)
	if ttl != nil {
		n, err := strconv.ParseUint(ttl.Value, 10, 32)
		if ttl.Kind != yaml.ScalarNode || err != nil || n > zone.MaxTTL {
			return y.errAt(ttl, "ttl %q is not a number of seconds from 0 to %d", ttl.Value, zone.MaxTTL)
		}
		seconds = uint32(n)
	}
	var list []*yaml.Node
	switch {
	case value != nil && values != nil:
		return y.errAt(values, "a record has value or values, not both")
	case value != nil:
		list = []*yaml.Node{value}
	case values != nil:
		if values.Kind != yaml.SequenceNode || len(values.Content) == 0 {
			return y.errAt(values, "values is a list of one value at least")
		}
		list = values.Content
	default:
		return y.errAt(rec, "the %s record of %q has no value", name, rel)
	}
	hdr := dns.RR_Header{Name: owner, Rrtype: t, Class: dns.ClassINET, Ttl: seconds}
	for _, v := range list {
		rr, err := y.rr(hdr, v)
		if err != nil {
			return y.errAt(v, "%s %s: %v", rel, name, err)
		}
		y.count++
		if contains(y.tx.RRset(owner, t), rr) {
			return y.errAt(v, "%s %s: the value %s is there twice", rel, name, RDATA(rr))
		}
		if err := y.tx.Add(rr); err != nil {
			return y.errAt(v, "%s: %w", rr.String(), err)
		}
	}
	return nil
}

func contains(rrs []dns.RR, rr dns.RR) bool {
	for _, o := range rrs {
		if dns.IsDuplicate(o, rr) {
			return true
		}
	}
	return false
}

// rr makes the record of one value.
func (y *yamlReader) rr(hdr dns.RR_Header, v *yaml.Node) (dns.RR, error) {
	t := hdr.Rrtype
	if v.Kind == yaml.MappingNode && len(v.Content) == 2 && v.Content[0].Value == "rdata" {
		return y.presentation(hdr, v.Content[1])
	}
	if fields, ok := octoTypes[t]; ok {
		return y.fields(hdr, fields, v)
	}
	if v.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("a value of this type is a text, not a %s", kind(v))
	}
	switch {
	case t == dns.TypeTXT || t == dns.TypeSPF:
		if strings.Contains(strings.ReplaceAll(v.Value, `\;`, ""), ";") {
			return nil, fmt.Errorf("a ; in a TXT value is written \\; in octoDNS's format")
		}
		return LiteralTXT(hdr, strings.ReplaceAll(v.Value, `\;`, ";"))
	case octoNames[t] && !strings.HasSuffix(v.Value, "."):
		return nil, fmt.Errorf("%q is not absolute: end it with a dot", v.Value)
	}
	if rr := quickRR(hdr, v.Value); rr != nil {
		return rr, nil
	}
	return y.presentation(hdr, v)
}

// quickRR makes the record of the commonest values (an address, an
// absolute name of plain letters) without the zone file parser, which
// costs a large zone most of its reading time; nil for any other.
func quickRR(hdr dns.RR_Header, value string) dns.RR {
	switch hdr.Rrtype {
	case dns.TypeA, dns.TypeAAAA:
		ip := net.ParseIP(value)
		if ip == nil || (ip.To4() != nil) != (hdr.Rrtype == dns.TypeA) || strings.Contains(value, "%") {
			return nil
		}
		if hdr.Rrtype == dns.TypeA {
			return &dns.A{Hdr: hdr, A: ip}
		}
		if strings.Contains(value, ".") { // an IPv4-mapped form: as the parser has it
			return nil
		}
		return &dns.AAAA{Hdr: hdr, AAAA: ip}
	}
	if !plainName(value) {
		return nil
	}
	switch hdr.Rrtype {
	case dns.TypeCNAME:
		return &dns.CNAME{Hdr: hdr, Target: value}
	case dns.TypeNS:
		return &dns.NS{Hdr: hdr, Ns: value}
	case dns.TypePTR:
		return &dns.PTR{Hdr: hdr, Ptr: value}
	case dns.TypeDNAME:
		return &dns.DNAME{Hdr: hdr, Target: value}
	}
	return nil
}

// plainName reports whether s is an absolute domain name of letters,
// digits, hyphens and underscores only, which the parser would take as
// it is.
func plainName(s string) bool {
	if !strings.HasSuffix(s, ".") || len(s) > 254 {
		return false
	}
	if s == "." {
		return true
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '*':
			if label++; label > 63 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// presentation reads a value of RFC 1035 presentation format.
func (y *yamlReader) presentation(hdr dns.RR_Header, v *yaml.Node) (dns.RR, error) {
	if v.Kind != yaml.ScalarNode || v.Value == "" {
		return nil, fmt.Errorf("the RDATA is a text in presentation format")
	}
	if strings.ContainsAny(v.Value, "\n\r\x00") {
		return nil, fmt.Errorf("%q: RDATA in presentation format has no line break", v.Value)
	}
	if err := PlainRDATA(v.Value); err != nil {
		return nil, fmt.Errorf("%q: %w", v.Value, err)
	}
	typ := dns.TypeToString[hdr.Rrtype]
	if typ == "" {
		typ = fmt.Sprintf("TYPE%d", hdr.Rrtype)
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s %d IN %s %s\n", hdr.Name, hdr.Ttl, typ, EscapeRaw(v.Value))), y.origin, "")
	zp.SetIncludeAllowed(false)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil || !ok {
		return nil, fmt.Errorf("%q is not valid %s RDATA: %s", v.Value, typ, reason(err))
	}
	return rr, nil
}

// PlainRDATA refuses what the zone file syntax would read as something else
// than RDATA: a comment, parentheses or a directive outside quotes.
func PlainRDATA(value string) error {
	quoted, escaped := false, false
	for _, c := range value {
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ';' || c == '(' || c == ')'):
			return fmt.Errorf("%q outside double quotes: quote it or escape it with a backslash", c)
		}
	}
	if quoted {
		return fmt.Errorf("unbalanced double quote")
	}
	return nil
}

// reason is the parser's error without its position.
func reason(err error) string {
	if err == nil {
		return "empty"
	}
	s := strings.TrimPrefix(err.Error(), "dns: ")
	if i := strings.Index(s, " at line: "); i >= 0 {
		s = s[:i]
	}
	return s
}

// fields reads a value that is a mapping of octoDNS's fields.
func (y *yamlReader) fields(hdr dns.RR_Header, fields []octoField, v *yaml.Node) (dns.RR, error) {
	if v.Kind != yaml.MappingNode {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.name
		}
		return nil, fmt.Errorf("a value is a mapping of %s, not a %s", strings.Join(names, ", "), kind(v))
	}
	got := map[string]*yaml.Node{}
	var params *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := v.Content[i]
		if _, dup := got[k.Value]; dup || (k.Value == "svcparams" && params != nil) {
			return nil, fmt.Errorf("%q is twice in a value", k.Value)
		}
		known := false
		for _, f := range fields {
			known = known || f.name == k.Value
		}
		switch {
		case k.Value == "svcparams" && (hdr.Rrtype == dns.TypeSVCB || hdr.Rrtype == dns.TypeHTTPS):
			params = v.Content[i+1]
		case !known:
			return nil, fmt.Errorf("a value has no field %q", k.Value)
		default:
			if v.Content[i+1].Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s is a value, not a %s", k.Value, kind(v.Content[i+1]))
			}
			got[k.Value] = v.Content[i+1]
		}
	}
	parts := make([]string, 0, len(fields)+4)
	for _, f := range fields {
		n, ok := got[f.name]
		text := f.def
		if ok {
			text = n.Value
		}
		switch {
		case !ok && f.def == "":
			return nil, fmt.Errorf("the value has no %s", f.name)
		case f.quoted:
			text = quote(text)
		case text == "" || strings.ContainsAny(text, " \t"):
			return nil, fmt.Errorf("%s %q is one word", f.name, text)
		}
		parts = append(parts, text+f.unit)
	}
	if params != nil {
		if params.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("svcparams is a mapping of keys to values")
		}
		for i := 0; i+1 < len(params.Content); i += 2 {
			k, pv := params.Content[i], params.Content[i+1]
			switch pv.Kind {
			case yaml.SequenceNode:
				vals := make([]string, len(pv.Content))
				for j, x := range pv.Content {
					vals[j] = x.Value
				}
				parts = append(parts, k.Value+"="+strings.Join(vals, ","))
			case yaml.ScalarNode:
				if pv.Value == "" || pv.Tag == "!!null" {
					parts = append(parts, k.Value)
				} else {
					parts = append(parts, k.Value+"="+pv.Value)
				}
			default:
				return nil, fmt.Errorf("svcparams %s is a value or a list", k.Value)
			}
		}
	}
	return y.presentation(hdr, &yaml.Node{Kind: yaml.ScalarNode, Value: strings.Join(parts, " "), Line: v.Line})
}
