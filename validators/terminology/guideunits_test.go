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
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
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

	It("finds the same with the profile suite first, which proves from their bytes the records it can and leaves them undecoded", func() {
		reg := check.NewRegistry()
		structure.Register(reg)
		profile.Register(reg)
		vterm.Register(reg)
		guide := []string{sharedtest.Path("fhir", "uk-core")}
		proving := runChecks(reg, []string{"fhir-r4-profiles", suite}, guide, feed)
		Expect(unitFindings(proving, "TERM-04")).To(Equal(unitFindings(run([]string{suite}, guide, feed), "TERM-04")))
		Expect(unitFindings(proving, "TERM-04")).To(HaveLen(7))
	})

	It("leaves units alone when the guide is not loaded: only the core vital signs rule applies", func() {
		rep := run([]string{suite}, nil, feed)
		got := unitFindings(rep, "TERM-04")
		// The weight by its LOINC code, and the height in kg by SNOMED CT
		// 50373000, a body height the core profile is implied from.
		Expect(got).To(HaveLen(2))
		Expect(got[0]).To(HavePrefix(`6 error Observation.valueQuantity.code unit "cm"`))
		Expect(got[0]).To(ContainSubstring("http://hl7.org/fhir/StructureDefinition/bodyweight"))
		Expect(got[1]).To(HavePrefix(`10 error Observation.valueQuantity.code unit "kg"`))
		Expect(got[1]).To(HaveSuffix("http://hl7.org/fhir/StructureDefinition/bodyheight fixes for SNOMED CT 50373000"))
	})

	It("reads every unit UK Core fixes, and nothing else", func() {
		env := &check.Env{Context: context.Background(), IGs: []string{sharedtest.Path("fhir", "uk-core")}}
		_, err := registry().Compile(check.Spec{Requirement: "TERM-04", Type: "fhir-ucum-units", Source: "spec"}, env)
		Expect(err).NotTo(HaveOccurred())
		rules, errs := vterm.RunGuideUnits(env).AllRules()
		Expect(errs).To(BeEmpty())
		// grep -ln unitsofmeasure structuredefinitions: these 12 profiles.
		Expect(rules).To(ConsistOf(
			ukcore+"UKCore-Observation-AverageBloodPressure Observation.component:SystolicBP.value[x] mm[Hg]",
			ukcore+"UKCore-Observation-AverageBloodPressure Observation.component:DiastolicBP.value[x] mm[Hg]",
			ukcore+"UKCore-Observation-BloodGlucose Observation.value[x] mmol/L",
			ukcore+"UKCore-Observation-EarlyWarningTotalScore Observation.value[x] {ScoreOf}",
			ukcore+"UKCore-Observation-EarlyWarningTotalScore Observation.component.value[x] {ScoreOf}",
			ukcore+"UKCore-Observation-VitalSigns-BMI Observation.value[x] kg/m2",
			ukcore+"UKCore-Observation-VitalSigns-BloodPressure Observation.component:SystolicBP.value[x] mm[Hg]",
			ukcore+"UKCore-Observation-VitalSigns-BloodPressure Observation.component:DiastolicBP.value[x] mm[Hg]",
			ukcore+"UKCore-Observation-VitalSigns-BodyHeight Observation.value[x] m",
			ukcore+"UKCore-Observation-VitalSigns-BodyTemperature Observation.value[x] Cel",
			ukcore+"UKCore-Observation-VitalSigns-BodyWeight Observation.value[x] kg",
			ukcore+"UKCore-Observation-VitalSigns-HeadCircumference Observation.value[x] cm",
			ukcore+"UKCore-Observation-VitalSigns-HeartRate Observation.value[x] /min",
			ukcore+"UKCore-Observation-VitalSigns-OxygenSaturation Observation.value[x] %",
			ukcore+"UKCore-Observation-VitalSigns-RespirationRate Observation.value[x] /min",
		))
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
		gu := vterm.RunGuideUnits(env)
		Expect(gu.Compiles()).To(Equal(5))
		Expect(gu.Compiled()).To(ConsistOf(
			ukcore+"UKCore-Observation-BloodGlucose", ukcore+"UKCore-Observation-VitalSigns-BodyWeight",
			ukcore+"UKCore-Observation-VitalSigns-BloodPressure", ukcore+"UKCore-Observation-EarlyWarningTotalScore",
			ukcore+"UKCore-Observation-VitalSigns-BodyHeight"))
	})
})

