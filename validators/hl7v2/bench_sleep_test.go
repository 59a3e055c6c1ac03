//go:build unix

package hl7v2_test

import (
	"syscall"
	"time"
)

func sleepBriefly() { time.Sleep(50 * time.Millisecond) }

// cpuTime is the process's user and system CPU time: on a shared machine it
// measures per-core throughput where wall time cannot.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
