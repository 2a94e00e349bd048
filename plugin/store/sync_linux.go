package store

import (
	"os"
	"syscall"
	_ "unsafe" // for go:linkname
)

// syncFile is f.Sync, except that the goroutine hands its P (its right to
// run Go code) to another thread as it enters fsync, where f.Sync keeps it
// until the runtime's monitor takes it back. When the server runs on one
// core (GOMAXPROCS=1), the difference is whether queries are answered while
// the disk syncs a change: with f.Sync each sync stops them for as long as
// the disk takes (bench/qps-writes.sh: 0.69 of idle QPS under 500 writes/s;
// about 0.89-0.90 with this and group commit, docs/BENCHMARKS.md). The runtime
// exports the two functions for this use (go.dev/issue/67401; gVisor calls
// them the same way).
func syncFile(f *os.File) error { return syncBlocking(f, syscall.SYS_FSYNC) }

// syncData is syncFile with fdatasync: the file's data, and its size if it
// changed, but not its times.
func syncData(f *os.File) error { return syncBlocking(f, syscall.SYS_FDATASYNC) }

func syncBlocking(f *os.File, trap uintptr) error {
	rc, err := f.SyscallConn()
	if err == nil {
		var errno syscall.Errno
		err = rc.Control(func(fd uintptr) {
			for errno = fsyncBlocking(trap, fd); errno == syscall.EINTR; errno = fsyncBlocking(trap, fd) {
			}
		})
		if err == nil && errno != 0 {
			err = errno
		}
	}
	if err != nil {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: err}
	}
	return nil
}

//go:linkname entersyscallblock runtime.entersyscallblock
func entersyscallblock()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// fsyncBlocking is syscall.Syscall(trap, fd) with the P given away at once.
// Between entering and leaving the system call it may call only nosplit
// code that needs no P, as syscall.Syscall does.
//
//go:nosplit
//go:norace
func fsyncBlocking(trap, fd uintptr) syscall.Errno {
	entersyscallblock()
	_, _, errno := syscall.RawSyscall6(trap, fd, 0, 0, 0, 0, 0)
	exitsyscall()
	return errno
}
