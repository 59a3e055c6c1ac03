package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/suites"
)

// BenchmarkWatchRecheck is one validate --watch re-check of a small Patient
// under the default FHIR suites, definitions already loaded: compiling the
// suites for each re-check (RunVendor) against compiling them once (Prepare,
// then RunPrepared, as the watch does).
//
//	go test ./cmd/carecert -run '^$' -bench WatchRecheck -cpu 1 -benchmem
func BenchmarkWatchRecheck(b *testing.B) {
	file := filepath.Join(b.TempDir(), "patient.json")
	if err := os.WriteFile(file, []byte(`{"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1990-01-01"}`), 0o644); err != nil {
		b.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, env: newRegistries()}
	plan := &runner.Plan{Name: "validate", Evidence: "redacted", SampleLimit: 1000,
		Vendors: []runner.VendorPlan{{Name: "carecert validate", Targets: []map[string]any{{"name": file, "path": file}}}}}
	defaults, err := suites.Defaults(a.env.checks, model.KindFHIR)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range defaults {
		plan.Suites = append(plan.Suites, s.ID)
	}
	r := a.newRunner(1, true)
	ctx := context.Background()
	env := r.Env(ctx, plan)
	v := plan.Vendors[0]
	check := func(_ *model.Report, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	check(r.RunVendor(ctx, plan, v, env)) // definitions load on first use
	b.Run("compiled each time", func(b *testing.B) {
		for b.Loop() {
			check(r.RunVendor(ctx, plan, v, env))
		}
	})
	b.Run("compiled once", func(b *testing.B) {
		prep, err := r.Prepare(plan, v, env)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			check(r.RunPrepared(ctx, plan, v, prep))
		}
	})
}
