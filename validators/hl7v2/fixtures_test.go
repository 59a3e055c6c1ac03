package hl7v2_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fixtures/hl7v2gen"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	v2 "github.com/carecert/carecert/validators/hl7v2"
	vterm "github.com/carecert/carecert/validators/terminology"
)

func newRunner() *runner.Runner {
	checks := check.NewRegistry()
	v2.Register(checks)
	vterm.Register(checks) // mapping coverage of OBX-3 (hl7v2-terminology)
	targets := target.NewRegistry()
	hl7v2files.Register(targets)
	return &runner.Runner{Checks: checks, Targets: targets, Workers: 2,
		Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
}

func runOn(path string, suites ...string) *model.Report {
	plan := &runner.Plan{Name: "t", Date: "2026-01-01", Suites: suites, SampleLimit: 100000, Evidence: "full",
		Vendors: []runner.VendorPlan{{Name: "v", Targets: []map[string]any{{"name": filepath.Base(path), "path": path, "type": "hl7v2"}}}}}
	Expect(plan.Check()).To(Succeed())
	reps, err := newRunner().Run(context.Background(), plan)
	Expect(err).NotTo(HaveOccurred())
	return reps[0]
}

var messageNo = regexp.MustCompile(`\(message (\d+)\)$`)

// found maps "index requirement" pairs to how often they were reported.
func found(rep *model.Report, minSeverity model.Severity) map[string]int {
	out := map[string]int{}
	for _, t := range rep.Targets {
		Expect(t.Error).To(BeEmpty())
		for _, res := range t.Results {
			Expect(res.Dropped).To(BeZero())
			for _, f := range res.Findings {
				if f.Severity < minSeverity {
					continue
				}
				m := messageNo.FindStringSubmatch(f.Record)
				Expect(m).NotTo(BeNil(), f.String())
				n, _ := strconv.Atoi(m[1])
				out[fmt.Sprintf("%d %s/%s", n-1, res.Suite, res.Requirement)]++
			}
		}
	}
	return out
}

var _ = Describe("Generated ADT and ORU feeds with seeded defects", func() {
	It("finds every seeded defect at its message under the requirements that own it, and nothing on clean messages", func() {
		defects := map[string]int{}
		for _, k := range hl7v2gen.Kinds() {
			defects[k] = 3
		}
		g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 7, Messages: 400, ORUEvery: 4, Defects: defects})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		man, err := g.Generate(&buf)
		Expect(err).NotTo(HaveOccurred())
		Expect(man.Defects).To(HaveLen(3 * len(hl7v2gen.Kinds())))
		path := filepath.Join(GinkgoT().TempDir(), "feed.hl7")
		Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())

		rep := runOn(path, "hl7v2-structure", "nhs-adt-v2", "hl7v2-terminology")
		Expect(rep.Summary.Records).To(BeEquivalentTo(400))
		want := map[string]bool{}
		for _, d := range man.Defects {
			for _, req := range d.Detects {
				want[fmt.Sprintf("%d %s", d.Index, req)] = true
			}
		}
		got := found(rep, model.Warning)
		gotKeys := map[string]bool{}
		for k := range got {
			gotKeys[k] = true
		}
		var missing, extra []string
		for k := range want {
			if !gotKeys[k] {
				missing = append(missing, k)
			}
		}
		for k := range gotKeys {
			if !want[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		Expect(missing).To(BeEmpty(), "seeded defects not found")
		Expect(extra).To(BeEmpty(), "findings on messages or requirements without a seeded defect")
	})

	It("reports a clean feed as clean", func() {
		g, err := hl7v2gen.New(hl7v2gen.Options{Seed: 3, Messages: 60, ORUEvery: 3})
		Expect(err).NotTo(HaveOccurred())
		var buf bytes.Buffer
		_, err = g.Generate(&buf)
		Expect(err).NotTo(HaveOccurred())
		path := filepath.Join(GinkgoT().TempDir(), "clean.hl7")
		Expect(os.WriteFile(path, buf.Bytes(), 0o644)).To(Succeed())
		rep := runOn(path, "hl7v2-structure", "nhs-adt-v2", "hl7v2-terminology")
		Expect(found(rep, model.Information)).To(BeEmpty())
		Expect(rep.Verdict.Decision).To(Equal(model.Certified))
	})
})

var _ = Describe("The shared HL7 v2 samples", func() {
	It("all parse and validate, with byte-identical reports run after run", func() {
		dir := sharedtest.Path("hl7v2-samples")
		files, err := filepath.Glob(filepath.Join(dir, "*.hl7"))
		Expect(err).NotTo(HaveOccurred())
		Expect(len(files)).To(BeNumerically(">=", 130))
		first := runOn(dir, "hl7v2-structure")
		Expect(first.Targets[0].Error).To(BeEmpty())
		Expect(first.Summary.Records).To(BeEquivalentTo(len(files)))
		a, err := reports.MarshalJSON(first)
		Expect(err).NotTo(HaveOccurred())
		b, err := reports.MarshalJSON(runOn(dir, "hl7v2-structure"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(a)).To(Equal(string(b)))
		// The upstream files use LF and 27 carry a byte-order mark: each is reported.
		counts := map[string]int{}
		for _, res := range first.Targets[0].Results {
			for _, f := range res.Findings {
				counts[f.Code]++
			}
		}
		Expect(counts["parse.bom"]).To(Equal(27))
		Expect(counts["parse.segment-terminator"]).To(Equal(len(files)))
	})
})
