package main

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("the collector's policy", func() {
	// settings returns the collector's percent and limit after f, restoring
	// the default ones around it (they are the process's).
	settings := func(f func()) (percent int, limit int64) {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		DeferCleanup(func() {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
		})
		f()
		return debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	}
	env := func(vars ...string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			for _, v := range vars {
				if v == name {
					return "1", true
				}
			}
			return "", false
		}
	}

	It("raises the GC percent and sets a soft limit inside the 300 MB budget", func() {
		percent, limit := settings(func() { collectorPolicy(env()) })
		Expect(percent).To(Equal(gcPercent))
		Expect(limit).To(Equal(int64(240 << 20)))
	})

	DescribeTable("leaves the collector as the user set it",
		func(vars ...string) {
			percent, limit := settings(func() { collectorPolicy(env(vars...)) })
			Expect(percent).To(Equal(100))
			Expect(limit).To(Equal(int64(math.MaxInt64)))
		},
		Entry("GOGC", "GOGC"),
		Entry("GOMEMLIMIT", "GOMEMLIMIT"),
		Entry("both", "GOGC", "GOMEMLIMIT"),
	)

	It("is set by validate and run in the binary, and by no command in-process", func() {
		dir := GinkgoT().TempDir()
		file := filepath.Join(dir, "patient.json")
		Expect(os.WriteFile(file, []byte(`{"resourceType":"Patient","id":"p1","gender":"female"}`), 0o600)).To(Succeed())
		run := func(lookup func(string) (string, bool), args ...string) int {
			percent, _ := settings(func() {
				Expect(executeWith(context.Background(), args, io.Discard, io.Discard, lookup)).To(Equal(exitOK))
			})
			return percent
		}
		Expect(run(env(), "validate", "-q", file)).To(Equal(gcPercent))
		plan := []string{"run", "--vendor", "Acme", "--target", file, "--suite", "fhir-r4-structure", "--out", filepath.Join(dir, "out"), "-q"}
		Expect(run(env(), plan...)).To(Equal(gcPercent))
		Expect(run(env(), "checks")).To(Equal(100), "commands that do not validate keep Go's default")
		Expect(run(nil, "validate", "-q", file)).To(Equal(100), "execute, as specs call it, leaves the collector alone")
	})
})

var _ = Describe("lifting the soft limit a run has outgrown", func() {
	// limited sets the process's memory limit for one spec, restoring Go's
	// default after it.
	limited := func(limit int64) {
		debug.SetMemoryLimit(limit)
		DeferCleanup(func() {
			debug.SetMemoryLimit(math.MaxInt64)
			debug.SetGCPercent(100)
		})
	}
	// collect runs a collection and gives the finalizer goroutine time to
	// run what it found, then returns the limit in force.
	collect := func() int64 {
		runtime.GC()
		runtime.Gosched()
		return debug.SetMemoryLimit(-1)
	}
	const limit = 64 << 20

	It("lifts the limit once the live heap passes the mark, and lowers the percent", func() {
		limited(limit)
		held := make([]byte, 8<<20) // live above the 4 MiB mark, under the limit
		liftLimitWhenOutgrown(limit, 4<<20, 50)
		Eventually(collect).Should(Equal(int64(math.MaxInt64)))
		Expect(debug.SetGCPercent(100)).To(Equal(50))
		runtime.KeepAlive(held)
	})

	It("keeps the limit while the live heap stays under the mark", func() {
		limited(limit)
		liftLimitWhenOutgrown(limit, 1<<40, 50)
		Consistently(collect).WithTimeout(300 * time.Millisecond).Should(Equal(int64(limit)))
	})

	It("stops watching when someone else sets the limit", func() {
		limited(limit)
		liftLimitWhenOutgrown(limit, 4<<20, 50)
		debug.SetMemoryLimit(limit + 1)
		Consistently(collect).WithTimeout(200*time.Millisecond).Should(Equal(int64(limit+1)), "another limit is left alone")
		debug.SetMemoryLimit(limit)
		held := make([]byte, 8<<20)
		Consistently(collect).WithTimeout(300*time.Millisecond).Should(Equal(int64(limit)), "the watch has ended")
		runtime.KeepAlive(held)
	})
})

var _ = Describe("the processor policy", func() {
	// procs returns GOMAXPROCS after f, restoring it around f (it is the
	// process's).
	procs := func(f func()) int {
		before := runtime.GOMAXPROCS(0)
		DeferCleanup(func() { runtime.GOMAXPROCS(before) })
		f()
		return runtime.GOMAXPROCS(0)
	}
	unset := func(string) (string, bool) { return "", false }
	userSet := func(name string) (string, bool) { return "4", name == "GOMAXPROCS" }

	It("runs on as many processors as --workers asks for, when fewer than Go would use", func() {
		runtime.GOMAXPROCS(2)
		Expect(procs(func() { processorPolicy(unset, 1) })).To(Equal(1))
	})

	DescribeTable("leaves the processors as they are",
		func(lookup func(string) (string, bool), workers int) {
			runtime.GOMAXPROCS(2)
			Expect(procs(func() { processorPolicy(lookup, workers) })).To(Equal(2))
		},
		Entry("without --workers", unset, 0),
		Entry("for as many workers as processors", unset, 2),
		Entry("for more workers than processors: never more processors than Go chose", unset, 8),
		Entry("when the user set GOMAXPROCS", userSet, 1),
		Entry("in-process, as specs run commands", nil, 1),
	)

	It("is set by validate and run in the binary, and by no command in-process", func() {
		dir := GinkgoT().TempDir()
		file := filepath.Join(dir, "patient.json")
		Expect(os.WriteFile(file, []byte(`{"resourceType":"Patient","id":"p1","gender":"female"}`), 0o600)).To(Succeed())
		run := func(lookup func(string) (string, bool), args ...string) int {
			return procs(func() {
				runtime.GOMAXPROCS(2)
				Expect(executeWith(context.Background(), args, io.Discard, io.Discard, lookup)).To(Equal(exitOK))
			})
		}
		Expect(run(unset, "validate", "-q", "--workers", "1", file)).To(Equal(1))
		plan := []string{"run", "--vendor", "Acme", "--target", file, "--suite", "fhir-r4-structure", "--out", filepath.Join(dir, "out"), "-q", "--workers", "1"}
		Expect(run(unset, plan...)).To(Equal(1))
		Expect(run(unset, "validate", "-q", file)).To(Equal(2), "without --workers, every processor")
		Expect(run(nil, "validate", "-q", "--workers", "1", file)).To(Equal(2), "execute, as specs call it, leaves the scheduler alone")
	})
})
