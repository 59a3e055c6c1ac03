package runner_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
)

// BenchmarkFeed runs a plan of checks that look at nothing (idle) over a
// generated NDJSON feed of 20,000 records, with one worker and two: what
// the runner costs around the checks per record (reading the lines,
// sharing them out, collecting findings into tallies and defects),
// allocations included. The records are proven from their bytes, as the
// profile check's stream path proves most records of a feed, so none is
// decoded.
func BenchmarkFeed(b *testing.B) {
	dir := b.TempDir()
	const records = 20000
	feed := filepath.Join(dir, "feed.ndjson")
	f, err := os.Create(feed)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	g, err := fixtures.New(fixtures.Options{Seed: 1, Records: records})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := g.Generate(func(line []byte) error {
		_, err := w.Write(append(line, '\n'))
		return err
	}); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	for i, id := range []string{"idle-a", "idle-b"} {
		suite := fmt.Sprintf("id: %s\nversion: '1'\ntitle: Idle\nrequirements:\n  - {id: I%d1, level: SHALL, title: Nothing, check: idle}\n  - {id: I%d2, level: SHOULD, title: Nothing, check: idle}\n", id, i, i)
		if err := os.WriteFile(filepath.Join(dir, id+".yaml"), []byte(suite), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("name: bench\ndate: 2026-01-01\nsuites: [./idle-a.yaml, ./idle-b.yaml]\nvendor: {name: Bench}\ntargets:\n  - {name: feed, path: feed.ndjson}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	p, err := runner.LoadPlan(plan)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			reg := check.NewRegistry()
			reg.Register("idle", "looks at nothing", func(check.Spec, *check.Env) (check.Check, error) { return idle{}, nil })
			r := &runner.Runner{Checks: reg, Targets: targettest.FHIR(), Workers: workers,
				Tool: model.Tool{Name: "carecert", Version: "bench"}, Now: func() time.Time { return time.Unix(0, 0) }}
			b.ReportAllocs()
			for b.Loop() {
				reps, err := r.Run(context.Background(), p)
				if err != nil {
					b.Fatal(err)
				}
				if got := reps[0].Targets[0].Records; got != records {
					b.Fatalf("%d records read, want %d", got, records)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
		})
	}
}

// idle is a check that looks at nothing: it leads and proves every record
// undecoded (check.Prover), and finds a warning in one record of fifty.
type idle struct{}

type idleState struct{}

func (idle) Applies(rec *model.Record) bool { return rec.Kind == model.KindFHIR }
func (idle) NewState() check.State          { return idleState{} }
func (idle) Leads()                         {}

func (idleState) Prove(rec *model.Record) bool {
	rec.Type = "Resource"
	return true
}

func (idleState) Observe(rec *model.Record) []model.Finding {
	if rec.Index%50 == 0 {
		return []model.Finding{rec.Finding(model.Warning, "idle.sample", "", "one in fifty")}
	}
	return nil
}

func (idleState) Merge(check.State) error { return nil }
func (idleState) Finish(*model.Tally)     {}
