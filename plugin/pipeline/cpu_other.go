//go:build !unix

package pipeline

import "time"

// processCPU is 0 where the process's CPU time is not read: a gathering
// writer then stops waiting after its first millisecond.
func processCPU() time.Duration { return 0 }
