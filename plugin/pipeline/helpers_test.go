package pipeline

import (
	"path/filepath"
	"testing"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/internal/testzone"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// newTestPipeline is the pipeline of a new store holding ExampleOrg, with
// nothing running in the background.
func newTestPipeline(tb testing.TB) *Pipeline {
	return restart(tb, testzone.Store(tb, testzone.ExampleOrg))
}

// restart loads the store again, as a new process would.
func restart(tb testing.TB, dir string) *Pipeline {
	tb.Helper()
	p, _, err := Open(dir, Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// change applies edit to example.org.
func change(p *Pipeline, edit Edit) (Result, error) {
	return p.Apply(Change{Zone: "example.org.", Meta: Meta{Op: "test"}, Edit: edit})
}

// adding is the edit that adds the record of s.
func adding(tb testing.TB, s string) Edit {
	rr, err := dns.NewRR(s)
	if err != nil {
		tb.Fatal(err)
	}
	return func(_ *zone.Zone, tx *zone.Txn) error { return tx.Add(rr) }
}

func addA(t *testing.T, p *Pipeline, name, ip string) {
	t.Helper()
	if _, err := change(p, adding(t, name+" 300 IN A "+ip)); err != nil {
		t.Fatal(err)
	}
}

func served(p *Pipeline, name string) int {
	z, _ := p.Zone("example.org.")
	if n, ok := z.Node(name); ok {
		return len(n.Type(dns.TypeA))
	}
	return 0
}

// durable is the zone as a restart would load it: the file and the journal.
func durable(t *testing.T, p *Pipeline) *zone.Zone {
	t.Helper()
	z, _, err := store.ReadFile(filepath.Join(p.dir, "example.org.zone"), "example.org.", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := store.JournalPath(p.dir, "example.org.")
	entries, _, err := store.ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	z, _, err = replay(z, entries)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func mustNode(z *zone.Zone, name string) *zone.Node {
	if n, ok := z.Node(name); ok {
		return n
	}
	return &zone.Node{}
}

// sameAfterRestart restarts p's store and fails the test unless the
// restarted pipeline publishes an A record at each of names and has the
// zone at p's serial and size.
func sameAfterRestart(t *testing.T, p *Pipeline, names ...string) {
	t.Helper()
	again := restart(t, p.dir)
	for _, name := range names {
		if served(again, name) != 1 {
			t.Fatalf("a restart lost %s", name)
		}
	}
	cur, _ := p.Zone("example.org.")
	z, _ := again.Zone("example.org.")
	if z.Serial() != cur.Serial() || z.Len() != cur.Len() {
		t.Fatalf("after the restart: serial %d, %d records; before: %d, %d", z.Serial(), z.Len(), cur.Serial(), cur.Len())
	}
}
