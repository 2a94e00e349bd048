package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Ext is the extension of zone files.
const Ext = ".zone"

// tmpMarker is in the name of every temporary file WriteFile makes.
const tmpMarker = ".tmp-"

// ErrBadZoneName is returned for a zone name that cannot be a file name in
// the store: the root, or one with a slash, a backslash escape, a control
// character or a leading dot.
var ErrBadZoneName = errors.New("zone name cannot be stored as a file")

// FileName returns the base name of the file of the zone origin.
func FileName(origin string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(dns.Fqdn(origin)), ".")
	if name == "" {
		return "", fmt.Errorf("%q is the root: %w", origin, ErrBadZoneName)
	}
	if why := notDomainName(name); why != "" {
		return "", fmt.Errorf("%q is not a domain name: %s: %w", origin, why, ErrBadZoneName)
	}
	if strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("%q holds a slash or a backslash, which a file name cannot: %w", origin, ErrBadZoneName)
	}
	for _, c := range name {
		if c < 0x21 || c > 0x7e {
			return "", fmt.Errorf("%q holds %q, which the store's file names do not (write it as \\DDD): %w", origin, c, ErrBadZoneName)
		}
	}
	return name + Ext, nil
}

// FileNameOf returns the file name of the zone origin in the format src.
func FileNameOf(origin string, src zone.Source) (string, error) {
	name, err := FileName(origin)
	if err != nil || src != zone.SourceYAML {
		return name, err
	}
	return strings.TrimSuffix(name, Ext) + YAMLExt, nil
}

// IsZoneFile reports whether name is the name of a zone's file, in either
// format.
func IsZoneFile(name string) bool {
	return strings.HasSuffix(name, Ext) || strings.HasSuffix(name, YAMLExt)
}

// SourceOf returns the format of the zone file named name.
func SourceOf(name string) zone.Source {
	if strings.HasSuffix(name, YAMLExt) {
		return zone.SourceYAML
	}
	return zone.SourceZone
}

// ReadAs reads a zone file of either format from r (name, used in errors,
// tells which).
func ReadAs(r io.Reader, name, origin string, opt Options) (*zone.Zone, []Warning, error) {
	if SourceOf(name) == zone.SourceYAML {
		return ReadYAML(r, name, origin, opt)
	}
	return Read(r, name, origin, opt)
}

// Origin returns the zone origin of a zone file's base name.
func Origin(file string) (string, error) {
	origin := strings.TrimSuffix(strings.TrimSuffix(file, Ext), YAMLExt) + "."
	name, err := FileNameOf(origin, SourceOf(file))
	if err != nil {
		return "", err
	}
	if name != file {
		return "", fmt.Errorf("%q: zone file names are lower-case, rename it to %q", file, name)
	}
	return origin, nil
}

// Loaded is the outcome of reading one zone file.
type Loaded struct {
	Path     string
	Zone     *zone.Zone // nil when Err is set
	Err      error
	Warnings []Warning
}

// LoadDir reads every *.zone file in dir, several at a time, and returns the
// outcomes in file name order. A bad file does not stop the others.
// Temporary files left by an interrupted WriteFile are removed first.
// When opt.Progress is set, it counts the files and records as they load.
func LoadDir(dir string, opt Options) ([]Loaded, error) {
	if err := CleanTemp(dir); err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if err != nil {
		return nil, err
	}
	yamls, err := filepath.Glob(filepath.Join(dir, "*"+YAMLExt))
	if err != nil {
		return nil, err
	}
	paths = append(paths, yamls...)
	sort.Strings(paths)
	if opt.Progress == nil {
		opt.Progress = &Progress{}
	}
	opt.Progress.Files.Store(int64(len(paths)))
	out := make([]Loaded, len(paths))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = load(paths[i], opt)
				opt.Progress.Done.Add(1)
			}
		}()
	}
	for i := range paths {
		work <- i
	}
	close(work)
	wg.Wait()
	return out, nil
}

func load(path string, opt Options) Loaded {
	l := Loaded{Path: path}
	origin, err := Origin(filepath.Base(path))
	if err != nil {
		l.Err = &FileError{File: path, Err: err}
		return l
	}
	// A zone has one source: a .zone and a .yaml of one zone are refused
	// both, rather than one of them being served without a word.
	other := strings.TrimSuffix(path, Ext) + YAMLExt
	if SourceOf(path) == zone.SourceYAML {
		other = strings.TrimSuffix(path, YAMLExt) + Ext
	}
	if _, err := os.Stat(other); err == nil {
		l.Err = &FileError{File: path, Err: fmt.Errorf("%s is the zone's file too: a zone has one, remove either", filepath.Base(other))}
		return l
	}
	if SourceOf(path) == zone.SourceYAML {
		l.Zone, l.Warnings, l.Err = ReadYAMLFile(path, origin, opt)
		return l
	}
	l.Zone, l.Warnings, l.Err = ReadFile(path, origin, opt)
	return l
}

// CleanTemp removes the temporary files that an interrupted WriteAtomic left.
// They were never renamed into place, so nothing acknowledged is in them.
func CleanTemp(dir string) error {
	tmps, err := filepath.Glob(filepath.Join(dir, ".*"+tmpMarker+"*"))
	if err != nil {
		return err
	}
	for _, t := range tmps {
		if err := os.Remove(t); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove temporary file: %w", err)
		}
	}
	return nil
}

// notDomainName says why name (without its trailing dot) is not a domain
// name, or "" if it is one.
func notDomainName(name string) string {
	if len(name)+1 > 255 {
		return "longer than 255 octets"
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return "an empty label"
		case len(label) > 63:
			return fmt.Sprintf("the label %q is longer than 63 octets", label[:20]+"...")
		}
	}
	if _, ok := dns.IsDomainName(name + "."); !ok {
		return "not in presentation format"
	}
	return ""
}
