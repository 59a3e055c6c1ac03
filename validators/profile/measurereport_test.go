package profile_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// ihe reads a file of the shared measure-report-ihe case (the IHE mADX
// example the reference validator rejects for its uncoded stratifiers).
func ihe(name string) map[string]any {
	data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
	Expect(err).NotTo(HaveOccurred())
	return decoded(string(data))
}

func encoded(m map[string]any) string {
	out, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	return string(out)
}

// measureFindings keeps the findings of the measure report checks.
func measureFindings(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == profile.CodeMeasureReport || f.Code == profile.CodeMeasureUnknown {
			out = append(out, f)
		}
	}
	return out
}

// referencePaths returns the paths of the errors the reference validator
// reports on a shared case, from the manifest.
func referencePaths(name string) []string {
	data, err := os.ReadFile(sharedtest.Path("conformance-cases", "manifest.json"))
	Expect(err).NotTo(HaveOccurred())
	var m struct {
		Cases []struct {
			Name     string `json:"name"`
			Expected struct {
				Errors []struct {
					Expression []string `json:"expression"`
				} `json:"errors"`
			} `json:"expected_java"`
		} `json:"test-cases"`
	}
	Expect(json.Unmarshal(data, &m)).To(Succeed())
	for _, c := range m.Cases {
		if c.Name == name {
			var out []string
			for _, e := range c.Expected.Errors {
				out = append(out, e.Expression...)
			}
			return out
		}
	}
	Fail("no case " + name + " in the manifest")
	return nil
}

func paths(fs []model.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Path
	}
	return out
}

func errorsOf(fs []model.Finding) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Severity == model.Error {
			out = append(out, f)
		}
	}
	return out
}

// coded gives a code to a stratifier (of a Measure or a report).
func coded(s any, system, code string) {
	s.(map[string]any)["code"] = map[string]any{"coding": []any{map[string]any{"system": system, "code": code}}}
}

// screening is a proportion Measure with two coded groups, for the rules that
// the one-group shared case does not reach.
const screening = `{"resourceType": "Measure", "url": "http://example.org/Measure/screening", "version": "1.0", "status": "active",
  "group": [
    {"id": "adults", "code": {"coding": [{"system": "http://example.org/groups", "code": "adults"}]},
     "population": [
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "criteria": {"language": "text/cql", "expression": "IP"}},
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "denominator"}]}, "criteria": {"language": "text/cql", "expression": "D"}},
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "numerator"}]}, "criteria": {"language": "text/cql", "expression": "N"}},
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "measure-observation"}]}, "criteria": {"language": "text/cql", "expression": "O"}}],
     "stratifier": [
       {"id": "by-sex", "code": {"coding": [{"system": "http://example.org/strata", "code": "sex"}]}, "criteria": {"language": "text/cql", "expression": "Sex"}},
       {"id": "by-site", "code": {"text": "site"}, "criteria": {"language": "text/cql", "expression": "Site"}}]},
    {"id": "children", "code": {"coding": [{"system": "http://example.org/groups", "code": "children"}]},
     "population": [
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "criteria": {"language": "text/cql", "expression": "IP"}}]}]}`

// screeningReport is a correct summary report of screening; the specs break
// one thing each.
const screeningReport = `{"resourceType": "MeasureReport", "status": "complete", "type": "summary",
  "measure": "http://example.org/Measure/screening|1.0", "period": {"start": "2025-01-01", "end": "2025-12-31"},
  "group": [
    {"code": {"coding": [{"system": "http://example.org/groups", "code": "children"}]},
     "population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "count": 40}]},
    {"code": {"coding": [{"system": "http://example.org/groups", "code": "adults"}]},
     "population": [
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "count": 100},
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "denominator"}]}, "count": 90},
       {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "numerator"}]}, "count": 45}],
     "measureScore": {"value": 0.5},
     "stratifier": [
       {"code": [{"text": "site"}], "stratum": [{"value": {"text": "north"}, "population": [{"count": 10}]}]},
       {"code": [{"coding": [{"system": "http://example.org/other", "code": "gender"}]}, {"coding": [{"system": "http://example.org/strata", "code": "sex"}]}],
        "stratum": [{"value": {"text": "female"}, "population": [{"count": 50}]}]}]}]}`