// inlineGuide writes a guide whose profiles fix units the ways UK Core does
// not: patternQuantity, pattern discriminators on CodeableConcepts, a type
// slice, a required binding to an enumerated value set of units, a non-UCUM
// system, and a profile whose snapshot cannot be built.
func inlineGuide() string {
	dir := GinkgoT().TempDir()
	write := func(name, content string) {
		Expect(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)).To(Succeed())
	}
	sd := func(id, typ, base, elements string) string {
		return `{"resourceType":"StructureDefinition","id":"` + id + `","url":"https://example.org/fhir/StructureDefinition/` + id + `",
 "name":"` + id + `","status":"draft","kind":"resource","abstract":false,"type":"` + typ + `",
 "baseDefinition":"` + base + `","derivation":"constraint","differential":{"element":[` + elements + `]}}`
	}
	write("StructureDefinition-mr-ml.json", sd("mr-ml", "MedicationRequest", "http://hl7.org/fhir/StructureDefinition/MedicationRequest", `
 {"id":"MedicationRequest","path":"MedicationRequest"},
 {"id":"MedicationRequest.dispenseRequest.quantity","path":"MedicationRequest.dispenseRequest.quantity",
  "patternQuantity":{"system":"http://unitsofmeasure.org","code":"mL"}}`))
	write("StructureDefinition-panel.json", sd("panel", "Observation", "http://hl7.org/fhir/StructureDefinition/Observation", `
 {"id":"Observation","path":"Observation"},
 {"id":"Observation.value[x]","path":"Observation.value[x]","type":[{"code":"Quantity"}]},
 {"id":"Observation.value[x].system","path":"Observation.value[x].system","fixedUri":"https://example.org/local-units"},
 {"id":"Observation.value[x].code","path":"Observation.value[x].code","fixedCode":"widgets"},
 {"id":"Observation.referenceRange.low.code","path":"Observation.referenceRange.low.code",
  "binding":{"strength":"required","valueSet":"https://example.org/fhir/ValueSet/conc-units"}},
 {"id":"Observation.referenceRange.high.code","path":"Observation.referenceRange.high.code",
  "binding":{"strength":"required","valueSet":"https://example.org/fhir/ValueSet/not-loaded"}},
 {"id":"Observation.component","path":"Observation.component",
  "slicing":{"discriminator":[{"type":"pattern","path":"code"}],"rules":"open"}},
 {"id":"Observation.component:glucose","path":"Observation.component","sliceName":"glucose"},
 {"id":"Observation.component:glucose.code","path":"Observation.component.code",
  "patternCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"33747003"}]}},
 {"id":"Observation.component:glucose.value[x]","path":"Observation.component.value[x]","type":[{"code":"Quantity"}]},
 {"id":"Observation.component:glucose.value[x].code","path":"Observation.component.value[x].code","patternCode":"mmol/L"},
 {"id":"Observation.component:temp","path":"Observation.component","sliceName":"temp"},
 {"id":"Observation.component:temp.code","path":"Observation.component.code",
  "patternCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"386725007"}]}},
 {"id":"Observation.component:temp.value[x]","path":"Observation.component.value[x]",
  "slicing":{"discriminator":[{"type":"type","path":"$this"}],"rules":"closed"}},
 {"id":"Observation.component:temp.value[x]:valueQuantity","path":"Observation.component.value[x]","sliceName":"valueQuantity",
  "type":[{"code":"Quantity"}],"patternQuantity":{"system":"http://unitsofmeasure.org","code":"Cel"}}`))
	write("StructureDefinition-broken.json", sd("broken", "Observation", "https://example.org/fhir/StructureDefinition/no-such-base", `
 {"id":"Observation","path":"Observation"}`))
	write("ValueSet-conc-units.json", `{"resourceType":"ValueSet","id":"conc-units","url":"https://example.org/fhir/ValueSet/conc-units",
 "status":"draft","compose":{"include":[{"system":"http://unitsofmeasure.org","concept":[{"code":"mmol/L"},{"code":"mg/dL"}]}]}}`)
	return dir
}

