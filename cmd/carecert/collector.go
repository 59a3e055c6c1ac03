package main

import (
	"math"
	"runtime"
	"runtime/debug"
)

// The garbage collector's policy for the commands that validate records
// (validate and run), measured with bench/peers.sh on NDJSON feeds.
//
// A run's live heap is small, about 12 MiB on a feed (the definitions in use
// and the records in flight), while it allocates about 9 KB per record, so
// with Go's default (GOGC=100) the collector ran every 12 MB or so: 73 times
// on 80,000 records. A GC percent of 200 cut the collector's work by about
// half and the run's CPU by about 10% on feeds of 50,000 records and more,
// for 15-25 MiB more peak RSS. Higher percents cost more than they save past
// a point: each new page of a larger heap is a page fault (GOGC=400 doubled
// them) and falls out of the caches, so 400 was slower than 200, and slower
// than the default on 20,000 records. Measured again once the stream path
// proved most records from their bytes (stop 34), 300 took 0.92-0.97 of
// 200's CPU on the NDJSON feeds
// (100,000 generated, 102,592 Synthea; 1 and 2 workers, 4 alternated
// rounds) for 14-35 MiB more peak RSS (Synthea 125 -> 159 MiB), and no more
// on HL7 v2 and CSV (docs/profiles.md, "Around the checks, stop 34"). The
// soft memory limit keeps the budget (300 MB peak) when
// a run does hold much (a large data-quality state): near the limit the
// collector runs as often as it must, whatever the percent.
//
// The limit keeps the budget only while the live heap fits well under it. A
// run whose live heap outgrows it (one large Bundle is decoded whole: 200,000
// entries, 125 MB of JSON, hold over 1 GB) cannot be kept in the budget, and
// the limit then only makes the collector run without pause, up to the half
// of the CPU Go lets it take: two thirds of such a run's CPU
// (bench/memory-bundles.sh: 34 CPU-s, against 11 without the limit). So the
// limit is lifted, once, when a collection leaves the live heap above
// gcLiftAt of it, and the percent drops to gcOutgrownPercent: the heap then
// grows to 1.5 times what is live, not 3 times, which matters for a run whose
// live heap grows slowly (a data-quality state of a million records is about
// 200 MiB). Measured on a 60,000-entry Bundle (40 MB of JSON, one run each):
// with the limit 10.6 CPU-s and 479 MB peak; percent 50 without it 4.0 CPU-s
// and 612 MB; percent 100 3.3 and 698 MB; percent 200 3.2 and 656 MB.
const (
	gcPercent         = 300
	gcMemoryLimit     = 240 << 20
	gcLiftAt          = 0.75
	gcOutgrownPercent = 50
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
	liftLimitWhenOutgrown(gcMemoryLimit, int64(gcLiftAt*gcMemoryLimit), gcOutgrownPercent)
}

// liftLimitWhenOutgrown watches the live heap after each collection (through
// a finalizer, which the runtime runs after the collection that finds its
// object unreachable, re-armed each time) and lifts the soft memory limit
// when the live heap passes at, setting the GC percent to percent: the limit
// no longer keeps the budget, it only costs CPU. The watch ends then, or as
// soon as the limit in force is no longer limit (someone else set it: they
// decide).
func liftLimitWhenOutgrown(limit, at int64, percent int) {
	var arm func()
	arm = func() {
		runtime.SetFinalizer(new(collectionMark), func(*collectionMark) {
			if debug.SetMemoryLimit(-1) != limit {
				return
			}
			// Just after a collection the heap in use is nearly all live.
			// (runtime/metrics has the live heap exactly, but reading it
			// costs about 10 MiB of RSS, measured; this costs a pause of
			// microseconds per collection.)
			var stats runtime.MemStats
			runtime.ReadMemStats(&stats)
			if stats.HeapAlloc > uint64(at) {
				debug.SetGCPercent(percent)
				debug.SetMemoryLimit(math.MaxInt64)
				return
			}
			arm()
		})
	}
	arm()
}

// collectionMark is the object whose finalizer marks a collection. It holds
// a pointer so that it is never a tiny allocation, whose finalizer Go may
// never run.
type collectionMark struct{ _ *byte }

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
