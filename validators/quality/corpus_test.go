package quality_test

import (
	"context"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/runner"
	"github.com/carecert/carecert/runner/target/targettest"
)

// The shared corpus is realistic synthetic data (Synthea, one transaction
// Bundle per patient, urn:uuid references) that independent validators judge
// valid: dq-core must not raise false alarms on it, and what it does report
// must be true of the data.
var _ = Describe("dq-core on the shared Synthea corpus", Ordered, func() {
	var rep *model.Report
	BeforeAll(func() {
		p := &runner.Plan{Date: "2026-01-01", SampleLimit: 1000, Suites: []string{"dq-core"},
			Vendors: []runner.VendorPlan{{Name: "Synthea", Targets: []map[string]any{{"type": "fhir", "path": sharedtest.Path("corpus", "synthea-r4")}}}}}
		Expect(p.Check()).To(Succeed())
		r := &runner.Runner{Checks: registry(), Targets: targettest.FHIR(), Workers: 2,
			Now: func() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) }}
		reps, err := r.Run(context.Background(), p)
		Expect(err).NotTo(HaveOccurred())
		rep = reps[0]
	})

	It("resolves every urn:uuid reference and finds no implausible value or date order", func() {
		refs := measure(result(rep, "DQ-REF-01"), "dq.conformance.verification.dangling")
		Expect(refs.Numerator).To(BeZero())
		Expect(refs.Denominator).To(BeNumerically(">", 15000))
		for _, req := range []string{"DQ-REF-01", "DQ-VAL-01", "DQ-TEMP-01", "DQ-TEMP-02", "DQ-TEMP-03", "DQ-COMP-01", "DQ-COMP-02", "DQ-UNIQ-02"} {
			r := result(rep, req)
			Expect(r.Outcome).To(Equal(model.Pass), req+": "+r.Message)
			Expect(r.Findings).To(BeEmpty(), req)
		}
		Expect(measure(result(rep, "DQ-VAL-01"), "dq.plausibility.atemporal.validation.out-of-range").Denominator).To(BeNumerically(">", 1000))
	})

	It("reports the one patient with months of care after death, tolerating death certificates", func() {
		r := result(rep, "DQ-TEMP-04")
		Expect(r.Findings).To(HaveLen(1))
		f := r.Findings[0]
		Expect(f.File).To(ContainSubstring("Fletcher_Hyatt"))
		Expect(f.Record).To(Equal("Patient/c5ed5d78-5b3f-4a75-bdfb-5f318b068a20"))
		Expect(f.Message).To(HavePrefix("30 event(s) of this patient are dated after their death"))
		Expect(f.Evidence).To(BeEmpty())
	})

	It("sees shared organisations and practitioners repeated across per-patient Bundles, and only those", func() {
		r := result(rep, "DQ-UNIQ-01")
		Expect(r.Findings).NotTo(BeEmpty())
		for _, f := range r.Findings {
			Expect(f.Record).To(Or(HavePrefix("Organization/"), HavePrefix("Practitioner/")))
			Expect(f.Message).To(ContainSubstring("same resource id as " + f.Record))
		}
		// Per file, nothing repeats (six files are enough to share some).
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		var recs []*model.Record
		for _, f := range files[:6] {
			Expect(fhir.ReadFile(f, func(r *model.Record) error {
				r.Load()
				recs = append(recs, r)
				return nil
			})).To(Succeed())
		}
		t, _, _ := run("dq-unique", params.Params{"resource_id": true}, recs)
		m, _ := t.Lookup("dq.plausibility.uniqueness.verification.duplicate-id")
		Expect(m.Numerator).To(BeNumerically(">", 0))
		t, o, _ := run("dq-unique", params.Params{"resource_id": true, "per_file": true}, recs)
		Expect(o).To(Equal(model.Pass))
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-id")
		Expect(m.Numerator).To(BeZero())
		Expect(m.Denominator).To(BeNumerically(">", 1000))
	})
})
