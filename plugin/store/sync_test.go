package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// syncFile answers as f.Sync does: nil for a file, EINVAL for a pipe, an
// error for a closed file.
func TestSyncFileAnswersAsSync(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("x"); err != nil {
		t.Fatal(err)
	}
	if err := syncFile(f); err != nil {
		t.Errorf("syncFile(file) = %v, want nil", err)
	}
	f.Close()
	if err := syncFile(f); err == nil || f.Sync() == nil {
		t.Errorf("on a closed file: syncFile = %v, f.Sync = %v; want errors from both", err, f.Sync())
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	want := w.Sync()
	got := syncFile(w)
	if !errors.Is(want, syscall.EINVAL) || !errors.Is(got, syscall.EINVAL) {
		t.Errorf("on a pipe: syncFile = %v, f.Sync = %v; want EINVAL from both", got, want)
	}
}
