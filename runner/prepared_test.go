package runner_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
)

var _ = Describe("a prepared vendor", func() {
	It("compiles each check once and judges run after run with it, each from fresh state", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`id: mine
version: "1"
title: Mine
requirements:
  - {id: M1, level: SHALL, title: no record called bad, check: counted}
`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "good.json"), []byte(`{"resourceType":"Patient","id":"good"}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"resourceType":"Patient","id":"bad"}`), 0o644)).To(Succeed())
		p, err := runner.LoadPlan(writePlan(dir, "suites: [./mine.yaml]\nvendors: [{name: A, targets: [{path: good.json}]}]\n"))
		Expect(err).NotTo(HaveOccurred())

		r := newRunner(1)
		compiles := 0
		r.Checks.Register("counted", "counts its compilations", func(check.Spec, *check.Env) (check.Check, error) {
			compiles++
			return check.PerRecord(check.KindIs(model.KindFHIR), func(rec *model.Record) []model.Finding {
				if rec.ID == "bad" {
					return []model.Finding{{Severity: model.Error, Code: "test.bad", Message: "a record called bad"}}
				}
				return nil
			}), nil
		})
		ctx := context.Background()
		v := p.Vendors[0]
		prep, err := r.Prepare(p, v, r.Env(ctx, p))
		Expect(err).NotTo(HaveOccurred())
		Expect(compiles).To(Equal(1))

		first, err := r.RunPrepared(ctx, p, v, prep)
		Expect(err).NotTo(HaveOccurred())
		Expect(result(first, "M1").Outcome).To(Equal(model.Pass))

		v.Targets = []map[string]any{{"name": "bad.json", "path": "bad.json"}}
		second, err := r.RunPrepared(ctx, p, v, prep)
		Expect(err).NotTo(HaveOccurred())
		m1 := result(second, "M1")
		Expect(m1.Outcome).To(Equal(model.Fail))
		Expect(m1.Evaluated).To(Equal(int64(1)), "the first run's record is not counted again")
		Expect(second.Targets[0].Name).To(Equal("bad.json"))
		Expect(second.Suites).To(Equal(first.Suites))
		Expect(compiles).To(Equal(1), "both runs used the one compilation")

		_, err = r.RunVendor(ctx, p, v, r.Env(ctx, p))
		Expect(err).NotTo(HaveOccurred())
		Expect(compiles).To(Equal(2), "RunVendor compiles for its own run")
	})
})
