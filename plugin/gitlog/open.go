package gitlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// Config is the git property's say on the history.
type Config struct {
	Branch string
	Author history.Author
	// Signed reports whether a zone is signed here: its history keeps it
	// unsigned (store.FormatUnsigned), its signatures being derived. Nil:
	// no zone is.
	Signed func(origin string) bool
}

// blob returns the bytes the history keeps of z, whose file holds file (nil:
// not read): the file itself, or, for a zone signed here, z unsigned.
func blob(cfg Config, z *zone.Zone, file []byte) ([]byte, error) {
	if cfg.Signed == nil || !cfg.Signed(z.Origin()) {
		if file != nil {
			return file, nil
		}
		var buf bytes.Buffer
		err := store.Format(&buf, z)
		return buf.Bytes(), err
	}
	var buf bytes.Buffer
	err := store.FormatUnsigned(&buf, z)
	return buf.Bytes(), err
}

// Open opens the Git history of the store in dir, commits what differs
// from HEAD, and starts the committer. What differs: zones whose journal
// was replayed (their changes were acknowledged but perhaps not
// committed), files edited or removed while zoneapi was not running, and,
// in a new repository, every zone. It runs at startup, before any change
// can be made; zones are those loaded, replayed the journal entries each
// got.
func Open(dir string, cfg Config, zones []*zone.Zone, replayed map[string]int) (*Committer, error) {
	repo, err := history.Open(dir, cfg.Branch, cfg.Author)
	if err != nil {
		return nil, err
	}
	files, notes, err := differences(repo, cfg, dir, zones, replayed)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		sort.Strings(notes)
		msg := fmt.Sprintf("startup: %d files as found in the store\n\n", len(files))
		for i, n := range notes {
			if i == 100 {
				msg += fmt.Sprintf("... and %d more\n", len(notes)-i)
				break
			}
			msg += n + "\n"
		}
		msg += "\nOperation: startup\n"
		if _, err := repo.Commit(files, msg, time.Now()); err != nil {
			return nil, err
		}
		log.Infof("git: committed %d zones that differed from %s at startup", len(files), repo.Branch())
	}
	if err := repo.WriteIndex(); err != nil {
		return nil, err
	}
	c := newCommitter(repo)
	c.cfg = cfg
	go c.run()
	return c, nil
}

// differences returns the files that differ from HEAD, and a note on each.
func differences(repo *history.Repo, cfg Config, dir string, zones []*zone.Zone, replayed map[string]int) (map[string][]byte, []string, error) {
	files := map[string][]byte{}
	var notes []string
	held := map[string]bool{}
	for _, z := range zones {
		name, _ := store.FileNameOf(z.Origin(), z.Source())
		held[name] = true
		var file []byte
		if replayed[z.Origin()] == 0 {
			var err error
			if file, err = os.ReadFile(filepath.Join(dir, name)); err != nil {
				return nil, nil, err
			}
		}
		data, err := blob(cfg, z, file)
		if err != nil {
			return nil, nil, err
		}
		old, had := repo.Blob(name)
		if had && old == history.BlobHash(data) {
			continue
		}
		files[name] = data
		zoneName := zone.TrimDot(z.Origin())
		switch {
		case !had:
			notes = append(notes, fmt.Sprintf("%s: added (serial %d)", zoneName, z.Serial()))
		case replayed[z.Origin()] > 0:
			notes = append(notes, fmt.Sprintf("%s: %d acknowledged changes replayed from the journal (serial %d)", zoneName, replayed[z.Origin()], z.Serial()))
		default:
			notes = append(notes, fmt.Sprintf("%s: the file differs from the last commit: changed outside zoneapi, or changed just before a crash (serial %d)", zoneName, z.Serial()))
		}
	}
	for _, name := range repo.Names() {
		if !store.IsZoneFile(name) || held[name] {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name)); os.IsNotExist(err) {
			files[name] = nil
			notes = append(notes, fmt.Sprintf("%s: file removed outside zoneapi", strings.TrimSuffix(strings.TrimSuffix(name, store.Ext), store.YAMLExt)))
		}
	}
	return files, notes, nil
}
