package record

import (
	"testing"

	"github.com/zoneapi/zoneapi/plugin/zone"
)

// FuzzRecordRoundTrip feeds arbitrary records to the API's reading of a
// record. What it takes, written back as the API shows it (a client reading
// a record and sending it again), must be the same record with the same id.
func FuzzRecordRoundTrip(f *testing.F) {
	for _, r := range [][3]string{
		{"www", "A", "192.0.2.1"}, {"@", "MX", "10 mail"}, {"t", "TXT", `a "b" \c`}, {"t", "TXT", `"x" "y"`},
		{"é", "CNAME", `֌\\\.`}, {`a\.b`, "NS", "ns1"}, {"s", "SRV", "0 5 443 svc"}, {"c", "CAA", `0 issue "ca.example"`},
		{"x", "TYPE65280", `\# 2 abcd`}, {"h", "HTTPS", `1 . alpn="h2,h3"`}, {"n", "NAPTR", `100 10 "S" "SIP+D2U" "" _sip._udp`},
	} {
		f.Add(r[0], r[1], r[2])
	}
	f.Fuzz(func(t *testing.T, name, typ, value string) {
		rr, err := New("example.org.", name, typ, value, nil)
		if err != nil {
			return
		}
		if tx, _ := zone.New("example.org."); tx.Add(rr) != nil {
			return // refused by the zone's rules, as a change would be
		}
		shown := Show(rr, "example.org.")
		again, err := New("example.org.", shown.Name, shown.Type, shown.Value, &shown.TTL)
		if err != nil {
			t.Fatalf("%s %s %q is shown as %s %s %q, which is refused: %v", name, typ, value, shown.Name, shown.Type, shown.Value, err)
		}
		if !zone.Same(rr, again) || ID(again) != shown.ID {
			t.Fatalf("%s %s %q is shown as %s %s %q, which reads as another record:\n%s\n%s", name, typ, value, shown.Name, shown.Type, shown.Value, rr, again)
		}
	})
}
