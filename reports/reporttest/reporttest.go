// Package reporttest builds real certification reports for the tests of report
// writers: a run of the built-in suites over a generated feed with seeded
// defects, and large synthetic reports for paging and speed.
package reporttest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
	"github.com/carecert/carecert/validators/structure"
)

// Feed describes one generated vendor feed.
type Feed struct {
	Vendor, Release string
	Seed            uint64
	Records         int
	// Defects is "none", "all" or a fixture defect spec.
	Defects string
	// Policy is the plan's policy section (nil: the default).
	Policy map[string]any
	// SampleLimit caps kept findings (0: the default).
	SampleLimit int
	// Suites are more suites to run, by file name, as YAML (for a suite
	// that declares manual requirements, say).
	Suites map[string]string
}

// Runner runs feeds, compiling the FHIR schema once for all of them: specs
// that build many reports keep one Runner.
type Runner struct {
	run *runner.Runner
	env *check.Env
}

// asOf is the date every generated report is judged on.
var asOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// New returns a Runner with a fixed clock, so that reports are reproducible.
func New() *Runner {
	checks := check.NewRegistry()
	structure.Register(checks)
	return &Runner{
		run: &runner.Runner{
			Checks: checks, Targets: targettest.FHIR(), Workers: 2,
			Tool: model.Tool{Name: "carecert", Version: "test", Definitions: "FHIR R4 4.0.1"},
			Now:  func() time.Time { return asOf.Add(9 * time.Hour) },
		},
		env: &check.Env{Context: context.Background(), AsOf: asOf},
	}
}

// Run certifies one generated feed against fhir-r4-structure, as `carecert run`
// would.
func (r *Runner) Run(f Feed) (*model.Report, error) {
	p := &runner.Plan{
		Name: "report writer test", Date: asOf.Format("2006-01-02"), Suites: []string{"fhir-r4-structure"},
		Policy: f.Policy, SampleLimit: f.SampleLimit,
		Vendors: []runner.VendorPlan{{
			Name: f.Vendor, Product: f.Vendor + " EPR", Release: f.Release,
			Targets: []map[string]any{{"name": "bulk export", "type": "fixture", "seed": f.Seed, "records": f.Records, "defects": f.Defects}},
		}},
	}
	for _, name := range slices.Sorted(maps.Keys(f.Suites)) {
		if p.Inline == nil {
			p.Inline = map[string]string{}
		}
		p.Inline[name] = f.Suites[name]
		p.Suites = append(p.Suites, name)
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return r.run.RunVendor(context.Background(), p, p.Vendors[0], r.env)
}

// Run certifies one generated feed with a Runner of its own.
func Run(f Feed) (*model.Report, error) { return New().Run(f) }

// Large returns a report with n findings spread over a few requirements and
// targets, every one kept, with a completeness measure per element.
func Large(n int) *model.Report {
	rep := &model.Report{
		Schema: model.ReportSchemaVersion, Tool: model.Tool{Name: "carecert", Version: "test"},
		Plan: "large", Vendor: model.Vendor{Name: "Bigfeed Ltd", Release: "9.9"}, AsOf: "2026-01-01",
		StartedAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 1, 1, 9, 5, 0, 0, time.UTC),
		Complete: true, Evidence: "redacted",
		Suites: []model.SuiteInfo{{ID: "big", Version: "1", Title: "Big suite", Source: "builtin:big"}},
	}
	reqs := []struct {
		id    string
		level model.Level
		sev   model.Severity
		code  string
	}{
		{"BIG-01", model.Shall, model.Error, "big.required"},
		{"BIG-02", model.Should, model.Warning, "big.format"},
		{"BIG-03", model.May, model.Information, "big.note"},
	}
	for ti, tname := range []string{"north feed", "south feed"} {
		tr := model.TargetRun{Name: tname, Type: "fhir", Location: tname + ".ndjson", Records: int64(n)}
		for ri, q := range reqs {
			t := model.NewTally(n)
			for i := ti*len(reqs) + ri; i < n; i += 2 * len(reqs) {
				rec := &model.Record{Source: tname + ".ndjson", Line: i + 1, Type: "Patient", ID: fmt.Sprintf("p%06d", i), Index: int64(i)}
				fnd := rec.Finding(q.sev, q.code, "Patient.birthDate", fmt.Sprintf("problem number %d", i))
				fnd.Evidence = fmt.Sprintf("%q", "1970-01-01")
				t.Observe([]model.Finding{fnd})
			}
			t.Measure("completeness:Patient.birthDate", int64(n-n/10), int64(n))
			t.Measure("completeness:Patient.gender", int64(n), int64(n))
			res := model.Result{Suite: "big", Requirement: q.id, Level: q.level, Title: q.id + " title", Check: "big", Tally: *t}
			res.Outcome, res.Message = t.Grade()
			res.Tally.Sample()
			tr.Results = append(tr.Results, res)
		}
		rep.Targets = append(rep.Targets, tr)
	}
	rep.Summarize()
	rep.Verdict = model.Verdict{Decision: model.NotCertified, Policy: "all-shall", Reasons: []string{"BIG-01 fails"}}
	return rep
}
