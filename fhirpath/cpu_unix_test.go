//go:build unix

package fhirpath_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Benchmarks report it beside
// wall time because the machines they run on are shared: CPU per operation
// stays meaningful when other work slows the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
