package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("for-publication: what a shareable definition carries", func() {
	publishing := optionsEngine(profile.Options{ForPublication: true})
	evidence := func(e *profile.Engine, src string, sev model.Severity) []string {
		var out []string
		for _, f := range everyFinding(e, src) {
			if f.Code == profile.CodeShareable && f.Severity == sev {
				out = append(out, f.Evidence)
			}
		}
		return out
	}
	const hl7VS = `{"resourceType": "ValueSet", "url": "http://terminology.hl7.org/ValueSet/beds", "status": "draft"}`
	const ourVS = `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/beds", "status": "draft"}`
	const fullVS = `{"resourceType": "ValueSet", "url": "http://terminology.hl7.org/ValueSet/beds", "version": "1.0.0", "name": "Beds", "title": "Beds",
		"status": "draft", "experimental": false, "publisher": "HL7", "description": "Kinds of bed."}`

	DescribeTable("the elements it lacks",
		func(src string, sev model.Severity, want []string) {
			Expect(evidence(publishing, src, sev)).To(ConsistOf(want))
		},
		Entry("an HL7 value set: the reference's list as errors", hl7VS, model.Error, []string{"version", "title", "experimental", "description"}),
		Entry("an HL7 value set: name and the R4 profile's publisher as warnings", hl7VS, model.Warning, []string{"name", "publisher"}),
		Entry("another's value set: all warnings", ourVS, model.Warning, []string{"version", "title", "experimental", "description", "name", "publisher"}),
		Entry("another's value set: no errors", ourVS, model.Error, nil),
		Entry("a value set carrying them all", fullVS, model.Warning, nil),
		Entry("an HL7 code system: content and caseSensitive too", `{"resourceType": "CodeSystem", "url": "http://terminology.hl7.org/CodeSystem/beds", "version": "1", "name": "Beds", "title": "Beds",
			"status": "draft", "experimental": false, "publisher": "HL7", "description": "Kinds of bed."}`, model.Error, []string{"content", "caseSensitive"}),
		Entry("a supplement takes its case sensitivity from its base", `{"resourceType": "CodeSystem", "url": "http://terminology.hl7.org/CodeSystem/beds-de", "version": "1", "name": "BedsDE", "title": "Beds (de)",
			"status": "draft", "experimental": false, "publisher": "HL7", "description": "German.", "content": "supplement", "supplements": "http://terminology.hl7.org/CodeSystem/beds"}`, model.Error, nil),
		Entry("an HL7 concept map (R4 has no shareable profile for it)", `{"resourceType": "ConceptMap", "url": "http://hl7.org/fhir/ConceptMap/beds", "version": "1", "name": "Beds",
			"status": "draft", "experimental": false, "description": "Beds to wards."}`, model.Error, []string{"title"}),
		Entry("an HL7 measure: its name must be there, its title should", `{"resourceType": "Measure", "url": "http://hl7.org/fhir/Measure/beds", "version": "1", "title": "Beds",
			"status": "draft", "experimental": false, "publisher": "HL7", "description": "Bed use."}`, model.Error, []string{"name"}),
		Entry("an HL7 measure: its title as a warning", `{"resourceType": "Measure", "url": "http://hl7.org/fhir/Measure/beds", "version": "1", "name": "Beds",
			"status": "draft", "experimental": false, "publisher": "HL7", "description": "Bed use."}`, model.Warning, []string{"title"}),
	)

	It("is off by default, and leaves contained definitions alone", func() {
		Expect(evidence(optionsEngine(profile.Options{}), hl7VS, model.Error)).To(BeEmpty())
		Expect(evidence(optionsEngine(profile.Options{}), ourVS, model.Warning)).To(BeEmpty())
		contained := `{"resourceType": "Questionnaire", "url": "http://example.org/fhir/Questionnaire/q", "status": "draft", "contained": [` + hl7VS + `]}`
		Expect(pathsOf(everyFinding(publishing, contained), model.Error, profile.CodeShareable)).To(BeEmpty())
		Expect(pathsOf(everyFinding(publishing, contained), model.Warning, profile.CodeShareable)).To(BeEmpty())
	})

	It("says, as information, that HL7's code systems belong in its terminology", func() {
		cs := func(url string) string {
			return `{"resourceType": "CodeSystem", "url": "` + url + `", "status": "draft", "content": "complete", "caseSensitive": true}`
		}
		Expect(pathsOf(everyFinding(publishing, cs("http://hl7.org/fhir/beds")), model.Information, profile.CodeShareable)).To(ConsistOf("CodeSystem.url"))
		Expect(pathsOf(everyFinding(publishing, cs("http://terminology.hl7.org/CodeSystem/beds")), model.Information, profile.CodeShareable)).To(BeEmpty())
	})

	It("is an option of the run and of a requirement, checked before the run", func() {
		reg := check.NewRegistry()
		profile.Register(reg)
		_, err := reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile", Params: params.Params{"for-publication": "perhaps"}}, &check.Env{})
		Expect(err).To(MatchError(ContainSubstring("for-publication")))
		_, err = reg.Compile(check.Spec{Requirement: "R", Type: "fhir-profile"}, &check.Env{FHIROptions: map[string]string{"for-publication": "true"}})
		Expect(err).NotTo(HaveOccurred())
	})
})
