package gitops

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/zoneapi/zoneapi/plugin/history"
	"github.com/zoneapi/zoneapi/plugin/pipeline"
	"github.com/zoneapi/zoneapi/plugin/store"
	"github.com/zoneapi/zoneapi/plugin/zone"
)

// merge brings the branch up to remote and installs the zones that
// changed, with the pipeline to itself. It reports whether any did.
func (g *GitOps) merge(x *pipeline.Excl, m pipeline.Meta, remote plumbing.Hash) (bool, error) {
	g.git.Flush() // every acknowledged change is committed
	repo := g.git.Repo()
	rel, err := repo.Compare(remote)
	if err != nil {
		return false, g.fail("fetch-failed", err)
	}
	g.setStatus(func(s *Status) { s.Ahead, s.Behind = &rel.Ahead, &rel.Behind })
	if rel.Behind == 0 {
		return false, nil // nothing new
	}
	local, err := repo.Tree(repo.Head())
	if err != nil {
		return false, err
	}
	target, err := repo.Tree(remote)
	if err != nil {
		return false, err
	}
	if rel.Ahead > 0 { // both moved: take the remote's tree plus the server's own changes
		if err := g.combine(repo, rel, local, target); err != nil {
			return false, err
		}
	}
	files, err := readZones(repo, local, target, g.pipe.Limits().MaxRecords)
	if err != nil {
		return false, g.fail("invalid-zone-file", err)
	}
	raised, err := x.Install(m, files)
	if err != nil {
		return false, g.fail("store-failed", err)
	}
	if rel.Ahead == 0 {
		err = repo.Advance(remote)
	} else {
		_, err = repo.Merge(remote, target, fmt.Sprintf("Merge %s of %s\n\nOperation: %s\n", repo.Branch(), history.Public(g.cfg.Remote), m.Op), time.Now())
	}
	if err == nil && len(raised) > 0 {
		_, err = repo.Commit(raised, fmt.Sprintf("pull: serials raised above those served (%d zones)\n\nRFC 1982: a secondary must never see a zone's serial go backwards.\n\nOperation: %s\n", len(raised), m.Op), time.Now())
	}
	if err == nil {
		err = repo.WriteIndex()
	}
	if err != nil {
		log.Errorf("git: pull applied, but the branch could not be moved: %v; the next start commits the difference", err)
	}
	gitPulls.Inc()
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, zone.TrimDot(f.Zone))
	}
	log.Infof("audit token=%s op=%s head=%s zones=%s", m.Actor, m.Op, remote.String()[:12], strings.Join(names, ","))
	return true, nil
}

// combine makes target the remote's tree plus the server's own changes
// since the two sides' base, or refuses when both changed a zone file.
func (g *GitOps) combine(repo *history.Repo, rel history.Relation, local, target map[string]object.TreeEntry) error {
	base, err := repo.Tree(rel.Base)
	if err != nil {
		return err
	}
	var conflicts []string
	for _, name := range changedNames(base, local) {
		if entryOf(base, name) != entryOf(target, name) && entryOf(local, name) != entryOf(target, name) {
			if store.IsZoneFile(name) {
				conflicts = append(conflicts, name)
			}
			continue // a file that is not a zone (.gitignore, a README): the remote's wins
		}
		if e, ok := local[name]; ok {
			target[name] = e
		} else {
			delete(target, name)
		}
	}
	if len(conflicts) > 0 {
		return g.fail("diverged", fmt.Errorf("the server and %s both changed %s since %s; nothing was applied",
			history.Public(g.cfg.Remote), strings.Join(conflicts, ", "), rel.Base.String()[:12]))
	}
	return nil
}

// readZones parses every zone file that differs between two trees. One
// that does not parse refuses them all.
func readZones(repo *history.Repo, from, to map[string]object.TreeEntry, maxRecords int) ([]pipeline.File, error) {
	var out []pipeline.File
	byZone := map[string]int{}
	for _, name := range changedNames(from, to) {
		if !store.IsZoneFile(name) {
			continue // not a zone: it only goes into the tree
		}
		origin, err := store.Origin(name)
		if err != nil {
			return nil, &store.FileError{File: name, Err: err}
		}
		f := pipeline.File{Zone: origin, Name: name}
		if e, ok := to[name]; ok && e.Mode.IsFile() {
			if f.Data, err = repo.ReadBlob(e.Hash); err != nil {
				return nil, err
			}
			if f.New, _, err = store.ReadAs(bytes.NewReader(f.Data), name, origin, store.Options{MaxRecords: maxRecords}); err != nil {
				return nil, err
			}
			// A zone has one file: the other format's goes, or was never.
			for _, src := range []zone.Source{zone.SourceZone, zone.SourceYAML} {
				if other, _ := store.FileNameOf(origin, src); other != name {
					if e, ok := to[other]; ok && e.Mode.IsFile() {
						return nil, &store.FileError{File: name, Err: fmt.Errorf("%s is the zone's file too: a zone has one, remove either", other)}
					}
				}
			}
		}
		// One zone's file in one format gone and in the other come: the
		// zone is converted, not deleted.
		if j, ok := byZone[origin]; ok {
			if f.New != nil {
				out[j] = f
			}
			continue
		}
		byZone[origin] = len(out)
		out = append(out, f)
	}
	return out, nil
}

// changedNames returns the names whose entries differ between two trees.
func changedNames(a, b map[string]object.TreeEntry) []string {
	var out []string
	for n, e := range a {
		if f, ok := b[n]; !ok || f.Hash != e.Hash || f.Mode != e.Mode {
			out = append(out, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func entryOf(t map[string]object.TreeEntry, name string) plumbing.Hash { return t[name].Hash }
