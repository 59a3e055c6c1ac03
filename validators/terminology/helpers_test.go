package terminology_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
	"github.com/carecert/carecert/terminology/snomed"
	"github.com/carecert/carecert/terminology/snomed/snomedtest"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// generate writes a fixture feed to dir and returns its path and manifest.
func generate(dir string, records int, defects map[string]int) (string, *fixtures.Manifest) {
	g, err := fixtures.New(fixtures.Options{Seed: 7, Records: records, Defects: defects})
	Expect(err).NotTo(HaveOccurred())
	var buf bytes.Buffer
	m, err := g.Generate(func(line []byte) error {
		buf.Write(line)
		buf.WriteByte('\n')
		return nil
	})
	Expect(err).NotTo(HaveOccurred())
	path := filepath.Join(dir, "feed.ndjson")
	Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
	return path, m
}

func registry() *check.Registry {
	reg := check.NewRegistry()
	structure.Register(reg)
	terminology.Register(reg)
	return reg
}

// run validates paths with the given suites and returns the report.
func run(suites []string, igs []string, paths ...string) *model.Report {
	return runChecks(registry(), suites, igs, paths...)
}

// runWith is run with the checks of reg (the profile engine's among them,
// whose proof leaves records undecoded).
func runWith(reg *check.Registry, suites []string, paths ...string) *model.Report {
	return runChecks(reg, suites, nil, paths...)
}

func runChecks(reg *check.Registry, suites []string, igs []string, paths ...string) *model.Report {
	var targets []map[string]any
	for _, p := range paths {
		targets = append(targets, map[string]any{"name": filepath.Base(p), "path": p})
	}
	plan := &runner.Plan{Name: "spec", Suites: suites, IGs: igs, SampleLimit: 100000, Date: "2026-01-01",
		Vendors: []runner.VendorPlan{{Name: "Acme", Targets: targets}}}
	Expect(plan.Check()).To(Succeed())
	r := &runner.Runner{Checks: reg, Targets: targettest.FHIR(), Tool: model.Tool{Name: "carecert", Version: "test"}, Workers: 2}
	reps, err := r.Run(context.Background(), plan)
	Expect(err).NotTo(HaveOccurred())
	Expect(reps).To(HaveLen(1))
	return reps[0]
}

// result returns the result of requirement req on the report's only target.
func result(rep *model.Report, req string) model.Result {
	for _, res := range rep.Targets[0].Results {
		if res.Requirement == req {
			return res
		}
	}
	Expect(req).To(Equal("a requirement of the report"))
	return model.Result{}
}

// records reads every record of an NDJSON file.
func records(path string) []*model.Record {
	var out []*model.Record
	Expect(fhir.ReadFile(path, func(r *model.Record) error {
		r.Load()
		out = append(out, r)
		return nil
	})).To(Succeed())
	return out
}

// sharedEnv lets the specs that compile checks directly share one loaded
// terminology service, as the checks of one run do.
var sharedEnv = &check.Env{Context: context.Background()}

func compile(typ string, params map[string]any) (check.Check, error) {
	return registry().Compile(check.Spec{Requirement: "REQ", Type: typ, Params: params, Source: "spec"}, sharedEnv)
}

// editions loads two SNOMED CT releases into dir, current.db and later.db:
// in the later one the concept PregHTN is retired.
func editions(dir string) (current, later string) {
	load := func(name string, edit func(concepts string) string) string {
		rel := snomedtest.WriteRelease(filepath.Join(dir, name))
		files, err := filepath.Glob(filepath.Join(rel, "Snapshot", "Terminology", "sct2_Concept_*.txt"))
		ExpectWithOffset(2, err).NotTo(HaveOccurred())
		ExpectWithOffset(2, files).To(HaveLen(1))
		data, err := os.ReadFile(files[0])
		ExpectWithOffset(2, err).NotTo(HaveOccurred())
		ExpectWithOffset(2, os.WriteFile(files[0], []byte(edit(string(data))), 0o644)).To(Succeed())
		db := filepath.Join(dir, name+".db")
		_, err = snomed.Load(context.Background(), rel, db)
		ExpectWithOffset(2, err).NotTo(HaveOccurred())
		return db
	}
	current = load("current", func(c string) string { return c })
	later = load("later", func(c string) string {
		line := snomedtest.PregHTN + "\t20250101\t1\t"
		ExpectWithOffset(2, c).To(ContainSubstring(line))
		return strings.Replace(c, line, snomedtest.PregHTN+"\t20250101\t0\t", 1)
	})
	return current, later
}