const example = "https://example.org/fhir/StructureDefinition/"

func medicationRequest(id, profile, unit string) string {
	meta := ""
	if profile != "" {
		meta = `"meta":{"profile":["` + profile + `"]},`
	}
	return `{"resourceType":"MedicationRequest","id":"` + id + `",` + meta + `"status":"active","intent":"order",` +
		`"medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/p"},` +
		`"dispenseRequest":{"quantity":{"value":10,"system":"http://unitsofmeasure.org","code":"` + unit + `"}}}`
}

var _ = Describe("units fixed by a guide's profiles: the general mechanism", Ordered, func() {
	var guide, feed string
	BeforeAll(func() {
		guide = inlineGuide()
		panel := strings.TrimSuffix(obs("panel", example+"panel", sct("166312007"), "kg",
			component("glucose", `{"system":"http://snomed.info/sct","code":"33747003","display":"Glucose"}`, "mg"),
			component("temperature", sct("386725007"), "kg"),
			component("temperature", sct("386725007"), "[degF]"),
			component("other", sct("271649006"), "g")), "}") +
			`,"referenceRange":[{"low":{"value":1,"system":"http://unitsofmeasure.org","code":"kg"},"high":{"value":2,"system":"http://unitsofmeasure.org","code":"mmol/L"}},
 {"low":{"value":1,"system":"http://unitsofmeasure.org","code":"umol/L"}}]}`
		feed = writeLines(
			medicationRequest("mr-g", example+"mr-ml", "g"),
			medicationRequest("mr-l", example+"mr-ml", "L"),
			medicationRequest("mr-unclaimed", "", "g"),
			strings.ReplaceAll(panel, "\n", ""),
			obs("broken", example+"broken", sct("166312007"), "kg"),
		)
	})

	It("reads patternQuantity, pattern-discriminated slices, type slices and bound value sets", func() {
		rep := run([]string{suite}, []string{guide}, feed)
		Expect(unitFindings(rep, "TERM-04")).To(Equal([]string{
			`1 error MedicationRequest.dispenseRequest.quantity.code unit "g" (g) is not comparable with mL, the unit profile ` + example + `mr-ml fixes for MedicationRequest.dispenseRequest.quantity`,
			`4 error Observation.component[0].valueQuantity.code unit "mg" (g) is not comparable with mmol/L, the unit profile ` + example + `panel fixes for Observation.component:glucose.value[x]`,
			`4 error Observation.component[1].valueQuantity.code unit "kg" (g) is not comparable with Cel, the unit profile ` + example + `panel fixes for Observation.component:temp.value[x]:valueQuantity`,
			`4 information Observation.referenceRange[0].high.code unit "mmol/L" not compared with profile ` + example + `panel (Observation.referenceRange.high): value set https://example.org/fhir/ValueSet/not-loaded is not loaded`,
			`4 error Observation.referenceRange[0].low.code unit "kg" (g) is not comparable with mmol/L or mg/dL (value set https://example.org/fhir/ValueSet/conc-units), the unit profile ` + example + `panel fixes for Observation.referenceRange.low`,
			`5 information Observation.meta.profile[0] units fixed by profile ` + example + `broken not checked: ` + unitsBrokenReason(rep),
		}))
	})

	It("checks resources against a profile the suite names, claimed or not, reporting each unit once", func() {
		dir := GinkgoT().TempDir()
		suitePath := filepath.Join(dir, "suite.yaml")
		Expect(os.WriteFile(suitePath, []byte(`id: named-units
version: 1.0.0
title: units of a named profile
requirements:
  - id: UNITS
    level: SHALL
    title: dispensed quantities in millilitres
    check: fhir-ucum-units
    params: {profile: "`+example+`mr-ml"}
`), 0o644)).To(Succeed())
		rep := run([]string{suitePath}, []string{guide}, feed)
		var got []string
		for _, f := range unitFindings(rep, "UNITS") {
			got = append(got, strings.Join(strings.Fields(f)[:3], " "))
		}
		Expect(got).To(Equal([]string{
			"1 error MedicationRequest.dispenseRequest.quantity.code",
			"3 error MedicationRequest.dispenseRequest.quantity.code",
			// the Observation profiles still apply to the Observations that claim them
			"4 error Observation.component[0].valueQuantity.code",
			"4 error Observation.component[1].valueQuantity.code",
			"4 information Observation.referenceRange[0].high.code",
			"4 error Observation.referenceRange[0].low.code",
			"5 information Observation.meta.profile[0]",
		}))
	})

	It("refuses a suite that names a profile no loaded guide defines", func() {
		env := &check.Env{Context: context.Background(), IGs: []string{guide}}
		_, err := registry().Compile(check.Spec{Requirement: "UNITS", Type: "fhir-ucum-units", Source: "spec",
			Params: map[string]any{"profile": example + "missing"}}, env)
		Expect(err).To(MatchError(ContainSubstring(`parameter "profile": ` + example + `missing is not loaded`)))
	})
})

