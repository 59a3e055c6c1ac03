package terminology_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	vterm "github.com/carecert/carecert/validators/terminology"
)

const ukcore = "https://fhir.hl7.org.uk/StructureDefinition/"

// obs writes an Observation claiming profile (none when ""), coded with
// codings, with a value in unit and optional components.
func obs(id, profile, codings, unit string, components ...string) string {
	meta := ""
	if profile != "" {
		meta = `"meta":{"profile":["` + profile + `"]},`
	}
	value := ""
	if unit != "" {
		value = `,"valueQuantity":{"value":5,"system":"http://unitsofmeasure.org","code":"` + unit + `"}`
	}
	comp := ""
	if len(components) > 0 {
		comp = `,"component":[` + strings.Join(components, ",") + `]`
	}
	return `{"resourceType":"Observation","id":"` + id + `",` + meta + `"status":"final","code":{"coding":[` + codings + `]},"subject":{"reference":"Patient/p"}` + value + comp + `}`
}

func component(text, codings, unit string) string {
	return `{"code":{"coding":[` + codings + `],"text":"` + text + `"},"valueQuantity":{"value":5,"system":"http://unitsofmeasure.org","code":"` + unit + `"}}`
}

func sct(code string) string   { return `{"system":"http://snomed.info/sct","code":"` + code + `"}` }
func loinc(code string) string { return `{"system":"http://loinc.org","code":"` + code + `"}` }

func writeLines(lines ...string) string {
	p := filepath.Join(GinkgoT().TempDir(), "feed.ndjson")
	Expect(os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644)).To(Succeed())
	return p
}

// unitFindings lists TERM-04's comparability findings as "line path message".
func unitFindings(rep *model.Report, req string) []string {
	var out []string
	for _, f := range result(rep, req).Tally.Findings {
		if f.Code == "terminology.unit-not-comparable" || f.Code == "terminology.not-checked" {
			out = append(out, fmt.Sprintf("%d %s %s %s", f.Line, f.Severity, f.Path, f.Message))
		}
	}
	return out
}

