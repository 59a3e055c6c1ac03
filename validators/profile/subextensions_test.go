package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// R4 §2.17.1: an extension's url is absolute; only the sub-extensions of a
// complex extension carry the relative names its definition declares.
var _ = Describe("relative extension urls and sub-extensions", func() {
	e := newEngine()
	const nationality = "http://hl7.org/fhir/StructureDefinition/patient-nationality"
	extensionFindings := func(src string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, src) {
			if f.Code == profile.CodeExtension || f.Code == profile.CodeUnknownExtension {
				out = append(out, f)
			}
		}
		return out
	}

	It("accepts the sub-extensions a complex extension declares", func() {
		Expect(extensionFindings(`{"resourceType": "Patient", "extension": [{"url": "` + nationality + `", "extension": [
			{"url": "code", "valueCodeableConcept": {"text": "British"}},
			{"url": "period", "valuePeriod": {"start": "2001-01-01"}}]}]}`)).To(BeEmpty())
	})

	It("rejects a sub-extension the complex extension does not declare, naming those it does", func() {
		fs := extensionFindings(`{"resourceType": "Patient", "extension": [{"url": "` + nationality + `", "extension": [
			{"url": "code", "valueCodeableConcept": {"text": "British"}},
			{"url": "country", "valueString": "GB"}]}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeExtension, "Patient.extension[0].extension[1].url")))
		Expect(fs[0].Message).To(And(ContainSubstring("sub-extension country is not defined by the extension "+nationality),
			ContainSubstring("code"), ContainSubstring("period")))
	})

	It("rejects a relative url outside a complex extension: on a resource, a modifier, a datatype or a sub-extension's value", func() {
		for path, src := range map[string]string{
			"Patient.extension[0].url":         `{"resourceType": "Patient", "extension": [{"url": "nationality", "valueString": "GB"}]}`,
			"Patient.modifierExtension[0].url": `{"resourceType": "Patient", "modifierExtension": [{"url": "StructureDefinition/flag", "valueBoolean": true}]}`,
			"Patient.name[0].extension[0].url": `{"resourceType": "Patient", "name": [{"family": "Ng", "extension": [{"url": "tone", "valueString": "2"}]}]}`,
			"Patient.extension[0].extension[0].valueCodeableConcept.extension[0].url": `{"resourceType": "Patient", "extension": [{"url": "` + nationality + `",
				"extension": [{"url": "code", "valueCodeableConcept": {"text": "British", "extension": [{"url": "note", "valueString": "x"}]}}]}]}`,
		} {
			fs := extensionFindings(src)
			Expect(fs).To(ContainElement(at(model.Error, profile.CodeExtension, path)), path)
			for _, f := range fs {
				if f.Path == path {
					Expect(f.Message).To(ContainSubstring("is relative"), path)
				}
			}
		}
	})

	It("cannot judge the sub-extensions of an extension whose definition is unknown", func() {
		fs := extensionFindings(`{"resourceType": "Patient", "extension": [{"url": "http://registry.acme-health.test/ext/origin",
			"extension": [{"url": "anything", "valueString": "x"}]}]}`)
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeUnknownExtension, "Patient.extension[0]")))
	})
})
