package test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// editSerial sets the SOA serial of a zone file written by zoneapi.
func editSerial(t *testing.T, text, serial string) string {
	re := regexp.MustCompile(`(?m)^(@\t\d+\tIN\tSOA\t\S+ \S+ )\d+`)
	if !re.MatchString(text) {
		t.Fatalf("no SOA line in:\n%s", text)
	}
	return re.ReplaceAllString(text, "${1}"+serial)
}

func writeFile(t *testing.T, path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitCompacted waits until the zone's journal has been written to its file.
func (e *apiEnv) waitCompacted(zone string) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(e.dir, ".journal", zone+".jnl")); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the journal of %s was not compacted", zone)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