func editReport(change func(r map[string]any)) string {
	r := decoded(screeningReport)
	change(r)
	return encoded(r)
}

func groupOf(r map[string]any, i int) map[string]any { return r["group"].([]any)[i].(map[string]any) }

const screeningName = "Measure http://example.org/Measure/screening|1.0"

var _ = Describe("MeasureReport against its Measure", func() {
	Context("the shared IHE mADX case (measure-report-ihe)", func() {
		It("reports what the reference validator reports: two uncoded report stratifiers and the two Measure stratifiers they leave unmatched", func() {
			e := newEngine(ihe("measure-ihe.json"), ihe("measure-ihe-cs.json"))
			fs := validate(e, encoded(ihe("measure-report-ihe.json")))
			Expect(paths(errorsOf(fs))).To(ConsistOf(referencePaths("measure-report-ihe")))
			const group = "group 'http://ohie.org/CodeSystem/measure-codes|QRPH_mADX_ART1_N' (id 'group-id') of Measure http://ohie.org/Measure/madx-hiv-indicator-example|0.0.1-current"
			Expect(measureFindings(fs)).To(ConsistOf(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].stratifier[0]", "stratifier has no code, so it matches no stratifier of "+group+"; give it the code of the Measure stratifier it reports (without a code (id 'group-stratifier1-id'), without a code (id 'group-stratifier2-id'))"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].stratifier[1]", "the Measure's stratifiers have no code (only components), so reports cannot name them"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]", group+" defines the stratifier without a code (id 'group-stratifier1-id'), but this group has no stratifier with its code: it has no code (only components)"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]", group+" defines the stratifier without a code (id 'group-stratifier2-id')"),
			))
		})

		It("accepts the same report once the Measure's stratifiers and the report's carry the same codes", func() {
			m, r := ihe("measure-ihe.json"), ihe("measure-report-ihe.json")
			ms := m["group"].([]any)[0].(map[string]any)["stratifier"].([]any)
			rs := groupOf(r, 0)["stratifier"].([]any)
			coded(ms[0], "http://ohie.org/CodeSystem/measure-codes", "ageGroup")
			coded(ms[1], "http://ohie.org/CodeSystem/measure-codes", "TBdiagnosisResult")
			for i, code := range []string{"ageGroup", "TBdiagnosisResult"} {
				rs[i].(map[string]any)["code"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://ohie.org/CodeSystem/measure-codes", "code": code}}}}
			}
			e := newEngine(m, ihe("measure-ihe-cs.json"))
			Expect(measureFindings(validate(e, encoded(r)))).To(BeEmpty())
		})

		It("finds the Measure in an implementation guide folder, where a Measure without a url is left out rather than failing the guide", func() {
			dir := GinkgoT().TempDir()
			data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", "measure-ihe.json"))
			Expect(err).NotTo(HaveOccurred())
			Expect(os.WriteFile(filepath.Join(dir, "measure.json"), data, 0o644)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, "draft.json"), []byte(`{"resourceType": "Measure", "status": "draft"}`), 0o644)).To(Succeed())
			defs, err := definitions.New(definitions.Options{Parent: core, IGs: []string{dir}})
			Expect(err).NotTo(HaveOccurred())
			Expect(defs.Packages()[0].Resources).To(Equal(1))
			Expect(defs.URLs("Measure")).To(Equal([]string{"http://ohie.org/Measure/madx-hiv-indicator-example"}))
			e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
			Expect(measureFindings(validate(e, encoded(ihe("measure-report-ihe.json"))))).To(HaveLen(4))
		})
	})

	Context("a Measure with several groups", func() {
		var e *profile.Engine
		BeforeEach(func() { e = newEngine(decoded(screening)) })

		It("accepts a report whose groups, populations and stratifiers match by code, in any order (a stratifier by any of its codes, or by text when neither has codings), leaving out measure observations", func() {
			Expect(validate(e, screeningReport)).To(BeEmpty())
		})

		It("requires a code on every group, naming the Measure's groups", func() {
			fs := validate(e, editReport(func(r map[string]any) { delete(groupOf(r, 0), "code") }))
			Expect(fs).To(ConsistOf(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]", "group has no code; when a Measure has several groups, or a report several, each group must have the code of the Measure group it reports ("+screeningName+" has 'http://example.org/groups|adults' (id 'adults'), 'http://example.org/groups|children' (id 'children'))"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport", screeningName+" defines the group 'http://example.org/groups|children' (id 'children'), but the report has no group with its code"),
			))
		})

		It("reports a group code the Measure does not define", func() {
			fs := validate(e, editReport(func(r map[string]any) { coded(groupOf(r, 0), "http://example.org/groups", "infants") }))
			Expect(fs).To(ContainElement(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].code",
				"group code 'http://example.org/groups|infants' matches no group of "+screeningName+" (its groups: 'http://example.org/groups|adults' (id 'adults'), 'http://example.org/groups|children' (id 'children'))")))
			Expect(fs).To(HaveLen(2), "and the children group is then missing")
		})

		It("reports a group reported twice", func() {
			fs := validate(e, editReport(func(r map[string]any) { coded(groupOf(r, 1), "http://example.org/groups", "children") }))
			Expect(fs).To(ContainElements(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].code", "group 'http://example.org/groups|children' (id 'children') of "+screeningName+" is reported more than once"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport", "defines the group 'http://example.org/groups|adults' (id 'adults'), but the report has no group with its code"),
			))
		})

		It("requires every group of the Measure in a summary report, but none in a data-collection report", func() {
			fs := validate(e, editReport(func(r map[string]any) { delete(r, "group") }))
			Expect(fs).To(HaveLen(2))
			Expect(fs).To(HaveEach(at(model.Error, profile.CodeMeasureReport, "MeasureReport")))
			Expect(validate(e, editReport(func(r map[string]any) {
				delete(r, "group")
				r["type"] = "data-collection"
			}))).To(BeEmpty())
		})

		It("reports a population the Measure group does not define, and the population then missing", func() {
			fs := validate(e, editReport(func(r map[string]any) {
				coded(groupOf(r, 1)["population"].([]any)[2], "http://terminology.hl7.org/CodeSystem/measure-population", "numerator-exclusion")
			}))
			const adults = "group 'http://example.org/groups|adults' (id 'adults') of " + screeningName
			Expect(fs).To(ConsistOf(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].population[2].code", "population code 'http://terminology.hl7.org/CodeSystem/measure-population|numerator-exclusion' matches no population of "+adults),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1]", adults+" defines the population 'http://terminology.hl7.org/CodeSystem/measure-population|numerator', but this group does not report it"),
			))
		})

		It("reports a population without a code and one reported twice", func() {
			fs := validate(e, editReport(func(r map[string]any) {
				pops := groupOf(r, 1)["population"].([]any)
				delete(pops[2].(map[string]any), "code")
				pops[1] = pops[0]
			}))
			Expect(fs).To(ContainElements(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].population[2]", "population has no code, so it cannot be matched"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].population[1].code", "population 'http://terminology.hl7.org/CodeSystem/measure-population|initial-population' of group 'http://example.org/groups|adults' (id 'adults') of "+screeningName+" is reported more than once in this group"),
			))
			Expect(fs).To(HaveLen(4), "and the denominator and numerator are then missing")
		})

		It("reports a stratifier code the Measure group does not define, naming its stratifiers, and the stratifier then missing", func() {
			fs := validate(e, editReport(func(r map[string]any) {
				groupOf(r, 1)["stratifier"].([]any)[0].(map[string]any)["code"] = []any{map[string]any{"text": "region"}}
			}))
			Expect(fs).To(ConsistOf(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].stratifier[0].code", "stratifier code text 'region' matches no stratifier of group 'http://example.org/groups|adults' (id 'adults') of "+screeningName+" (its stratifiers: 'http://example.org/strata|sex' (id 'by-sex'), text 'site' (id 'by-site'))"),
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1]", "defines the stratifier text 'site' (id 'by-site'), but this group has no stratifier with its code"),
			))
		})

		It("reports a stratifier reported twice", func() {
			fs := validate(e, editReport(func(r map[string]any) {
				s := groupOf(r, 1)["stratifier"].([]any)
				s[0] = s[1]
			}))
			Expect(fs).To(ContainElement(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[1].stratifier[1].code", "stratifier 'http://example.org/strata|sex' (id 'by-sex') of group 'http://example.org/groups|adults' (id 'adults') of "+screeningName+" is reported more than once in this group")))
			Expect(fs).To(HaveLen(2), "and the site stratifier is then missing")
		})
	})

	Context("a Measure with one group", func() {
		const single = `{"resourceType": "Measure", "url": "http://example.org/Measure/flu", "status": "active",
		  "group": [{"code": {"coding": [{"system": "http://example.org/groups", "code": "all"}]},
		    "population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "criteria": {"language": "text/cql", "expression": "IP"}}]}]}`
		report := func(group string) string {
			return `{"resourceType": "MeasureReport", "status": "complete", "type": "summary", "measure": "http://example.org/Measure/flu",
			  "period": {"start": "2025-01-01", "end": "2025-12-31"}, "group": [` + group + `]}`
		}
		const pop = `"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]}, "count": 3}]`
		var e *profile.Engine
		BeforeEach(func() { e = newEngine(decoded(single)) })

		It("lets the report's only group go without a code", func() {
			Expect(validate(e, report(`{`+pop+`}`))).To(BeEmpty())
		})

		It("checks the only group's code when the report gives one", func() {
			fs := validate(e, report(`{"code": {"coding": [{"system": "http://example.org/groups", "code": "some"}]}, `+pop+`}`))
			Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].code",
				"group code 'http://example.org/groups|some' does not match the code of the only group of Measure http://example.org/Measure/flu ('http://example.org/groups|all')")))
			fs = validate(e, report(`{"code": {"coding": [{"code": "all"}]}, `+pop+`}`))
			Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].code",
				"group code 'all' (no system) has no coding with both a system and a code")))
		})

		It("counts a subject-list population's subjects where they can be told, and lets only such a report list them", func() {
			list := func(typ, count, results, contained string) string {
				return `{"resourceType": "MeasureReport", "status": "complete", "type": "` + typ + `", "measure": "http://example.org/Measure/flu",` + contained + `
				  "period": {"start": "2025-01-01", "end": "2025-12-31"}, "group": [{"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population", "code": "initial-population"}]},
				  "count": ` + count + results + `}]}]}`
			}
			const twoPatients = ` "contained": [{"resourceType": "List", "id": "ip", "status": "current", "mode": "snapshot", "entry": [{"item": {"reference": "Patient/a"}}, {"item": {"reference": "Patient/b"}}]}],`
			Expect(measureFindings(validate(e, list("subject-list", "2", `, "subjectResults": {"reference": "#ip"}`, twoPatients)))).To(BeEmpty())
			Expect(measureFindings(validate(e, list("subject-list", "3", `, "subjectResults": {"reference": "#ip"}`, twoPatients)))).To(ConsistOf(
				saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].population[0]", "count is 3, but its subjectResults list 2")))
			// a person named by its URL is one subject, even unresolved
			Expect(measureFindings(validate(e, list("subject-list", "1", `, "subjectResults": {"reference": "Patient/a"}`, "")))).To(BeEmpty())
			Expect(measureFindings(validate(e, list("subject-list", "500", `, "subjectResults": {"reference": "Patient/a"}`, "")))).To(HaveLen(1))
			// a List or Group that is not at hand cannot be counted
			Expect(measureFindings(validate(e, list("subject-list", "500", `, "subjectResults": {"reference": "List/elsewhere"}`, "")))).To(BeEmpty())
			// only a subject-list report lists subjects
			Expect(measureFindings(validate(e, list("summary", "2", `, "subjectResults": {"reference": "#ip"}`, twoPatients)))).To(ConsistOf(
				at(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0].population[0].subjectResults")))
		})

		It("checks the populations of the only group", func() {
			fs := validate(e, report(`{"measureScore": {"value": 3}}`))
			Expect(fs).To(ConsistOf(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]",
				"defines the population 'http://terminology.hl7.org/CodeSystem/measure-population|initial-population', but this group does not report it")))
		})

		It("checks a report against a contained Measure, and reports a contained one that is not there", func() {
			contained := `{"resourceType": "MeasureReport", "status": "complete", "type": "summary", "measure": "#m",
			  "contained": [` + single[:len(single)-1] + `, "id": "m"}],
			  "period": {"start": "2025-01-01", "end": "2025-12-31"}, "group": [{"measureScore": {"value": 3}}]}`
			// The contained Measure is judged as a resource too: its CQL
			// criterion has no Library to be found in (measure_cql.go).
			Expect(validate(newEngine(), contained)).To(ConsistOf(saying(model.Error, profile.CodeMeasureReport, "MeasureReport.group[0]",
				"Measure http://example.org/Measure/flu defines the population"),
				saying(model.Error, profile.CodeMeasure, "MeasureReport.contained[0].group[0].population[0].criteria", "names no Library")))
			fs := validate(newEngine(), `{"resourceType": "MeasureReport", "status": "complete", "type": "summary", "measure": "#m", "period": {"start": "2025-01-01"}}`)
			// The canonical #m names nothing: the local-canonical rule says so, once.
			Expect(fs).To(ContainElement(saying(model.Error, profile.CodeReference, "MeasureReport.measure", "canonical #m points at nothing in the resource")))
			Expect(fs).NotTo(ContainElement(HaveField("Code", profile.CodeMeasureUnknown)))
		})
	})

	Context("a Measure that is not loaded", func() {
		It("warns once that the report could not be checked, saying how to load it", func() {
			fs := validate(newEngine(), encoded(ihe("measure-report-ihe.json")))
			Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeMeasureUnknown, "MeasureReport.measure",
				"Measure http://ohie.org/Measure/madx-hiv-indicator-example is not loaded, so the report's groups could not be checked against it: give the folder or package that holds it with --ig")))
		})

		It("names the version that is loaded when the report asks for another", func() {
			r := ihe("measure-report-ihe.json")
			r["measure"] = "http://ohie.org/Measure/madx-hiv-indicator-example|2.0"
			fs := validate(newEngine(ihe("measure-ihe.json")), encoded(r))
			Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeMeasureUnknown, "MeasureReport.measure",
				"Measure http://ohie.org/Measure/madx-hiv-indicator-example is loaded only in version 0.0.1-current, not 2.0")))
		})

		It("says so when the canonical names something else", func() {
			r := ihe("measure-report-ihe.json")
			r["measure"] = "http://ohie.org/CodeSystem/measure-codes"
			fs := validate(newEngine(ihe("measure-ihe-cs.json")), encoded(r))
			Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeMeasureUnknown, "MeasureReport.measure",
				"http://ohie.org/CodeSystem/measure-codes is a CodeSystem, not a Measure")))
		})
	})
})