// unitsBrokenReason is the reason the broken profile's finding gives, which
// must name its missing base.
func unitsBrokenReason(rep *model.Report) string {
	for _, f := range result(rep, "TERM-04").Tally.Findings {
		if strings.HasSuffix(f.Path, "meta.profile[0]") {
			msg := f.Message[strings.Index(f.Message, "not checked: ")+len("not checked: "):]
			Expect(msg).To(ContainSubstring("no-such-base"))
			return msg
		}
	}
	return "a finding on the broken profile"
}

var _ = Describe("a guide whose profiles cannot be read", func() {
	It("still checks every unit it can, and says once per target that guide units were not checked", func() {
		dir := GinkgoT().TempDir()
		ig := filepath.Join(dir, "ig")
		Expect(os.MkdirAll(ig, 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(ig, "StructureDefinition-broken.json"), []byte(`{"resourceType":"StructureDefinition",`), 0o644)).To(Succeed())
		feed := writeLines(
			obs("invalid", "", loinc("29463-7"), "kilos"),
			obs("weight-cm", "", loinc("29463-7"), "cm"),
		)
		rep := run([]string{suite}, []string{ig}, feed)
		var got []string
		for _, f := range result(rep, "TERM-04").Tally.Findings {
			got = append(got, fmt.Sprintf("%d %s %s", f.Line, f.Severity, f.Code))
		}
		Expect(got).To(ConsistOf("0 information terminology.not-checked", "1 error terminology.ucum", "2 error terminology.unit-not-comparable"))
		for _, f := range result(rep, "TERM-04").Tally.Findings {
			if f.Severity == model.Information {
				Expect(f.Message).To(HavePrefix("units fixed by the profiles of loaded guides not checked: implementation guide " + ig))
				Expect(f.Message).To(ContainSubstring("StructureDefinition-broken.json"))
			}
		}
	})
})

var _ = Describe("a FHIR core profile a suite names", func() {
	It("is read like a guide's, with no guide loaded", func() {
		env := &check.Env{Context: context.Background()}
		c, err := registry().Compile(check.Spec{Requirement: "UNITS", Type: "fhir-ucum-units", Source: "spec",
			Params: map[string]any{"profile": "http://hl7.org/fhir/StructureDefinition/bodyweight"}}, env)
		Expect(err).NotTo(HaveOccurred())
		recs := records(writeLines(
			obs("cm", "", sct("27113001"), "cm"),
			obs("lb", "", sct("27113001"), "[lb_av]"),
		))
		st := c.NewState()
		fs := st.Observe(recs[0])
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Path).To(Equal("Observation.valueQuantity.code"))
		Expect(fs[0].Message).To(ContainSubstring("the unit profile http://hl7.org/fhir/StructureDefinition/bodyweight fixes for Observation.value[x]:valueQuantity"))
		Expect(st.Observe(recs[1])).To(BeEmpty())
	})
})

