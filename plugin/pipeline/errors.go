package pipeline

import (
	"errors"
	"fmt"
)

// Sentinels of the pipeline. Each adapter maps them to what its clients
// see, in one place: /v1 to problems, RFC 2136 to rcodes. Errors an Edit
// returns come back unchanged, so adapters keep their own sentinels too.
var (
	ErrZoneNotFound = errors.New("zone not found")
	ErrZoneExists   = errors.New("zone already exists")
	// ErrStale: the zone is not at the serial the change expected.
	ErrStale = errors.New("version mismatch")
	// ErrLastNS: a zone that has NS records at its apex keeps one.
	ErrLastNS = errors.New("the last apex NS record cannot be deleted")
	// ErrTooManyZones: the store is at its MaxZones.
	ErrTooManyZones = errors.New("too many zones")
	// ErrPersist wraps every failure to write the store (the cause is
	// wrapped too: ENOSPC, EROFS, store.ErrJournalBad); nothing changed.
	ErrPersist = errors.New("the store could not be written")
	// ErrClosed: the store is shutting down; the change was not made.
	ErrClosed = errors.New("the store is shutting down")
	// ErrInternal wraps a panic in an Edit: a bug, which failed that change
	// alone.
	ErrInternal = errors.New("internal error")
)

// persistError wraps err, a failed write of the store, in ErrPersist.
func persistError(err error) error {
	if err == nil || errors.Is(err, ErrPersist) {
		return err
	}
	persistFailures.Inc()
	return fmt.Errorf("%w: %w", ErrPersist, err)
}
