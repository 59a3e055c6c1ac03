package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
)

// panicky registers a check that panics on records whose id starts with
// "boom", standing in for a library that meets input it never expected.
func panicky(r *runner.Runner) {
	r.Checks.Register("explodes", "panics on some records", func(check.Spec, *check.Env) (check.Check, error) {
		return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
			if strings.HasPrefix(rec.ID, "boom") {
				var m map[string]int
				m["x"]++ // a nil-map write: a real runtime panic
			}
			return nil
		}), nil
	})
}

var _ = Describe("a check that panics", func() {
	It("costs the record an error finding naming the check and record, and every other record and check still counts", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`id: mine
version: "1"
title: Mine
requirements:
  - {id: M1, level: SHALL, title: explodes, check: explodes}
`), 0o644)).To(Succeed())
		feed := `{"resourceType":"Patient","id":"a1"}
{"resourceType":"Patient","id":"boom1"}
{"resourceType":"Patient","id":"a2","gender":"banana"}
`
		Expect(os.WriteFile(filepath.Join(dir, "feed.ndjson"), []byte(feed), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [./mine.yaml, fhir-r4-structure]\nvendors: [{name: A, targets: [{path: feed.ndjson}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		r := newRunner(2)
		panicky(r)
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		m1 := result(reps[0], "M1")
		Expect(m1.Outcome).To(Equal(model.Fail))
		Expect(m1.Evaluated).To(Equal(int64(3)))
		Expect(m1.Errors).To(Equal(int64(1)))
		Expect(m1.Findings[0].Code).To(Equal("carecert.internal-error"))
		Expect(m1.Findings[0].Message).To(ContainSubstring("check explodes of mine/M1"))
		Expect(m1.Findings[0].Message).To(ContainSubstring("Patient/boom1"))
		Expect(m1.Findings[0].Line).To(Equal(2))
		// The structure check saw every record, the banana included.
		Expect(result(reps[0], "STRUCT-02").Errors).To(Equal(int64(1)))
		Expect(reps[0].Verdict.Decision).To(Equal(model.NotCertified))
	})

	It("does not end the run on a number beyond float64 (the schema library's panic), from a file", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "o.json"), []byte(`{"resourceType":"Observation","status":1e400}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"resourceType":"Patient","id":"p"}`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{path: o.json}, {path: p.json}]}]\n"))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(0).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		s2 := result(reps[0], "STRUCT-02")
		Expect(s2.Findings).To(ContainElement(HaveField("Code", "structure.number-range")))
		Expect(s2.Findings).NotTo(ContainElement(HaveField("Code", "carecert.internal-error")))
		Expect(reps[0].Targets[1].Records).To(Equal(int64(1)))
	})
})

var _ = Describe("the evidence floor", func() {
	DescribeTable("certifies nothing on no records",
		func(setup func(dir string) string) {
			dir := GinkgoT().TempDir()
			target := setup(dir)
			p, err := runner.LoadPlan(writePlan(dir, "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{path: "+target+"}]}]\n"))
			Expect(err).NotTo(HaveOccurred())
			reps, err := newRunner(0).Run(context.Background(), p)
			Expect(err).NotTo(HaveOccurred())
			Expect(reps[0].Verdict.Decision).To(Equal(model.NotCertified))
			Expect(reps[0].Verdict.Reasons).To(ContainElement(ContainSubstring("no evidence")))
		},
		Entry("an empty folder", func(dir string) string {
			Expect(os.Mkdir(filepath.Join(dir, "empty"), 0o755)).To(Succeed())
			return "empty"
		}),
		Entry("a file of whitespace longer than the sniffed head", func(dir string) string {
			Expect(os.WriteFile(filepath.Join(dir, "blank.ndjson"), []byte(strings.Repeat(" \n", 600)), 0o644)).To(Succeed())
			return "blank.ndjson"
		}),
	)

	It("lets the policy set the minimum", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"resourceType":"Patient","id":"p"}`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [fhir-r4-structure]\nvendors: [{name: A, targets: [{path: p.json}]}]\npolicy: {min_records: 2}\n"))
		Expect(err).NotTo(HaveOccurred())
		reps, err := newRunner(0).Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		Expect(reps[0].Verdict.Decision).To(Equal(model.NotCertified))
		Expect(reps[0].Verdict.Reasons).To(ContainElement("no evidence: target p.json yielded 1 record(s); the policy needs at least 2"))
	})
})
