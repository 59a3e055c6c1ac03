package terminology_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
)

// BenchmarkFeed measures the cost per record of validating a generated feed
// (every clinical record coded: LOINC, SNOMED CT, dm+d, UCUM, HL7 codes) with
// the structure suite alone and with the terminology suite added. Compile
// time (loading the definitions and terminology) is part of each run, as it
// is for a user.
//
//	go test ./validators/terminology -run XXX -bench Feed -benchtime 3x
func BenchmarkFeed(b *testing.B) {
	dir := b.TempDir()
	if _, err := fixtures.WriteDir(dir, fixtures.Options{Seed: 3, Records: 5000}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "feed.ndjson")
	for _, tc := range []struct {
		name   string
		suites []string
	}{
		{"structure", []string{"fhir-r4-structure"}},
		{"structure+terminology", []string{"fhir-r4-structure", "fhir-r4-terminology"}},
		{"terminology", []string{"fhir-r4-terminology"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var records int64
			for i := 0; i < b.N; i++ {
				plan := &runner.Plan{Name: "bench", Suites: tc.suites, Date: "2026-01-01",
					Vendors: []runner.VendorPlan{{Name: "v", Targets: []map[string]any{{"name": "feed", "path": path}}}}}
				if err := plan.Check(); err != nil {
					b.Fatal(err)
				}
				r := &runner.Runner{Checks: registry(), Targets: targettest.FHIR(), Tool: model.Tool{Name: "bench"}}
				reps, err := r.Run(context.Background(), plan)
				if err != nil {
					b.Fatal(err)
				}
				records += reps[0].Targets[0].Records
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
		})
	}
}

// BenchmarkObserve measures the terminology checks' cost per record alone,
// compiled once, against the JSON schema check's on the same records.
//
//	go test ./validators/terminology -run XXX -bench Observe -benchtime 20000x
func BenchmarkObserve(b *testing.B) {
	dir := b.TempDir()
	if _, err := fixtures.WriteDir(dir, fixtures.Options{Seed: 3, Records: 2000}); err != nil {
		b.Fatal(err)
	}
	var recs []*model.Record
	if err := fhir.ReadFile(filepath.Join(dir, fixtures.FeedFile), func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	reg := registry()
	for _, tc := range []struct {
		name  string
		types []string
	}{
		{"schema", []string{"fhir-json-schema"}},
		{"terminology", []string{"fhir-value-set-binding", "fhir-code-system", "fhir-code-format", "fhir-ucum-units", "mapping-coverage"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			env := &check.Env{Context: context.Background()}
			var states []check.State
			var checks []check.Check
			for _, typ := range tc.types {
				params := params.Params{}
				if typ == "mapping-coverage" {
					params["elements"] = []any{"Condition.code", "Observation.code", "MedicationRequest.medicationCodeableConcept"}
				}
				c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ, Params: params, Source: "bench"}, env)
				if err != nil {
					b.Fatal(err)
				}
				checks = append(checks, c)
				states = append(states, c.NewState())
			}
			observe := func(r *model.Record) {
				for j, c := range checks {
					if c.Applies(r) {
						states[j].Observe(r)
					}
				}
			}
			for _, r := range recs { // load the terminology outside the timing
				observe(r)
			}
			b.ResetTimer()
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				observe(recs[i%len(recs)])
			}
			// CPU time holds steadier than wall time on a shared machine.
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/record")
		})
	}
}

// cpuTime is the CPU time the process has used, garbage collection included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
