package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
)

// stopping reads a real NDJSON file and stops after After records: with an
// error, or by panicking (a reader meeting input it never expected).
type stopping struct {
	After int  `param:"after" doc:"records read before the target stops"`
	Panic bool `param:"panic" doc:"panic instead of returning an error"`
}

type stoppingFeed struct {
	path string
	o    stopping
}

func (t stoppingFeed) Records(ctx context.Context, emit target.Emit) error {
	n := 0
	return fhir.ReadFile(t.path, func(rec *model.Record) error {
		if n == t.o.After {
			if t.o.Panic {
				panic("the reader met what it never expected")
			}
			return errors.New("the connection dropped")
		}
		n++
		return emit(rec)
	})
}

// checkedTimes registers a check that counts how often each record is
// checked, by source and index.
func checkedTimes(r *runner.Runner) func() map[string]int {
	var mu sync.Mutex
	times := map[string]int{}
	r.Checks.Register("counts", "counts the records it checks", func(check.Spec, *check.Env) (check.Check, error) {
		return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
			mu.Lock()
			defer mu.Unlock()
			times[fmt.Sprintf("%s#%d", rec.Source, rec.Index)]++
			return nil
		}), nil
	})
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return times
	}
}

var _ = Describe("records shared between workers", func() {
	const records = 1000

	// run checks a generated feed of records with the counting check, read
	// through targetLine (a plan's target), with workers workers.
	run := func(workers int, targetLine string) (*model.Report, map[string]int, int64) {
		dir := GinkgoT().TempDir()
		_, err := fixtures.WriteDir(filepath.Join(dir, "feed"), fixtures.Options{Seed: 7, Records: records})
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "counts.yaml"), []byte("id: counts\nversion: '1'\ntitle: Counts\nrequirements:\n  - {id: C1, level: SHALL, title: counted, check: counts}\n"), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [./counts.yaml]\nvendors: [{name: A, targets: ["+targetLine+"]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		r := newRunner(workers)
		target.Define(r.Targets, "stopping", "a feed that stops part-way", stopping{}, func(spec target.Spec, o stopping) (target.Target, error) {
			path, err := spec.FilePath("stopping")
			return stoppingFeed{path: path, o: o}, err
		})
		times := checkedTimes(r)
		var progress int64
		var mu sync.Mutex
		r.Progress = progressFunc(func(n int) {
			mu.Lock()
			defer mu.Unlock()
			progress += int64(n)
		})
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		return reps[0], times(), progress
	}

	DescribeTable("each record read is checked once and counted once, and what stopped the reading is the target's error",
		func(workers int, targetLine string, read int, targetError string) {
			rep, times, progress := run(workers, targetLine)
			tr := rep.Targets[0]
			Expect(tr.Records).To(Equal(int64(read)))
			Expect(progress).To(Equal(int64(read)), "progress is told of each record read")
			Expect(result(rep, "INPUT").Evaluated).To(Equal(int64(read)))
			Expect(result(rep, "C1").Evaluated).To(Equal(int64(read)))
			Expect(times).To(HaveLen(read), "every record read was checked")
			for rec, n := range times {
				Expect(n).To(Equal(1), "%s checked once", rec)
			}
			if targetError == "" {
				Expect(tr.Error).To(BeEmpty())
			} else {
				Expect(tr.Error).To(ContainSubstring(targetError))
			}
		},
		Entry("one worker, a whole file", 1, "{path: feed/feed.ndjson}", records, ""),
		Entry("two workers, a whole file", 2, "{path: feed/feed.ndjson}", records, ""),
		Entry("seven workers, a whole file", 7, "{path: feed/feed.ndjson}", records, ""),
		Entry("two workers, fewer records than one worker takes at a time", 2, "{type: stopping, path: feed/feed.ndjson, after: 3}", 3, "the connection dropped"),
		Entry("one worker, a reader that fails part-way", 1, "{type: stopping, path: feed/feed.ndjson, after: 501}", 501, "the connection dropped"),
		Entry("two workers, a reader that fails part-way", 2, "{type: stopping, path: feed/feed.ndjson, after: 501}", 501, "the connection dropped"),
		Entry("two workers, a reader that fails before any record", 2, "{type: stopping, path: feed/feed.ndjson, after: 0}", 0, "the connection dropped"),
		Entry("one worker, a reader that panics part-way", 1, "{type: stopping, path: feed/feed.ndjson, after: 777, panic: true}", 777, "carecert failed while reading the target (an internal error): the reader met what it never expected"),
		Entry("three workers, a reader that panics part-way", 3, "{type: stopping, path: feed/feed.ndjson, after: 777, panic: true}", 777, "carecert failed while reading the target (an internal error): the reader met what it never expected"),
	)
})
