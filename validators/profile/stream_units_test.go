package profile_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// An observation contained in a record proven from its bytes is judged by
// the units rule on the coded values the proof kept for it, as a standalone
// one is: the record is never decoded for it, and the findings are those of
// the record decoded.
var _ = Describe("the units rule on an observation contained in a proven record", func() {
	quantity := func(unit string) string {
		return `{"value":1,"system":"http://unitsofmeasure.org","code":"` + unit + `"}`
	}
	observation := func(id, code, rest string) string {
		return `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"` + code +
			`"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-01-01"` + rest + `}`
	}
	report := func(contained ...string) string {
		refs := ""
		for i := range contained {
			if i > 0 {
				refs += ","
			}
			refs += `{"reference":"#o` + string(rune('1'+i)) + `"}`
		}
		out := `{"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"panel"},"contained":[`
		for i, c := range contained {
			if i > 0 {
				out += ","
			}
			out += c
		}
		return out + `],"result":[` + refs + `]}`
	}
	compile := func() (check.State, check.State) {
		reg := check.NewRegistry()
		structure.Register(reg)
		profile.Register(reg)
		terminology.Register(reg)
		env := &check.Env{Context: context.Background()}
		var states []check.State
		for _, typ := range []string{"fhir-profile", "fhir-ucum-units"} {
			c, err := reg.Compile(check.Spec{Requirement: typ, Type: typ}, env)
			Expect(err).NotTo(HaveOccurred())
			states = append(states, c.NewState())
		}
		return states[0], states[1]
	}

	DescribeTable("finds what the decoded record's check finds, and never decodes a proven record for it",
		func(line string, proven bool, want ...string) {
			prover, units := compile()
			rec := deferredLine([]byte(line), 0)
			Expect(prover.(check.Prover).Prove(rec)).To(Equal(proven), line)
			if !proven {
				rec.Load() // as the runner does before the other checks
			}
			got := units.Observe(rec)
			Expect(rec.Deferred()).To(Equal(proven), "a proven record is never decoded for its units")

			_, decodedUnits := compile()
			Expect(got).To(Equal(decodedUnits.Observe(lineRecord([]byte(line), 0))))
			var paths []string
			for _, f := range got {
				Expect(f.Severity).To(Equal(model.Error))
				paths = append(paths, f.Code+" "+f.Location.Path)
			}
			if len(want) == 0 {
				Expect(paths).To(BeEmpty())
			} else {
				Expect(paths).To(Equal(want))
			}
		},
		Entry("a cholesterol in mmol/L", report(observation("o1", "35200-5", `,"valueQuantity":`+quantity("mmol/L"))), true),
		Entry("a cholesterol in mg/dL (a code for moles per volume)", report(observation("o1", "35200-5", `,"valueQuantity":`+quantity("mg/dL"))), true,
			"terminology.unit-not-comparable DiagnosticReport.contained[0].valueQuantity.code"),
		Entry("a code no profile fixes a unit for", report(observation("o1", "12345-6", `,"valueQuantity":`+quantity("kg"))), true),
		Entry("a cholesterol with a value and no unit", report(observation("o1", "35200-5", `,"valueQuantity":{"value":5}`)), true),
		Entry("a short blood pressure panel (55417-0: no implied profile), its second component wrong, after a right observation", report(
			observation("o1", "35200-5", `,"valueQuantity":`+quantity("mmol/L")),
			observation("o2", "55417-0", `,"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":`+quantity("mm[Hg]")+
				`},{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":`+quantity("mL")+`}]`)), true,
			"terminology.unit-not-comparable DiagnosticReport.contained[1].component[1].valueQuantity.code"),
		// a heart rate's implied profile fixes its unit too: in kg the record
		// has profile findings, so the proof leaves it to the map walk
		Entry("a contained heart rate in kg", report(observation("o1", "8867-4", `,"valueQuantity":`+quantity("kg"))), false,
			"terminology.unit-not-comparable DiagnosticReport.contained[0].valueQuantity.code"),
		Entry("a contained heart rate per minute, as its profile wants it", report(observation("o1", "8867-4",
			`,"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}]`+
				`,"valueQuantity":{"value":60,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}`)), true),
	)
})