// A resource held in another (contained, a parameter's, an entry of a
// Bundle a parameter holds) that claims a guide's profile is held to the
// units the profile fixes as a record of its own claiming it is, in JSON and
// XML, with the profile suite first (as by default): the same findings, at
// the resource's own paths.
var _ = Describe("units fixed by a guide's profiles, wherever the resource that claims them is placed", Ordered, func() {
	var guide string
	BeforeAll(func() { guide = inlineGuide() })
	reg := profileAndUnits()

	list := func(res, id string) string {
		return `{"resourceType":"List","id":"l1","status":"current","mode":"snapshot","contained":[` + res +
			`],"entry":[{"item":{"reference":"#` + id + `"}}]}`
	}
	bundle := func(res string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:6a3b1c52-0c0e-4c4e-9d6e-1f2a3b4c5d6e","resource":` + res + `}]}`
	}
	parameter := func(res string) string {
		return `{"resourceType":"Parameters","parameter":[{"name":"r","part":[{"name":"s","resource":` + res + `}]}]}`
	}
	type placement struct {
		name, file, at string
		write          func(res, id string) string
	}
	placements := []placement{
		{"a line of an NDJSON feed", "feed.ndjson", "", func(r, _ string) string { return r + "\n" }},
		{"a JSON file", "res.json", "", func(r, _ string) string { return r }},
		{"an XML file", "res.xml", "", func(r, _ string) string { return toXML(r) }},
		{"a Bundle's entry, in XML", "bundle.xml", "", func(r, _ string) string { return toXML(bundle(r)) }},
		{"contained, on an NDJSON line", "list.ndjson", "List.contained[0]", func(r, id string) string { return list(r, id) + "\n" }},
		{"contained, in a JSON file", "list.json", "List.contained[0]", list},
		{"contained, in an XML file", "list.xml", "List.contained[0]", func(r, id string) string { return toXML(list(r, id)) }},
		{"contained in a Bundle's entry", "bundled.json", "List.contained[0]", func(r, id string) string { return bundle(list(r, id)) }},
		{"a parameter's resource", "parameters.json", "Parameters.parameter[0].part[0].resource", func(r, _ string) string { return parameter(r) }},
		{"a parameter's resource, in XML", "parameters.xml", "Parameters.parameter[0].part[0].resource", func(r, _ string) string { return toXML(parameter(r)) }},
		{"an entry of a Bundle a parameter holds", "nested.json", "Parameters.parameter[0].part[0].resource.entry[0].resource",
			func(r, _ string) string { return parameter(bundle(r)) }},
		{"contained in an entry of a Bundle a parameter holds, in XML", "nested.xml", "Parameters.parameter[0].part[0].resource.entry[0].resource.contained[0]",
			func(r, id string) string { return toXML(parameter(bundle(list(r, id)))) }},
	}

	DescribeTable("gives the standalone resource's findings, at the resource's own paths",
		func(res, id string, want ...string) {
			dir := GinkgoT().TempDir()
			for _, p := range placements {
				path := filepath.Join(dir, p.file)
				Expect(os.WriteFile(path, []byte(p.write(res, id)), 0o644)).To(Succeed())
				rep := runChecks(reg, []string{"fhir-r4-profiles", suite}, []string{guide}, path)
				got := []string{}
				for _, f := range result(rep, "TERM-04").Tally.Findings {
					if f.Code != "terminology.unit-not-comparable" && f.Code != "terminology.not-checked" {
						continue
					}
					rest, ok := strings.CutPrefix(f.Path, p.at)
					if p.at == "" {
						rest, ok = f.Path[strings.IndexByte(f.Path, '.'):], strings.Contains(f.Path, ".")
					}
					Expect(ok).To(BeTrue(), "%s: %s names the resource", p.name, f.Path)
					got = append(got, f.Severity.String()+" "+rest)
				}
				Expect(got).To(ConsistOf(want), p.name)
			}
		},
		Entry("an Observation in the panel it claims, its glucose in mg", obs("o1", example+"panel", sct("166312007"), "",
			component("glucose", sct("33747003"), "mg"), component("temperature", sct("386725007"), "[degF]")), "o1",
			"error .component[0].valueQuantity.code"),
		Entry("the same in mmol/L", obs("o1", example+"panel", sct("166312007"), "",
			component("glucose", sct("33747003"), "mmol/L"), component("temperature", sct("386725007"), "[degF]")), "o1"),
		Entry("the same in mg, the panel not claimed", obs("o1", "", sct("166312007"), "",
			component("glucose", sct("33747003"), "mg")), "o1"),
		Entry("a MedicationRequest dispensing grams where its profile fixes millilitres", medicationRequest("mr1", example+"mr-ml", "g"), "mr1",
			"error .dispenseRequest.quantity.code"),
		Entry("the same in litres", medicationRequest("mr1", example+"mr-ml", "L"), "mr1"),
		Entry("an Observation claiming a profile that cannot be read: not checked, said", obs("o1", example+"broken", sct("166312007"), "kg"), "o1",
			"information .meta.profile[0]"),
	)
})

