package main

import (
	"runtime"
	"runtime/debug"
)

// The garbage collector's policy for the commands that validate records
// (validate and run), measured with bench/peers.sh on NDJSON feeds.
//
// A run's live heap is small, about 12 MiB on a feed (the definitions in use
// and the records in flight), while it allocates about 9 KB per record, so
// with Go's default (GOGC=100) the collector ran every 12 MB or so: 73 times
// on 80,000 records. A GC percent of 200 cuts the collector's work by about
// half and the run's CPU by about 10% on feeds of 50,000 records and more,
// for 15-25 MiB more peak RSS. Higher percents cost more than they save: each
// new page of a larger heap is a page fault (GOGC=400 doubled them) and falls
// out of the caches, so 400 was slower than 200, and slower than the default
// on 20,000 records. The soft memory limit keeps the budget (300 MB peak) when
// a run does hold much (a large data-quality state): near the limit the
// collector runs as often as it must, whatever the percent.
const (
	gcPercent     = 200
	gcMemoryLimit = 240 << 20
)

// collectorPolicy sets carecert's policy, unless the user set GOGC or
// GOMEMLIMIT: then the collector is left as the user set it (both, so that
// GOGC=off alone still means no collection). lookup is os.LookupEnv; nil
// leaves the collector alone, as for commands run in-process by specs.
func collectorPolicy(lookup func(string) (string, bool)) {
	if lookup == nil {
		return
	}
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, set := lookup(name); set {
			return
		}
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(gcMemoryLimit)
}

// processorPolicy runs Go code on as many processors as the user asked for
// workers (--workers), when that is fewer than Go would use and the user did
// not set GOMAXPROCS. With one worker on two processors, the second one was
// kept busy by the runtime, not by carecert: the collector's idle-time mark
// workers (and, while a reader goroutine handed each record to the worker,
// waking and parking it for every record): 10-25% more CPU than two workers
// for the same records (bench/peers.sh). On one processor, one worker takes about 0.75 of that
// CPU (80,000 generated records, interleaved runs), no more than two workers.
// Whoever asks for fewer workers than processors wants the run to take less
// of the machine. lookup is os.LookupEnv; nil leaves the scheduler
// alone, as for commands run in-process by specs.
func processorPolicy(lookup func(string) (string, bool), workers int) {
	if lookup == nil || workers <= 0 {
		return
	}
	if _, set := lookup("GOMAXPROCS"); set {
		return
	}
	if workers < runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(workers)
	}
}
