package terminology_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/structure"
	"github.com/carecert/carecert/validators/terminology"
)

// The units rule (fhir-ucum-units) judges an observation the same wherever
// it arrives: a record of its own (an NDJSON line the profile engine proves
// from its bytes, a file in JSON or XML, a Bundle entry) or a resource
// contained in another record (in a file, on an NDJSON line, in a Bundle
// entry), each finding at the path of the observation's own element.
var _ = Describe("the units rule in every placement of an observation", func() {
	ucum := func(unit string) string {
		return `{"value":1,"system":"http://unitsofmeasure.org","code":"` + unit + `"}`
	}
	loinc := func(code string) string { return `{"coding":[{"system":"http://loinc.org","code":"` + code + `"}]}` }
	observation := func(code, value, more string) string {
		return `{"resourceType":"Observation","id":"o1","status":"final","code":` + loinc(code) +
			`,"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-01-01"` + value + more + `}`
	}
	valued := func(code, unit string) string { return observation(code, `,"valueQuantity":`+ucum(unit), "") }
	// valuedSCT codes the observation with SNOMED CT alone.
	valuedSCT := func(code, unit string) string {
		return strings.Replace(valued("", unit), loinc(""), `{"coding":[{"system":"http://snomed.info/sct","code":"`+code+`"}]}`, 1)
	}
	// valuedBy codes the observation with codings, each "system|code".
	valuedBy := func(unit string, codings ...string) string {
		var cs []string
		for _, c := range codings {
			system, code, _ := strings.Cut(c, "|")
			cs = append(cs, `{"system":"`+system+`","code":"`+code+`"}`)
		}
		return strings.Replace(valued("", unit), loinc(""), `{"coding":[`+strings.Join(cs, ",")+`]}`, 1)
	}
	const ln, sct = "http://loinc.org|", "http://snomed.info/sct|"
	component := func(code, unit string) string {
		return `{"code":` + loinc(code) + `,"valueQuantity":` + ucum(unit) + `}`
	}
	container := func(obs string) string {
		return `{"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"panel"},"contained":[` + obs +
			`],"result":[{"reference":"#o1"}]}`
	}
	bundle := func(res string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:6a3b1c52-0c0e-4c4e-9d6e-1f2a3b4c5d6e","resource":` + res + `}]}`
	}
	xml := toXML

	// placements writes the observation in each placement, named by what a
	// finding's path starts with for it.
	type placement struct {
		name, file, at string
		write          func(obs string) string
	}
	placements := []placement{
		{"a line of an NDJSON feed", "feed.ndjson", "Observation", func(o string) string { return o + "\n" }},
		{"a JSON file", "obs.json", "Observation", func(o string) string { return o }},
		{"an XML file", "obs.xml", "Observation", xml},
		{"a Bundle's entry", "bundle.json", "Observation", bundle},
		{"contained, on an NDJSON line", "report.ndjson", "DiagnosticReport.contained[0]", func(o string) string { return container(o) + "\n" }},
		{"contained, in a JSON file", "report.json", "DiagnosticReport.contained[0]", container},
		{"contained, in an XML file", "report.xml", "DiagnosticReport.contained[0]", func(o string) string { return xml(container(o)) }},
		{"contained in a Bundle's entry", "bundled.json", "DiagnosticReport.contained[0]", func(o string) string { return bundle(container(o)) }},
		{"contained in a Bundle's entry, in XML", "bundled.xml", "DiagnosticReport.contained[0]", func(o string) string { return xml(bundle(container(o))) }},
	}

	reg := check.NewRegistry()
	structure.Register(reg)
	profile.Register(reg)
	terminology.Register(reg)

	DescribeTable("gives the standalone observation's findings, at the observation's own paths",
		func(obs string, want ...string) {
			dir := GinkgoT().TempDir()
			for _, p := range placements {
				path := filepath.Join(dir, p.file)
				Expect(os.WriteFile(path, []byte(p.write(obs)), 0o644)).To(Succeed())
				// the profile suite runs first, as by default: an NDJSON
				// line it proves reaches the units check undecoded
				rep := runWith(reg, []string{"fhir-r4-profiles", suite}, path)
				var got []string
				for _, f := range result(rep, "TERM-04").Tally.Findings {
					rest, ok := strings.CutPrefix(f.Path, p.at)
					Expect(ok).To(BeTrue(), "%s: %s names the observation", p.name, f.Path)
					got = append(got, f.Code+" "+rest)
				}
				if len(want) == 0 {
					Expect(got).To(BeEmpty(), p.name)
				} else {
					Expect(got).To(Equal(want), p.name)
				}
			}
		},
		Entry("a heart rate per minute, the unit its profile fixes", valued("8867-4", "/min")),
		Entry("a heart rate in kg", valued("8867-4", "kg"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("a body weight in pounds, from the value set its profile binds", valued("29463-7", "[lb_av]")),
		Entry("a body weight in litres", valued("29463-7", "L"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("a cholesterol in mg/dL, a code for moles per volume", valued("35200-5", "mg/dL"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("a heart rate with a value and no unit", observation("8867-4", `,"valueQuantity":{"value":72}`, "")),
		Entry("a heart rate in a unit that is not UCUM: reported as such, not compared", valued("8867-4", "bpm"),
			"terminology.ucum .valueQuantity.code"),
		Entry("a code no profile fixes a unit for, in any unit", valued("12345-6", "kg")),
		Entry("a blood pressure's components, each against its own code", observation("85354-9", "",
			`,"component":[`+component("8480-6", "mm[Hg]")+`,`+component("8462-4", "mL")+`]`),
			"terminology.unit-not-comparable .component[1].valueQuantity.code"),
		Entry("a blood pressure's components in their units", observation("85354-9", "",
			`,"component":[`+component("8480-6", "mm[Hg]")+`,`+component("8462-4", "mm[Hg]")+`]`)),
		// A vital sign under a more specific code is held to its sign's
		// profile (profile/implied.go), so to the unit that profile fixes.
		Entry("an oral temperature (8331-1) in Celsius", valued("8331-1", "Cel")),
		Entry("an oral temperature (8331-1) in kg", valued("8331-1", "kg"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("a heart rate by pulse oximetry (8889-8) in kg", valued("8889-8", "kg"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("a body temperature in SNOMED CT (276885007) in Fahrenheit", valuedSCT("276885007", "[degF]")),
		Entry("a body temperature in SNOMED CT (276885007) in kg", valuedSCT("276885007", "kg"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("SNOMED CT 271306003 (respiratory rate, the reference's first of its two signs) per minute", valuedSCT("271306003", "/min")),
		Entry("SNOMED CT 271306003 in kg", valuedSCT("271306003", "kg"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		// An observation coded as several signs is held to one, as the
		// profile engine picks it: LOINC codings before SNOMED CT ones,
		// then the signs' order (heart rate before body temperature).
		Entry("LOINC body temperature beside SNOMED CT heart rate, in Celsius", valuedBy("Cel", ln+"8310-5", sct+"249043002")),
		Entry("SNOMED CT heart rate before LOINC body temperature, in Celsius", valuedBy("Cel", sct+"249043002", ln+"8310-5")),
		Entry("SNOMED CT heart rate before LOINC body temperature, per minute", valuedBy("/min", sct+"249043002", ln+"8310-5"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("LOINC body temperature before LOINC heart rate, per minute", valuedBy("/min", ln+"8310-5", ln+"8867-4")),
		Entry("LOINC body temperature before LOINC heart rate, in Celsius", valuedBy("Cel", ln+"8310-5", ln+"8867-4"),
			"terminology.unit-not-comparable .valueQuantity.code"),
		Entry("SNOMED CT body temperature before SNOMED CT heart rate, per minute", valuedBy("/min", sct+"276885007", sct+"249043002")),
		Entry("a cholesterol code before a body temperature's, in Celsius: the sign's unit", valuedBy("Cel", ln+"35200-5", ln+"8310-5")),
	)

	It("names the coding whose sign's profile fixes the unit", func() {
		for code, named := range map[string]string{valuedSCT("276885007", "kg"): "SNOMED CT 276885007", valued("8331-1", "kg"): "LOINC 8331-1"} {
			path := filepath.Join(GinkgoT().TempDir(), "obs.json")
			Expect(os.WriteFile(path, []byte(code), 0o644)).To(Succeed())
			fs := result(runWith(reg, []string{"fhir-r4-profiles", suite}, path), "TERM-04").Tally.Findings
			Expect(fs).To(HaveLen(1))
			Expect(fs[0].Message).To(HaveSuffix("the unit http://hl7.org/fhir/StructureDefinition/bodytemp fixes for " + named))
		}
	})
})