// toXML writes a JSON resource in FHIR XML.
func toXML(src string) string {
	res, err := fhir.Decode([]byte(src))
	Expect(err).NotTo(HaveOccurred(), src)
	out, err := fhirxml.Encode(res)
	Expect(err).NotTo(HaveOccurred(), src)
	return string(out)
}

// The resources the guide units read in a record are found where the units
// rule finds coded values (EachHeld and Walk are one walk of the
// definitions): a JSON that gives an array member as one object, or one as
// an array, still holds the resource for both (the structure suite says the
// shape is wrong), a member R4 does not define holds nothing for either, and
// a Bundle response's outcome, typed OperationOutcome rather than Resource,
// is held all the same.
var _ = Describe("the resources held in a record, for the units fixed by a guide's profiles", Ordered, func() {
	var guide string
	BeforeAll(func() { guide = inlineGuide() })
	reg := profileAndUnits()
	// paths runs the checks on doc written as file and gives the paths of
	// the units rule's findings with code.
	paths := func(file, doc, code string) []string {
		path := filepath.Join(GinkgoT().TempDir(), file)
		Expect(os.WriteFile(path, []byte(doc), 0o644)).To(Succeed())
		rep := runChecks(reg, []string{"fhir-r4-profiles", suite}, []string{guide}, path)
		got := []string{}
		for _, f := range result(rep, "TERM-04").Tally.Findings {
			if f.Code == code {
				got = append(got, f.Path)
			}
		}
		return got
	}
	wrong := obs("o1", example+"panel", sct("166312007"), "", component("glucose", sct("33747003"), "mg"))

	DescribeTable("are judged where the core units are, at the same paths, whatever the JSON's shape",
		func(doc string, want ...string) {
			Expect(paths("res.json", doc, "terminology.unit-not-comparable")).To(ConsistOf(want))
		},
		Entry("contained as one object, not an array",
			`{"resourceType":"List","id":"l1","status":"current","mode":"snapshot","contained":`+wrong+`}`,
			"List.contained.component[0].valueQuantity.code"),
		Entry("a parameter's resource as an array",
			`{"resourceType":"Parameters","parameter":[{"name":"r","resource":[`+wrong+`]}]}`,
			"Parameters.parameter[0].resource[0].component[0].valueQuantity.code"),
		Entry("contained in an array, as R4 writes it",
			`{"resourceType":"List","id":"l1","status":"current","mode":"snapshot","contained":[`+wrong+`]}`,
			"List.contained[0].component[0].valueQuantity.code"),
		Entry("contained on a Parameters, which R4 does not define",
			`{"resourceType":"Parameters","contained":[`+wrong+`],"parameter":[{"name":"r","valueString":"x"}]}`),
	)

	It("include a Bundle response's outcome, in JSON and XML", func() {
		outcome := `{"resourceType":"OperationOutcome","meta":{"profile":["` + example + `broken"]},"issue":[{"severity":"information","code":"informational"}]}`
		doc := `{"resourceType":"Parameters","parameter":[{"name":"r","resource":{"resourceType":"Bundle","type":"transaction-response","entry":[{"response":{"status":"200","outcome":` + outcome + `}}]}}]}`
		for file, body := range map[string]string{"res.json": doc, "res.xml": toXML(doc)} {
			Expect(paths(file, body, "terminology.not-checked")).To(
				ConsistOf("Parameters.parameter[0].resource.entry[0].response.outcome.meta.profile[0]"), file)
		}
	})
})

// profileAndUnits registers the suites the guide units run with by default:
// structure, the profile engine first, then terminology.
func profileAndUnits() *check.Registry {
	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	vterm.Register(reg)
	return reg
}
