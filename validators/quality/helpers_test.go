package quality_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fixtures"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
	"github.com/carecert/carecert/validators/quality"
)

// qualityDefects seeds every data-quality defect kind at a known count into a
// feed of complete patient blocks (4 + 10 per patient).
var qualityDefects = map[string]int{
	"missing-nhs-number": 4, "invalid-nhs-number": 3, "duplicate-nhs-number": 3,
	"duplicate-patient": 2, "missing-postcode": 2, "invalid-postcode": 3,
	"duplicate-resource-id": 3, "dangling-subject": 4, "dangling-requester": 2,
	"observation-before-birth": 3, "events-after-death": 2, "period-end-before-start": 3,
	"issued-before-effective": 2, "implausible-heart-rate": 3, "future-dated": 2,
	"stale-last-updated": 3, "phonetic-duplicate-patient": 2,
}

const feedRecords = 3004

func registry() *check.Registry {
	reg := check.NewRegistry()
	quality.Register(reg)
	return reg
}

// runPlan runs the given suites on a generated feed and returns the report.
func runPlan(seed int, records int, defects map[string]int, evidence string, suites ...string) *model.Report {
	var spec []string
	for k, n := range defects {
		spec = append(spec, fmt.Sprintf("%s=%d", k, n))
	}
	if len(spec) == 0 {
		spec = []string{"none"}
	}
	p := &runner.Plan{
		Date: "2026-01-01", Evidence: evidence, SampleLimit: 10000, Suites: suites,
		Vendors: []runner.VendorPlan{{Name: "Acme", Targets: []map[string]any{{
			"type": "fixture", "seed": seed, "records": records, "defects": strings.Join(spec, ","),
		}}}},
	}
	Expect(p.Check()).To(Succeed())
	r := &runner.Runner{Checks: registry(), Targets: targettest.FHIR(), Workers: 2,
		Now: func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) }}
	reps, err := r.Run(context.Background(), p)
	Expect(err).NotTo(HaveOccurred())
	Expect(reps).To(HaveLen(1))
	return reps[0]
}

// generate returns the records of a generated feed, parsed as a target would,
// and its manifest.
func generate(seed uint64, records int, defects map[string]int) ([]*model.Record, *fixtures.Manifest) {
	g, err := fixtures.New(fixtures.Options{Seed: seed, Records: records, Defects: defects})
	Expect(err).NotTo(HaveOccurred())
	var buf bytes.Buffer
	m, err := g.Generate(func(line []byte) error {
		buf.Write(line)
		return buf.WriteByte('\n')
	})
	Expect(err).NotTo(HaveOccurred())
	var recs []*model.Record
	Expect(fhir.ReadStream(fmt.Sprintf("fixture-seed%d.ndjson", seed), &buf, func(r *model.Record) error {
		r.Load()
		recs = append(recs, r)
		return nil
	})).To(Succeed())
	return recs, m
}

func result(rep *model.Report, req string) model.Result {
	for _, t := range rep.Targets {
		for _, r := range t.Results {
			if r.Requirement == req {
				return r
			}
		}
	}
	Fail("no result for " + req)
	return model.Result{}
}

func measure(r model.Result, name string) model.Measure {
	m, ok := r.Lookup(name)
	Expect(ok).To(BeTrue(), "measure %s of %s (have %v)", name, r.Requirement, r.Measures)
	return m
}

// compile compiles one requirement of a built-in suite.
func compile(suiteID, req string, env *check.Env) check.Check {
	reg := registry()
	s, err := suitesBuiltin(suiteID, reg)
	Expect(err).NotTo(HaveOccurred())
	for _, r := range s.Requirements {
		if r.ID == req {
			c, err := reg.Compile(r.Spec(), env)
			Expect(err).NotTo(HaveOccurred())
			return c
		}
	}
	Fail("no requirement " + req)
	return nil
}

// roundTrip writes a state as JSON and reads it into a fresh state, as a
// sharded run does between machines.
func roundTrip(c check.Check, s check.State) check.State {
	data, err := json.Marshal(s)
	Expect(err).NotTo(HaveOccurred())
	fresh := c.NewState()
	Expect(json.Unmarshal(data, fresh)).To(Succeed())
	return fresh
}

// sharded runs a check with each record in a state of its own, the states
// merged through JSON as a sharded run merges them, and returns the tally.
func sharded(typ string, ps params.Params, recs []*model.Record) *model.Tally {
	GinkgoHelper()
	c, err := registry().Compile(check.Spec{Requirement: "R1", Type: typ, Params: ps, Source: "test"}, env())
	Expect(err).NotTo(HaveOccurred())
	all := c.NewState()
	for _, r := range recs {
		s := c.NewState()
		if c.Applies(r) {
			s.Observe(r)
		}
		Expect(all.Merge(roundTrip(c, s))).To(Succeed())
	}
	t := model.NewTally(100)
	all.Finish(t)
	return t
}

func env() *check.Env {
	return &check.Env{Context: context.Background(), AsOf: fixtures.AsOf}
}
