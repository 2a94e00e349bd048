//go:build !linux

package store

import "os"

func syncFile(f *os.File) error { return f.Sync() }

func syncData(f *os.File) error { return f.Sync() }
