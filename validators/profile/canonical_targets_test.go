package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("canonicals that name a definition", func() {
	e := newEngine()
	// findings of one code at one path, information included
	findingsAt := func(src, code, path string) []model.Finding {
		var out []model.Finding
		for _, f := range e.ValidateRecord(record(src), "", nil) {
			if f.Code == code && f.Path == path {
				out = append(out, f)
			}
		}
		return out
	}
	questionnaire := func(vs string) string {
		return `{"resourceType":"Questionnaire","url":"http://example.net/q/1","status":"draft","item":[{"linkId":"g","text":"Gender","type":"choice","answerValueSet":"` + vs + `"}]}`
	}
	const vsPath = "Questionnaire.item[0].answerValueSet"

	DescribeTable("against the definitions carecert holds",
		func(vs string, sev model.Severity, says string) {
			fs := findingsAt(questionnaire(vs), profile.CodeReference, vsPath)
			if says == "" {
				Expect(fs).To(BeEmpty())
				return
			}
			Expect(fs).To(ConsistOf(saying(sev, profile.CodeReference, vsPath, says)))
		},
		Entry("a core value set", "http://hl7.org/fhir/ValueSet/administrative-gender", model.Information, ""),
		Entry("a core value set with its version", "http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1", model.Information, ""),
		Entry("a code system where a value set is wanted", "http://hl7.org/fhir/administrative-gender", model.Error, "names a CodeSystem, but this element refers to ValueSet"),
		Entry("a terminology.hl7.org code system where a value set is wanted", "http://terminology.hl7.org/CodeSystem/v2-0203", model.Error, "names a CodeSystem"),
		Entry("https where the definition is http", "https://hl7.org/fhir/ValueSet/administrative-gender", model.Information, "http, not https"),
		Entry("a core value set that does not exist", "http://hl7.org/fhir/ValueSet/no-such-gender", model.Information, "names no definition of the FHIR R4 core"),
		Entry("a guide's value set under hl7.org is not looked for", "http://hl7.org/fhir/us/core/ValueSet/birthsex", model.Information, ""),
		Entry("a third party's value set is not looked for", "http://example.net/ValueSet/genders", model.Information, ""),
	)

	It("holds a profile's base definition to a StructureDefinition", func() {
		sd := func(base string) string {
			return `{"resourceType":"StructureDefinition","url":"http://example.net/sd/p","name":"P","status":"draft","kind":"resource","abstract":false,"type":"Patient","baseDefinition":"` + base + `","derivation":"constraint","differential":{"element":[{"id":"Patient","path":"Patient"}]}}`
		}
		Expect(findingsAt(sd("http://hl7.org/fhir/StructureDefinition/Patient"), profile.CodeReference, "StructureDefinition.baseDefinition")).To(BeEmpty())
		Expect(findingsAt(sd("http://hl7.org/fhir/ValueSet/administrative-gender"), profile.CodeReference, "StructureDefinition.baseDefinition")).To(
			ConsistOf(saying(model.Error, profile.CodeReference, "StructureDefinition.baseDefinition", "names a ValueSet")))
	})

	It("leaves a canonical without target types alone", func() {
		src := `{"resourceType":"Patient","extension":[{"url":"http://example.net/ext/source","valueCanonical":"http://hl7.org/fhir/administrative-gender"}]}`
		for _, f := range e.ValidateRecord(record(src), "", nil) {
			Expect(f.Message).NotTo(ContainSubstring("names a CodeSystem"))
		}
	})

	It("gives the same verdict in XML", func() {
		xml := `<Questionnaire xmlns="http://hl7.org/fhir"><url value="http://example.net/q/1"/><status value="draft"/><item><linkId value="g"/><text value="Gender"/><type value="choice"/><answerValueSet value="http://hl7.org/fhir/administrative-gender"/></item></Questionnaire>`
		Expect(findingsAt(fromXML(xml), profile.CodeReference, vsPath)).To(ConsistOf(saying(model.Error, profile.CodeReference, vsPath, "names a CodeSystem")))
	})

	DescribeTable("a system URL HL7 has replaced is a warning",
		func(system string, warned bool) {
			src := `{"resourceType":"Condition","subject":{"reference":"Patient/1"},"code":{"coding":[{"system":"` + system + `","code":"K86"}]}}`
			fs := findingsAt(src, profile.CodeCoding, "Condition.code.coding[0].system")
			if warned {
				Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeCoding, "Condition.code.coding[0].system", "not the URL to use")))
			} else {
				Expect(fs).To(BeEmpty())
			}
		},
		Entry("ICPC-2 as once published", "http://hl7.org/fhir/sid/icpc2", true),
		Entry("DSM-5 as once published", "http://hl7.org/fhir/sid/dsm5", true),
		Entry("ICPC-2 as registered", "http://hl7.org/fhir/sid/icpc-2", false),
		Entry("another system", "http://snomed.info/sct", false),
	)
})

