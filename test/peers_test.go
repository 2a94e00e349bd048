package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// startNSD serves the zone files in dir (named ORIGIN.zone) with NSD.
func startNSD(t testing.TB, dir string, origins ...string) *server {
	t.Helper()
	zones := ""
	for _, o := range origins {
		zones += fmt.Sprintf("zone:\n  name: %q\n  zonefile: %q\n", o, o+".zone")
	}
	return runNSD(t, dir, freePort(t), zones, origins[0]+".")
}

// runNSD writes an NSD configuration in dir with the given zone sections and
// starts nsd on port, waiting until it answers for the zone wait.
func runNSD(t testing.TB, dir string, port int, zones, wait string) *server {
	t.Helper()
	nsd := needTool(t, "nsd")
	conf := fmt.Sprintf(`server:
  ip-address: 127.0.0.1@%d
  zonesdir: %q
  username: ""
  chroot: ""
  pidfile: %q
  database: ""
  zonelistfile: %q
  xfrdfile: %q
  xfrdir: %q
  verbosity: 1
  server-count: 1
  minimal-responses: yes
  refuse-any: no
remote-control:
  control-enable: no
%s`, port, dir, filepath.Join(dir, "nsd.pid"), filepath.Join(dir, "zone.list"), filepath.Join(dir, "xfrd.state"), dir, zones)
	path := filepath.Join(dir, "nsd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return start(t, "nsd", fmt.Sprintf("127.0.0.1:%d", port), wait, exec.Command(nsd, "-d", "-c", path))
}

// startKnot serves the zone files in dir (named ORIGIN.zone) with Knot.
func startKnot(t testing.TB, dir string, origins ...string) *server {
	t.Helper()
	zones := ""
	for _, o := range origins {
		zones += fmt.Sprintf("  - domain: %q\n    file: %q\n", o, o+".zone")
	}
	return runKnot(t, dir, freePort(t), "", "    zonefile-sync: -1\n", zones, origins[0]+".")
}

// runKnot writes a Knot configuration in dir, with the given extra
// top-level sections, template lines and zone list, and starts knotd on port.
func runKnot(t testing.TB, dir string, port int, sections, template, zones, wait string) *server {
	t.Helper()
	knotd := needTool(t, "knotd")
	conf := fmt.Sprintf(`server:
  listen: 127.0.0.1@%d
  rundir: %q
log:
  - target: stderr
    any: warning
database:
  storage: %q
%stemplate:
  - id: default
    storage: %q
    journal-content: none
%szone:
%s`, port, dir, dir, sections, dir, template, zones)
	path := filepath.Join(dir, "knot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return start(t, "knot", fmt.Sprintf("127.0.0.1:%d", port), wait, exec.Command(knotd, "-c", path))
}

// secondaryTemplate makes Knot keep a transferred zone in memory only.
const secondaryTemplate = "    zonefile-sync: -1\n    zonefile-load: none\n"
