package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A sidecar is a file that keeps what one part of zoneapi knows of a zone
// beside the zone's file: DIR/<part>/<zone>.json, readable by the server's
// user only (the DNSSEC keys in .dnssec, the mirror's bases in .mirror).
// Sidecars are not zones and not in the Git history.

const sidecarExt = ".json"

// SidecarPath returns the sidecar of origin in the part of the store in dir.
func SidecarPath(dir, part, origin string) (string, error) {
	name, err := FileName(origin)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, part, strings.TrimSuffix(name, Ext)+sidecarExt), nil
}

// Sidecars returns the origins that have a sidecar in part, sorted; none
// when the part has no directory yet.
func Sidecars(dir, part string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, part))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), sidecarExt)
		if !ok {
			continue
		}
		if origin, err := Origin(name + Ext); err == nil {
			out = append(out, origin)
		}
	}
	slices.Sort(out)
	return out, nil
}

// WriteSidecar writes data as origin's sidecar in part, atomically (see
// WriteAtomic), mode 0600, making the part's directory (0700) if needed.
func WriteSidecar(dir, part, origin string, data []byte) error {
	p, err := SidecarPath(dir, part, origin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("%s: %w", part, err)
	}
	// WriteAtomic's temporary file is made with mode 0600 (os.CreateTemp).
	return WriteAtomic(filepath.Dir(p), filepath.Base(p), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
