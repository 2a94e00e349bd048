package store

import (
	"bufio"
	"bytes"
	"slices"
	"sort"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Patch returns the file of z, Format's bytes, made from old, the file
// Format wrote for the zone z was changed from, and the keys of the names
// the change touched (zone.Txn.Touched): only the lines of those names, and
// of the apex (its SOA changed), are written again. For a large zone that
// is a small part of what Format takes. ok is false when old does not begin as Format's output does.
func Patch(old []byte, z *zone.Zone, touched [][]byte) (out []byte, ok bool) {
	return patch(old, z, touched, false)
}

// PatchUnsigned is Patch of the files FormatUnsigned writes.
func PatchUnsigned(old []byte, z *zone.Zone, touched [][]byte) ([]byte, bool) {
	return patch(old, z, touched, true)
}

func patch(old []byte, z *zone.Zone, touched [][]byte, unsigned bool) (out []byte, ok bool) {
	if z.Source() != zone.SourceZone {
		return nil, false // the YAML format is written whole
	}
	origin := z.Origin()
	hlen, ok := headerLen(old, origin)
	if !ok {
		return nil, false
	}
	body := old[hlen:]
	starts := []int{}
	for i := 0; i < len(body); {
		starts = append(starts, i)
		n := bytes.IndexByte(body[i:], '\n')
		if n < 0 {
			return nil, false
		}
		i += n + 1
	}
	starts = append(starts, len(body))
	lines := len(starts) - 1
	ownerKey := func(i int) ([]byte, bool) {
		line := body[starts[i]:starts[i+1]]
		tab := bytes.IndexByte(line, '\t')
		if tab <= 0 {
			return nil, false
		}
		if string(line[:tab]) == "@" {
			return z.Key(), true
		}
		k, err := zone.Key(string(line[:tab]) + "." + origin)
		return k, err == nil
	}

	keys := make([][]byte, 0, len(touched))
	for _, k := range touched {
		if !bytes.Equal(k, z.Key()) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)

	var buf bytes.Buffer
	buf.Grow(len(old) + 4096)
	w := bufio.NewWriter(&buf)
	writeHeader(w, z)
	// The apex: the SOA, then the apex's other RRs, as Format writes them.
	line := 0
	for ; line < lines; line++ {
		k, ok := ownerKey(line)
		if !ok {
			return nil, false
		}
		if !bytes.Equal(k, z.Key()) {
			break
		}
	}
	writeRR(w, z.SOA(), origin)
	writeNode(w, z, z.Apex(), origin, unsigned)
	pos := line
	for _, key := range keys {
		// The first line at or after key, then the first past its name.
		var bad bool
		from := pos + sort.Search(lines-pos, func(i int) bool {
			k, ok := ownerKey(pos + i)
			bad = bad || !ok
			return bytes.Compare(k, key) >= 0
		})
		to := from
		for ; to < lines; to++ {
			k, ok := ownerKey(to)
			bad = bad || !ok
			if !bytes.Equal(k, key) {
				break
			}
		}
		if bad {
			return nil, false
		}
		w.Write(body[starts[pos]:starts[from]])
		if n, ok := z.Get(key); ok {
			writeNode(w, z, n, origin, unsigned)
		}
		pos = to
	}
	w.Write(body[starts[pos]:])
	w.Flush()
	return buf.Bytes(), true
}

// writeNode writes the RRs of n but the apex's SOA, which Format writes
// first: Format and Patch write a node's lines alike. unsigned leaves out
// the records a signer makes (Derived).
func writeNode(w *bufio.Writer, z *zone.Zone, n *zone.Node, origin string, unsigned bool) {
	for _, s := range n.Sets {
		if s.Type == dns.TypeSOA && n == z.Apex() || unsigned && Derived(s.Type) {
			continue
		}
		for _, rr := range s.RRs {
			writeRR(w, rr, origin)
		}
	}
}
