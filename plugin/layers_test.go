package zoneapi

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// layers are the plugin's packages from the bottom up; a package may
// import only packages of lower layers (docs/ARCHITECTURE.md draws them).
// Generated code and the shared test zones import none of them.
var layers = [][]string{
	{"zone", "history", "auth", "api", "acme/httpreq"},
	{"store", "httpapi"},
	{"dnssec", "tokens"},
	{"pipeline"},
	{"ixfr", "notify", "gitlog", "record", "resign"},
	{"gitops"},
	{"problem"},
	{"acme", "hetzner", "dnsserve", "mcp", "apidocs", "powerdns"},
	{"hetzner/mirror"},
	{"rest"},
	{""}, // this package: the CoreDNS glue
}

const module = "github.com/zoneapi/zoneapi/plugin"

// TestPackagesImportOnlyDownward keeps the dependencies pointing one way:
// adapters over the pipeline and read-only snapshots, the pipeline over
// the zones and their files, and no package reaching up.
func TestPackagesImportOnlyDownward(t *testing.T) {
	layer := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layer[p] = i
		}
	}
	seen := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		if strings.HasPrefix(pkg, "internal/") || strings.Contains(pkg, "testdata") {
			return nil
		}
		from, ok := layer[pkg]
		if !ok {
			t.Errorf("package plugin/%s has no layer: add it to layers", pkg)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			dep, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			seen++
			if to, ok := layer[dep]; !ok || to >= from {
				t.Errorf("%s imports plugin/%s, which is not below it", path, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("only %d imports between the plugin's packages checked", seen)
	}
}