// A canonical element's target types are read from its compiled type, as a
// Reference's are: a target may be a base type, a versioned one
// (…/ValueSet|4.0.1), or a profile (the core's shareablevalueset, a guide's
// own), which names the type it constrains. Each is held the same way
// wherever the resource is placed and in either format.
var _ = Describe("the target types of a guide's canonical element", func() {
	const ns = "http://example.net/fhir/StructureDefinition/"
	extensionTo := func(name string, targets ...string) map[string]any {
		def := extensionDef(ns+name, "element", "Element")
		value := def["differential"].(map[string]any)["element"].([]any)[2].(map[string]any)
		value["type"] = []any{map[string]any{"code": "canonical", "targetProfile": targets}}
		return def
	}
	guideProfile := diffProfile(ns+"guide-valueset", "ValueSet")
	guideProfile["version"] = "1.0.0"
	e := newEngine(guideProfile,
		extensionTo("to-type", "http://hl7.org/fhir/StructureDefinition/ValueSet"),
		extensionTo("to-versioned-type", "http://hl7.org/fhir/StructureDefinition/ValueSet|4.0.1"),
		extensionTo("to-core-profile", "http://hl7.org/fhir/StructureDefinition/shareablevalueset"),
		extensionTo("to-guide-profile", ns+"guide-valueset|1.0.0"),
		extensionTo("to-valueset-or-codesystem", "http://hl7.org/fhir/StructureDefinition/shareablevalueset", "http://hl7.org/fhir/StructureDefinition/CodeSystem"),
	)
	const valueSet, codeSystem = "http://hl7.org/fhir/ValueSet/administrative-gender", "http://hl7.org/fhir/administrative-gender"

	patientJSON := func(ext, value string) string {
		return `{"resourceType": "Patient", "id": "p1", "extension": [{"url": "` + ns + ext + `", "valueCanonical": "` + value + `"}], "gender": "female"}`
	}
	patientXML := func(ext, value string) string {
		return `<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><extension url="` + ns + ext + `"><valueCanonical value="` + value + `"/></extension><gender value="female"/></Patient>`
	}
	placements := []struct {
		name, path string
		write      func(ext, value string) string
	}{
		{"alone, JSON", "Patient.extension[0].valueCanonical", patientJSON},
		{"alone, XML", "Patient.extension[0].valueCanonical", patientXML},
		{"contained", "Basic.contained[0].extension[0].valueCanonical", func(ext, value string) string {
			return `{"resourceType": "Basic", "id": "b1", "contained": [` + patientJSON(ext, value) + `], "code": {"text": "carrier"}, "subject": {"reference": "#p1"}}`
		}},
		{"a Bundle entry, JSON", "Patient.extension[0].valueCanonical", func(ext, value string) string {
			return `{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "https://fhir.oakfield-trust.nhs.uk/R4/Patient/p1", "resource": ` + patientJSON(ext, value) + `}]}`
		}},
		{"a Bundle entry, XML", "Patient.extension[0].valueCanonical", func(ext, value string) string {
			return `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="https://fhir.oakfield-trust.nhs.uk/R4/Patient/p1"/><resource>` + patientXML(ext, value) + `</resource></entry></Bundle>`
		}},
	}
	kindErrors := func(src string) []string {
		var out []string
		for _, f := range bundleAllFindings(e, src) {
			if f.Code == profile.CodeReference && strings.Contains(f.Message, "names a ") {
				out = append(out, f.Severity.String()+" "+f.Path+": "+f.Message)
			}
		}
		return out
	}

	for _, pl := range placements {
		DescribeTable("judges the kind named, "+pl.name,
			func(ext, value, wants string) {
				got := kindErrors(pl.write(ext, value))
				if wants == "" {
					Expect(got).To(BeEmpty())
					return
				}
				Expect(got).To(ConsistOf("error " + pl.path + ": canonical " + value + " names a CodeSystem, but this element refers to " + wants))
			},
			Entry("a value set where the type is ValueSet", "to-type", valueSet, ""),
			Entry("a code system where the type is ValueSet", "to-type", codeSystem, "ValueSet"),
			Entry("a value set where the type is ValueSet|4.0.1", "to-versioned-type", valueSet, ""),
			Entry("a code system where the type is ValueSet|4.0.1", "to-versioned-type", codeSystem, "ValueSet"),
			Entry("a value set where the target is the core's shareablevalueset", "to-core-profile", valueSet, ""),
			Entry("a code system where the target is the core's shareablevalueset", "to-core-profile", codeSystem, "ValueSet"),
			Entry("a value set where the target is a guide's ValueSet profile, versioned", "to-guide-profile", valueSet, ""),
			Entry("a code system where the target is a guide's ValueSet profile, versioned", "to-guide-profile", codeSystem, "ValueSet"),
			Entry("a code system where a profile or CodeSystem is allowed", "to-valueset-or-codesystem", codeSystem, ""),
		)
	}
})
