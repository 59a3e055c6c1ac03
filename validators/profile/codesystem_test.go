package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// codeSystem is a CodeSystem with the given content, count and other
// properties ("" leaves count out), and concepts a, b and b/child. It is case
// sensitive unless it supplements another (a supplement states no
// caseSensitive).
func codeSystem(content, count, extra string) string {
	c := ""
	if count != "" {
		c = `"count": ` + count + `, `
	}
	cs := `"caseSensitive": true, `
	if strings.Contains(extra, `"supplements"`) {
		cs = ""
	}
	return `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", ` + cs + `
		"content": "` + content + `", ` + c + extra + `"concept": [{"code": "a"}, {"code": "b", "concept": [{"code": "b1"}]}]}`
}

var _ = Describe("CodeSystem content, count and codes", func() {
	e := newEngine()
	csFindings := func(src string) []model.Finding {
		return append(withCode(profile.CodeCodeSystem, validate(e, src)), withCode(profile.CodeDuplicate, validate(e, src))...)
	}

	It("requires a complete code system's count to be its number of concepts at every level", func() {
		Expect(csFindings(codeSystem("complete", "2", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.count")))
		Expect(csFindings(codeSystem("complete", "3", ""))).To(BeEmpty())
	})

	It("warns when a fragment already has as many concepts as its count", func() {
		Expect(csFindings(codeSystem("fragment", "3", ""))).To(ConsistOf(at(model.Warning, profile.CodeCodeSystem, "CodeSystem.count")))
		Expect(csFindings(codeSystem("fragment", "100", ""))).To(BeEmpty())
	})

	It("rejects concepts in a code system whose content is not present", func() {
		Expect(csFindings(codeSystem("not-present", "", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.concept[0]")))
	})

	It("requires a supplement to say what it supplements, and to be content supplement", func() {
		Expect(csFindings(codeSystem("supplement", "", ""))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.content")))
		Expect(csFindings(codeSystem("complete", "", `"supplements": "http://example.org/fhir/CodeSystem/base", `))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.content")))
		Expect(csFindings(codeSystem("supplement", "", `"supplements": "http://example.org/fhir/CodeSystem/base", `))).To(BeEmpty())
	})

	It("rejects a code or a property code defined twice", func() {
		src := `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "content": "complete",
			"property": [{"code": "p", "type": "string"}, {"code": "p", "type": "code"}],
			"concept": [{"code": "a"}, {"code": "b", "concept": [{"code": "a"}]}]}`
		Expect(csFindings(src)).To(ConsistOf(
			at(model.Error, profile.CodeDuplicate, "CodeSystem.concept[1].concept[0].code"),
			at(model.Error, profile.CodeDuplicate, "CodeSystem.property[1].code"),
		))
	})

	It("requires each concept's property value to be of the type its property declares, at every level", func() {
		src := `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "content": "complete",
			"property": [{"code": "order", "type": "integer"}, {"code": "parent-code", "type": "code"}, {"code": "since", "type": "dateTime"}],
			"concept": [{"code": "a", "property": [{"code": "order", "valueInteger": 1}, {"code": "since", "valueDateTime": "2021"}]},
				{"code": "b", "property": [{"code": "order", "valueDecimal": 2.5}], "concept": [{"code": "b1", "property": [{"code": "parent-code", "valueString": "b"}, {"code": "undeclared", "valueString": "x"}]}]}]}`
		Expect(csFindings(src)).To(ConsistOf(
			at(model.Error, profile.CodeCodeSystem, "CodeSystem.concept[1].property[0].valueDecimal"),
			at(model.Error, profile.CodeCodeSystem, "CodeSystem.concept[1].concept[0].property[0].valueString"),
		))
	})

	It("reports a property value given under several wrong value[x] keys in the same order on every run", func() {
		src := `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "content": "complete",
			"property": [{"code": "order", "type": "integer"}],
			"concept": [{"code": "a", "property": [{"code": "order", "valueString": "1", "valueBoolean": true, "valueDecimal": 1.0, "valueCode": "one"}]}]}`
		p := "CodeSystem.concept[0].property[0]."
		want := []string{p + "valueBoolean", p + "valueCode", p + "valueDecimal", p + "valueString"}
		for range 5 {
			var paths []string
			for _, f := range withCode(profile.CodeCodeSystem, validate(e, src)) {
				paths = append(paths, f.Path)
			}
			Expect(paths).To(Equal(want))
		}
	})

	It("requires a property's uri to be absolute", func() {
		prop := func(uri string) string {
			return `{"resourceType": "CodeSystem", "id": "cs", "url": "http://example.org/fhir/CodeSystem/cs", "name": "CS", "status": "draft", "content": "not-present",
				"property": [{"code": "p", "uri": "` + uri + `", "type": "string"}]}`
		}
		Expect(csFindings(prop("http://hl7.org/fhir/concept-properties#comment"))).To(BeEmpty())
		Expect(csFindings(prop("urn:oid:2.16.840.1.113883.4.642.1.1"))).To(BeEmpty())
		Expect(csFindings(prop("concept-properties#status"))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.property[0].uri")))
	})

	It("requires a supplement's codes to be codes of the system it supplements, when carecert holds that system complete", func() {
		supplement := func(base, code string) string {
			return `{"resourceType": "CodeSystem", "id": "sup", "url": "http://example.org/fhir/CodeSystem/sup", "name": "Sup", "status": "draft", "content": "supplement",
				"supplements": "` + base + `", "concept": [{"code": "` + code + `", "designation": [{"language": "de", "value": "x"}]}]}`
		}
		Expect(csFindings(supplement("http://hl7.org/fhir/contact-point-system", "fax"))).To(BeEmpty())
		Expect(csFindings(supplement("http://hl7.org/fhir/contact-point-system|4.0.1", "telefax"))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.concept[0].code")))
		// A system carecert does not hold is not judged.
		Expect(csFindings(supplement("http://example.org/fhir/CodeSystem/elsewhere", "anything"))).To(BeEmpty())
	})

	DescribeTable("what a supplement says about the code system it supplements",
		func(header string, want []string) {
			src := `{"resourceType": "CodeSystem", "id": "sup", "url": "http://example.org/fhir/CodeSystem/sup", "name": "Sup", "status": "draft", ` + header + `,
				"content": "supplement", "supplements": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "concept": [{"code": "UNK", "designation": [{"language": "cy", "value": "Anhysbys"}]}]}`
			var paths []string
			for _, f := range csFindings(src) {
				paths = append(paths, f.Path)
			}
			Expect(paths).To(ConsistOf(want))
		},
		Entry("nothing of its base's", `"version": "1"`, nil),
		Entry("caseSensitive true", `"caseSensitive": true`, []string{"CodeSystem.caseSensitive"}),
		Entry("caseSensitive false", `"caseSensitive": false`, []string{"CodeSystem.caseSensitive"}),
		Entry("its base's hierarchyMeaning", `"hierarchyMeaning": "is-a"`, nil),
		Entry("another hierarchyMeaning", `"hierarchyMeaning": "part-of"`, []string{"CodeSystem.hierarchyMeaning"}),
		Entry("both", `"caseSensitive": true, "hierarchyMeaning": "classified-with"`, []string{"CodeSystem.caseSensitive", "CodeSystem.hierarchyMeaning"}),
	)

	It("judges a supplement's hierarchyMeaning only against a system carecert holds that states one", func() {
		sup := func(base string) string {
			return `{"resourceType": "CodeSystem", "id": "sup", "url": "http://example.org/fhir/CodeSystem/sup", "name": "Sup", "status": "draft", "hierarchyMeaning": "part-of",
				"content": "supplement", "supplements": "` + base + `"}`
		}
		// contact-point-system states no hierarchyMeaning; elsewhere is not held.
		Expect(csFindings(sup("http://hl7.org/fhir/contact-point-system"))).To(BeEmpty())
		Expect(csFindings(sup("http://example.org/fhir/CodeSystem/elsewhere"))).To(BeEmpty())
		Expect(csFindings(sup("http://terminology.hl7.org/CodeSystem/v3-NullFlavor|2018-08-12"))).To(ConsistOf(at(model.Error, profile.CodeCodeSystem, "CodeSystem.hierarchyMeaning")))
	})
})

var _ = Describe("CodeSystem.valueSet: the value set of the whole code system", func() {
	e := newEngine()
	whole := func(url, vs string) []string {
		src := `{"resourceType": "CodeSystem", "id": "cs", "url": "` + url + `", "name": "CS", "status": "draft", "content": "complete",
			"valueSet": "` + vs + `", "concept": [{"code": "a", "display": "A"}]}`
		out := []string{}
		for _, p := range pathsOf(validate(e, src), model.Error, profile.CodeCodeSystem) {
			if p == "CodeSystem.valueSet" {
				out = append(out, p)
			}
		}
		return out
	}
	DescribeTable("a value set carecert holds",
		func(url, vs string, want []string) { Expect(whole(url, vs)).To(ConsistOf(want)) },
		Entry("includes this whole code system", "http://hl7.org/fhir/administrative-gender", "http://hl7.org/fhir/ValueSet/administrative-gender", nil),
		Entry("includes another code system", "http://example.org/fhir/CodeSystem/wards", "http://hl7.org/fhir/ValueSet/administrative-gender", []string{"CodeSystem.valueSet"}),
		Entry("lists only some of the code system's concepts", "http://hl7.org/fhir/event-status", "http://hl7.org/fhir/ValueSet/immunization-status", []string{"CodeSystem.valueSet"}),
		Entry("includes more than one code system", "http://terminology.hl7.org/CodeSystem/data-absent-reason", "http://hl7.org/fhir/ValueSet/yesnodontknow", []string{"CodeSystem.valueSet"}),
		Entry("a value set carecert does not hold is not judged", "http://example.org/fhir/CodeSystem/wards", "http://example.org/fhir/ValueSet/wards", nil),
	)
})
