package hl7v2_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/hl7v2files"
	v2 "github.com/carecert/carecert/validators/hl7v2"
	"github.com/carecert/carecert/validators/quality"
)

const v2QualitySuite = `id: v2-quality
version: 1.0.0
title: HL7 v2 data quality
kinds: [hl7v2]
requirements:
  - {id: Q-PHONE, level: SHOULD, title: PID-13 is filled, check: dq-completeness, params: {kind: hl7v2, type: ["ADT^A01"], element: PID-13, fail: "40%"}}
  - {id: Q-CONTROL-ID, level: SHALL, title: MSH-10 is unique, check: dq-unique, params: {kind: hl7v2, key: [MSH-10]}}
  - {id: Q-BIRTH, level: SHALL, title: Births are not in the future, check: dq-not-future, params: {kind: hl7v2, elements: [PID-7, EVN-2]}}
  - {id: Q-NHS, level: SHALL, title: NHS numbers, check: dq-value-format, params: {kind: hl7v2, element: PID-3.1, format: nhs-number, type: ["ADT^A01"]}}
`

var _ = Describe("The data-quality checks on HL7 v2 feeds", func() {
	It("select v2 values by path: completeness, uniqueness, future dates and formats", func() {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, "v2-quality.yaml"), []byte(v2QualitySuite), 0o644)).To(Succeed())
		msg := func(id, birth, phone, nhs string) string {
			return segs(strings.Replace(msh24, "|C1|", "|"+id+"|", 1), "EVN|A01|20240101120000",
				"PID|1||"+nhs+"^^^NHS^NH||SMITH^ANN||"+birth+"|F|||||"+phone, "PV1|1|I|W1")
		}
		feed := msg("M1", "19800101", "0113", "4010232137") +
			msg("M2", "20990101", "", "4010232137") +
			msg("M1", "19700101", "", "4010232138")
		path := filepath.Join(dir, "feed.hl7")
		Expect(os.WriteFile(path, []byte(feed), 0o644)).To(Succeed())

		checks := check.NewRegistry()
		v2.Register(checks)
		quality.Register(checks, v2.QualityLanguage())
		targets := target.NewRegistry()
		hl7v2files.Register(targets)
		r := &runner.Runner{Checks: checks, Targets: targets, Workers: 2, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
		plan := &runner.Plan{Name: "q", Date: "2026-01-01", Suites: []string{filepath.Join(dir, "v2-quality.yaml")}, SampleLimit: 100,
			Vendors: []runner.VendorPlan{{Name: "v", Targets: []map[string]any{{"path": path}}}}}
		Expect(plan.Check()).To(Succeed())
		reps, err := r.Run(context.Background(), plan)
		Expect(err).NotTo(HaveOccurred())
		res := map[string]model.Result{}
		for _, x := range reps[0].Targets[0].Results {
			res[x.Requirement] = x
		}
		Expect(res["Q-PHONE"].Outcome).To(Equal(model.Fail)) // 2 of 3 empty
		phone := res["Q-PHONE"]
		Expect(phone.Measures).To(HaveLen(1))
		m := phone.Measures[0]
		Expect(m.Numerator).To(BeEquivalentTo(2)) // records without PID-13
		Expect(m.Denominator).To(BeEquivalentTo(3))

		Expect(res["Q-CONTROL-ID"].Outcome).To(Equal(model.Fail))
		Expect(res["Q-CONTROL-ID"].Findings).NotTo(BeEmpty())

		Expect(res["Q-BIRTH"].Outcome).To(Equal(model.Fail))
		Expect(res["Q-BIRTH"].Findings).To(HaveLen(1))
		Expect(res["Q-BIRTH"].Findings[0].Path).To(Equal("PID[1].7[1]"))
		Expect(res["Q-BIRTH"].Findings[0].Line).To(Equal(7))

		Expect(res["Q-NHS"].Outcome).To(Equal(model.Fail))
		Expect(res["Q-NHS"].Findings).To(HaveLen(1))
		Expect(res["Q-NHS"].Findings[0].Line).To(Equal(11))
	})

	It("refuses an expression that is not a v2 path", func() {
		_, err := v2.QualityLanguage().Compile("Patient.name")
		Expect(err).To(MatchError(ContainSubstring("not an HL7 v2 path")))
	})
})