var _ = Describe("units fixed by UK Core profiles", Ordered, func() {
	var feed string
	BeforeAll(func() {
		feed = writeLines(
			// 1: blood glucose in mg/dL: mass, not substance, concentration.
			obs("glucose-mgdl", ukcore+"UKCore-Observation-BloodGlucose", sct("33747003"), "mg/dL"),
			// 2: comparable with mmol/L.
			obs("glucose-umol", ukcore+"UKCore-Observation-BloodGlucose", sct("33747003"), "umol/L"),
			// 3: the same unit, the profile not claimed.
			obs("glucose-unclaimed", "", sct("33747003"), "mg/dL"),
			// 4: g where UK Core fixes kg: comparable.
			obs("weight-g", ukcore+"UKCore-Observation-VitalSigns-BodyWeight", loinc("29463-7"), "g"),
			// 5: a length for a weight, coded only in SNOMED CT.
			obs("weight-cm", ukcore+"UKCore-Observation-VitalSigns-BodyWeight", sct("27113001"), "cm"),
			// 6: the same with LOINC too: the core bodyweight rule agrees; one finding.
			obs("weight-cm-loinc", ukcore+"UKCore-Observation-VitalSigns-BodyWeight", loinc("29463-7"), "cm"),
			// 7: blood pressure slices by code.text: systolic in mL, diastolic in kPa (comparable).
			obs("bp", ukcore+"UKCore-Observation-VitalSigns-BloodPressure", sct("75367002"), "",
				component("Systolic blood pressure", sct("271649006"), "mL"),
				component("Diastolic blood pressure", sct("271650006"), "kPa")),
			// 8: a component in no slice: the slices' units do not apply.
			obs("bp-other", ukcore+"UKCore-Observation-VitalSigns-BloodPressure", sct("75367002"), "",
				component("Mean pressure", sct("6797001"), "mL")),
			// 9: early warning score: {ScoreOf} for the value and every component.
			obs("ews", ukcore+"UKCore-Observation-EarlyWarningTotalScore", sct("1104051000000101"), "mm[Hg]",
				component("respiration", sct("1104301000000104"), "/min"),
				component("pulse", sct("1104281000000102"), "{score}")),
			// 10, 11: body height binds all-distance-units (UCUM, canonical = m).
			obs("height-kg", ukcore+"UKCore-Observation-VitalSigns-BodyHeight", sct("50373000"), "kg"),
			obs("height-in", ukcore+"UKCore-Observation-VitalSigns-BodyHeight", sct("50373000"), "[in_i]"),
			// 12: a profile no guide defines.
			obs("unknown-profile", "https://example.org/StructureDefinition/nope", sct("33747003"), "mg/dL"),
		)
	})

	It("fails units not comparable with the profile's, naming profile, element, expected and given unit", func() {
		rep := run([]string{suite}, []string{sharedtest.Path("fhir", "uk-core")}, feed)
		Expect(unitFindings(rep, "TERM-04")).To(Equal([]string{
			`1 error Observation.valueQuantity.code unit "mg/dL" (m-3.g) is not comparable with mmol/L, the unit profile ` + ukcore + `UKCore-Observation-BloodGlucose fixes for Observation.value[x]`,
			`5 error Observation.valueQuantity.code unit "cm" (m) is not comparable with kg, the unit profile ` + ukcore + `UKCore-Observation-VitalSigns-BodyWeight fixes for Observation.value[x]`,
			`6 error Observation.valueQuantity.code unit "cm" (m) is not comparable with kg, the unit profile ` + ukcore + `UKCore-Observation-VitalSigns-BodyWeight fixes for Observation.value[x]`,
			`7 error Observation.component[0].valueQuantity.code unit "mL" (m3) is not comparable with mm[Hg], the unit profile ` + ukcore + `UKCore-Observation-VitalSigns-BloodPressure fixes for Observation.component:SystolicBP.value[x]`,
			`9 error Observation.component[0].valueQuantity.code unit "/min" (s-1) is not comparable with {ScoreOf}, the unit profile ` + ukcore + `UKCore-Observation-EarlyWarningTotalScore fixes for Observation.component.value[x]`,
			`9 error Observation.valueQuantity.code unit "mm[Hg]" (m-1.s-2.g) is not comparable with {ScoreOf}, the unit profile ` + ukcore + `UKCore-Observation-EarlyWarningTotalScore fixes for Observation.value[x]`,
			`10 error Observation.valueQuantity.code unit "kg" (g) is not comparable with m (value set http://hl7.org/fhir/ValueSet/all-distance-units), the unit profile ` + ukcore + `UKCore-Observation-VitalSigns-BodyHeight fixes for Observation.value[x]`,
		}))
	})

	It("leaves units alone when the guide is not loaded: only the core vital signs rule applies", func() {
		rep := run([]string{suite}, nil, feed)
		got := unitFindings(rep, "TERM-04")
		Expect(got).To(HaveLen(1))
		Expect(got[0]).To(HavePrefix(`6 error Observation.valueQuantity.code unit "cm"`))
		Expect(got[0]).To(ContainSubstring("http://hl7.org/fhir/StructureDefinition/bodyweight"))
	})

	It("compiles each profile once, however many records claim it", func() {
		env := &check.Env{Context: context.Background(), IGs: []string{sharedtest.Path("fhir", "uk-core")}}
		c, err := registry().Compile(check.Spec{Requirement: "TERM-04", Type: "fhir-ucum-units", Source: "spec"}, env)
		Expect(err).NotTo(HaveOccurred())
		recs := records(feed)
		st := c.NewState()
		for range 20 {
			for _, r := range recs {
				st.Observe(r)
			}
		}
		gu := env.Services[vterm.GuideUnitsService].(*vterm.GuideUnits)
		Expect(gu.Compiles()).To(Equal(5))
		Expect(gu.Compiled()).To(ConsistOf(
			ukcore+"UKCore-Observation-BloodGlucose", ukcore+"UKCore-Observation-VitalSigns-BodyWeight",
			ukcore+"UKCore-Observation-VitalSigns-BloodPressure", ukcore+"UKCore-Observation-EarlyWarningTotalScore",
			ukcore+"UKCore-Observation-VitalSigns-BodyHeight"))
	})
})
