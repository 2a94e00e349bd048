package history

import (
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/diff"
	udiff "github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffTimeout bounds the line diff of a large zone; past it the rest is
// shown as one deletion and one addition.
const diffTimeout = 5 * time.Second

// UnifiedDiff returns the unified diff (3 lines of context) that turns
// file name from before into after; nil is a file that does not exist.
func UnifiedDiff(name string, before, after []byte) string {
	fp := filePatch{}
	if before != nil {
		fp.from = file{BlobHash(before), name}
	}
	if after != nil {
		fp.to = file{BlobHash(after), name}
	}
	for _, d := range udiff.DoWithTimeout(string(before), string(after), diffTimeout) {
		op := diff.Equal
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = diff.Add
		case diffmatchpatch.DiffDelete:
			op = diff.Delete
		}
		fp.chunks = append(fp.chunks, chunk{d.Text, op})
	}
	var b strings.Builder
	if err := diff.NewUnifiedEncoder(&b, diff.DefaultContextLines).Encode(patch{fp}); err != nil {
		return ""
	}
	return b.String()
}

// The types below present one file's change as go-git's diff.Patch, for
// its unified encoder.
type patch []diff.FilePatch

func (p patch) FilePatches() []diff.FilePatch { return p }
func (p patch) Message() string               { return "" }

type filePatch struct {
	from, to diff.File
	chunks   []diff.Chunk
}

func (p filePatch) IsBinary() bool                { return false }
func (p filePatch) Files() (diff.File, diff.File) { return p.from, p.to }
func (p filePatch) Chunks() []diff.Chunk          { return p.chunks }

type file struct {
	hash plumbing.Hash
	path string
}

func (f file) Hash() plumbing.Hash     { return f.hash }
func (f file) Mode() filemode.FileMode { return filemode.Regular }
func (f file) Path() string            { return f.path }

type chunk struct {
	content string
	op      diff.Operation
}

func (c chunk) Content() string      { return c.content }
func (c chunk) Type() diff.Operation { return c.op }
