package test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The documented ports: ./build.sh run serves DNS on 1053 and the API on
// 8053, and the tests must run beside it.
var documentedPort = regexp.MustCompile(`:(1053|8053)\b`)

var zoneapiLine = regexp.MustCompile(`^(\s*)zoneapi\b`)

// withFreeListen gives every zoneapi block of corefile that has no listen
// property one on a free loopback port, instead of the default 8053, and
// fails the test if the Corefile would still use a documented port.
func withFreeListen(t testing.TB, corefile string) string {
	t.Helper()
	lines := strings.Split(corefile, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		m := zoneapiLine.FindStringSubmatch(line)
		if m == nil {
			out = append(out, line)
			continue
		}
		listen := fmt.Sprintf("%s    listen 127.0.0.1:%d", m[1], freePort(t))
		if !strings.HasSuffix(strings.TrimSpace(line), "{") {
			out = append(out, line+" {", listen, m[1]+"}")
			continue
		}
		// The block's lines, to its closing brace.
		block, depth, j := []string{line}, 1, i+1
		for ; j < len(lines) && depth > 0; j++ {
			depth += strings.Count(lines[j], "{") - strings.Count(lines[j], "}")
			block = append(block, lines[j])
		}
		if !regexp.MustCompile(`(?m)^\s*listen\s`).MatchString(strings.Join(block, "\n")) {
			block = append([]string{line, listen}, block[1:]...)
		}
		out = append(out, block...)
		i = j - 1
	}
	corefile = strings.Join(out, "\n")
	if documentedPort.MatchString(corefile) {
		t.Fatalf("a test Corefile uses a documented port (1053 or 8053), which ./build.sh run serves:\n%s", corefile)
	}
	return corefile
}

func TestTestCorefilesGetAFreeAPIPort(t *testing.T) {
	for _, tc := range []struct{ in, has string }{
		{".:5300 {\n    zoneapi /tmp/z\n}\n", "zoneapi /tmp/z {\n        listen 127.0.0.1:"},
		{".:5300 {\n    zoneapi /tmp/z {\n        git\n    }\n}\n", "zoneapi /tmp/z {\n        listen 127.0.0.1:"},
		{".:5300 {\n    zoneapi /tmp/z {\n        listen 127.0.0.1:5301\n        git {\n            push\n        }\n    }\n}\n", "listen 127.0.0.1:5301\n"},
	} {
		got := withFreeListen(t, tc.in)
		if !strings.Contains(got, tc.has) || strings.Count(got, "listen") != 1 || strings.Count(got, "{") != strings.Count(got, "}") {
			t.Errorf("%q became %q", tc.in, got)
		}
	}
}