// BenchmarkMeasureReport is full validation of the shared IHE mADX report (24
// strata), with and without its Measure loaded: the Measure is compiled once
// per engine, so matching groups and stratifiers costs little beside the rest
// of validation.
func BenchmarkMeasureReport(b *testing.B) {
	load := func(name string) map[string]any {
		data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", name))
		if err != nil {
			b.Fatal(err)
		}
		m, err := fhir.Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	measure := load("measure-ihe.json")
	rec := &model.Record{Kind: model.KindFHIR, Type: "MeasureReport", Value: load("measure-report-ihe.json")}
	for _, withM := range []bool{false, true} {
		b.Run(fmt.Sprintf("measure-loaded=%v", withM), func(b *testing.B) {
			defs, err := definitions.New(definitions.Options{Parent: core})
			if err != nil {
				b.Fatal(err)
			}
			if withM {
				if err := defs.Add(measure, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes})
			e.ValidateRecord(rec, "", nil) // compile outside the timing
			n := 0
			for b.Loop() {
				n = 0
				for _, f := range e.ValidateRecord(rec, "", nil) {
					if f.Code == profile.CodeMeasureReport {
						n++
					}
				}
			}
			if want := map[bool]int{false: 0, true: 4}[withM]; n != want {
				b.Fatalf("%d measure report findings, want %d", n, want)
			}
		})
	}
}
