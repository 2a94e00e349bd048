package test

import (
	"os"
	"regexp"
	"testing"
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
