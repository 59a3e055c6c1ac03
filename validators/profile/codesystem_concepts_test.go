package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// csAt is a complete CodeSystem at url with the given header members and
// concepts.
func csAt(url, header, concepts string) string {
	return `{"resourceType": "CodeSystem", "id": "cs", "url": "` + url + `", "name": "CS", "status": "draft", "content": "complete", ` + header + `"concept": [` + concepts + `]}`
}

var _ = Describe("CodeSystem declarations and concepts", func() {
	base := map[string]any{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/wards", "name": "Wards", "status": "active", "content": "complete",
		"caseSensitive": true, "valueSet": "http://example.org/fhir/ValueSet/wards",
		"concept": []any{map[string]any{"code": "w1", "display": "Ward one"}, map[string]any{"code": "w2", "display": "Ward two"}}}
	e := newEngine(base)
	found := func(src string, sev model.Severity) []string {
		return pathsOf(everyFinding(e, src), sev, profile.CodeCodeSystem)
	}
	const hl7 = "http://terminology.hl7.org/CodeSystem/beds"
	const ours = "http://example.org/fhir/CodeSystem/beds"
	const flat = `{"code": "a", "display": "A", "definition": "The a."}`
	const nested = `{"code": "a", "display": "A", "definition": "The a.", "concept": [{"code": "a1", "display": "A1", "definition": "The a1."}]}`

	DescribeTable("what a code system should say of itself: warnings for HL7's, information for others'",
		func(url, header, concepts string, sev model.Severity, n int) {
			Expect(found(csAt(url, header, concepts), sev)).To(HaveLen(n))
			Expect(found(csAt(url, header, concepts), model.Error)).To(BeEmpty())
		},
		Entry("HL7's, case sensitivity stated", hl7, `"caseSensitive": true, `, flat, model.Warning, 0),
		Entry("HL7's, case sensitivity not stated", hl7, ``, flat, model.Warning, 1),
		Entry("HL7's, nesting without hierarchyMeaning", hl7, `"caseSensitive": true, `, nested, model.Warning, 1),
		Entry("HL7's, nesting with hierarchyMeaning", hl7, `"caseSensitive": true, "hierarchyMeaning": "is-a", `, nested, model.Warning, 0),
		Entry("another's, neither stated", ours, ``, nested, model.Information, 2),
		Entry("another's, neither stated: no warning", ours, ``, nested, model.Warning, 0),
	)

	DescribeTable("an HL7 code system's concepts carry displays and definitions (a warning, once each)",
		func(url, concepts string, n int) {
			Expect(found(csAt(url, `"caseSensitive": true, "hierarchyMeaning": "is-a", `, concepts), model.Warning)).To(HaveLen(n))
		},
		Entry("all carried", hl7, flat+`, {"code": "b", "display": "B", "definition": "The b."}`, 0),
		Entry("two without a display", hl7, `{"code": "a", "definition": "The a."}, {"code": "b", "definition": "The b."}`, 1),
		Entry("a nested one without a definition", hl7, `{"code": "a", "display": "A", "definition": "The a.", "concept": [{"code": "a1", "display": "A1"}]}`, 1),
		Entry("neither", hl7, `{"code": "a"}`, 2),
		Entry("another's code system is not judged", ours, `{"code": "a"}`, 0),
	)

	DescribeTable("a designation with no use says what the display says, in the display's language",
		func(header, designation string, n int) {
			src := csAt(ours, `"caseSensitive": true, `+header, `{"code": "a", "display": "Admitted", "designation": [`+designation+`]}`)
			Expect(found(src, model.Warning)).To(HaveLen(n))
		},
		Entry("the same words", ``, `{"value": "Admitted"}`, 0),
		Entry("other words, no language anywhere", ``, `{"value": "In hospital"}`, 1),
		Entry("other words with a use", ``, `{"use": {"system": "http://snomed.info/sct", "code": "900000000000013009"}, "value": "In hospital"}`, 0),
		Entry("other words in another language", `"language": "en", `, `{"language": "de", "value": "Aufgenommen"}`, 0),
		Entry("other words in the code system's language", `"language": "en", `, `{"language": "en", "value": "In hospital"}`, 1),
		Entry("other words, the code system's language implied", `"language": "en", `, `{"value": "In hospital"}`, 1),
	)

	DescribeTable("a supplement's displays against the supplemented system's, as information",
		func(header, concepts string, n int) {
			src := `{"resourceType": "CodeSystem", "id": "sup", "url": "http://example.org/fhir/CodeSystem/wards-sup", "name": "Sup", "status": "draft", "content": "supplement",
				"supplements": "http://example.org/fhir/CodeSystem/wards", ` + header + `"concept": [` + concepts + `]}`
			Expect(found(src, model.Information)).To(HaveLen(n))
			Expect(found(src, model.Error)).To(BeEmpty())
		},
		Entry("the same display, in another case", ``, `{"code": "w1", "display": "WARD ONE"}`, 0),
		Entry("another display in the same language", ``, `{"code": "w1", "display": "First ward"}`, 1),
		Entry("another display in another language", `"language": "de", `, `{"code": "w1", "display": "Station eins"}`, 0),
		Entry("designations only", ``, `{"code": "w1", "designation": [{"language": "de", "value": "Station eins"}]}`, 0),
	)

	It("says a contained code system is better published on its own, except in a Questionnaire or a CodeSystem", func() {
		inner := `{"resourceType": "CodeSystem", "id": "local", "url": "http://example.org/fhir/CodeSystem/local", "status": "draft", "content": "complete", "caseSensitive": true, "concept": [{"code": "x"}]}`
		in := func(host string) []string {
			return found(`{"resourceType": "`+host+`", "id": "h", "status": "draft", "contained": [`+inner+`]`+map[string]string{
				"Questionnaire": `, "item": [{"linkId": "1", "type": "choice", "answerValueSet": "#vs"}]`,
				"ValueSet":      `, "compose": {"include": [{"system": "http://example.org/fhir/CodeSystem/local"}]}`}[host]+`}`, model.Information)
		}
		Expect(in("ValueSet")).To(ContainElement(MatchRegexp(`^ValueSet\.contained\[0\]$`)))
		Expect(in("Questionnaire")).NotTo(ContainElement(MatchRegexp(`^Questionnaire\.contained\[0\]$`)))
	})

	DescribeTable("the value set of the whole code system",
		func(src string, sev model.Severity, n int) {
			var at []string
			for _, p := range found(src, sev) {
				if strings.HasSuffix(p, ".valueSet") {
					at = append(at, p)
				}
			}
			Expect(at).To(HaveLen(n))
		},
		Entry("a complete system", csAt(ours, `"caseSensitive": true, "valueSet": "http://example.org/fhir/ValueSet/beds", `, flat), model.Information, 0),
		Entry("a fragment has no whole to name", strings.Replace(csAt(ours, `"caseSensitive": true, "valueSet": "http://example.org/fhir/ValueSet/beds", `, flat), `"complete"`, `"fragment"`, 1), model.Information, 1),
		Entry("a supplement naming its system's value set",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "draft", "content": "supplement", "supplements": "http://example.org/fhir/CodeSystem/wards", "valueSet": "http://example.org/fhir/ValueSet/wards"}`, model.Warning, 0),
		Entry("a supplement naming another",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "draft", "content": "supplement", "supplements": "http://example.org/fhir/CodeSystem/wards", "valueSet": "http://example.org/fhir/ValueSet/s"}`, model.Warning, 1),
		Entry("a supplement of a system that names none",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "draft", "content": "supplement", "supplements": "http://hl7.org/fhir/contact-point-use", "valueSet": "http://example.org/fhir/ValueSet/s"}`, model.Warning, 1),
		Entry("a supplement of a system carecert does not hold is not judged",
			`{"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/s", "status": "draft", "content": "supplement", "supplements": "http://example.org/fhir/CodeSystem/nowhere", "valueSet": "http://example.org/fhir/ValueSet/s"}`, model.Warning, 0),
	)

	It("requires the whole code system's value set, where it carries an expansion, to list every code", func() {
		vs := map[string]any{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/beds", "status": "draft",
			"compose":   map[string]any{"include": []any{map[string]any{"system": ours}}},
			"expansion": map[string]any{"timestamp": "2026-01-01T00:00:00Z", "contains": []any{map[string]any{"system": ours, "code": "a"}, map[string]any{"system": ours, "code": "a1"}}}}
		withVS := newEngine(vs)
		src := func(concepts string) string {
			return csAt(ours, `"caseSensitive": true, "hierarchyMeaning": "is-a", "valueSet": "http://example.org/fhir/ValueSet/beds", `, concepts)
		}
		Expect(pathsOf(everyFinding(withVS, src(nested)), model.Error, profile.CodeCodeSystem)).To(BeEmpty())
		Expect(pathsOf(everyFinding(withVS, src(nested+`, {"code": "b", "display": "B"}`)), model.Error, profile.CodeCodeSystem)).To(ConsistOf("CodeSystem.valueSet"))
	})
})

var _ = Describe("the core's code systems against the CodeSystem families", func() {
	It("raises no error at CodeSystem.valueSet on R4's code systems", func() {
		// These families' one error is at CodeSystem.valueSet; the others
		// are warnings or information.
		Expect(coreFindings("CodeSystem", terminologyFiles, func(_ string, f model.Finding) bool {
			return f.Severity == model.Error && f.Code == profile.CodeCodeSystem && strings.HasSuffix(f.Path, ".valueSet")
		})).To(BeEmpty())
	})
})
