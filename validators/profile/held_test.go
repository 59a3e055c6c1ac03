package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// findingsOf lists "severity code path" of the errors, warnings and
// information a record gets with one of the codes given.
func findingsOf(e *profile.Engine, rec *model.Record, codes ...string) []string {
	out := []string{}
	for _, f := range e.ValidateRecord(rec, "", nil) {
		for _, c := range codes {
			if f.Code == c {
				out = append(out, f.Severity.String()+" "+f.Code+" "+f.Path)
			}
		}
	}
	return out
}

var _ = Describe("definitions held in the same Bundle, found as every family finds a held definition", func() {
	e := newEngine()
	const (
		beds       = `{"resource": {"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/beds", "version": "2.0.0", "name": "Beds", "status": "draft", "caseSensitive": true, "hierarchyMeaning": "is-a", "content": "complete", "concept": [{"code": "icu", "display": "ICU"}]}}`
		bedsVS     = `{"resource": {"resourceType": "ValueSet", "url": "http://hl7.org/fhir/ValueSet/beds", "name": "Beds", "status": "draft", "compose": {"include": [{"system": "http://example.org/fhir/CodeSystem/beds"}]}}}`
		bedsVS2    = `{"resource": {"resourceType": "ValueSet", "url": "http://hl7.org/fhir/ValueSet/beds", "version": "2.0.0", "name": "Beds", "status": "draft", "compose": {"include": [{"system": "http://example.org/fhir/CodeSystem/beds"}]}}}`
		supplement = `{"resource": {"resourceType": "CodeSystem", "url": "http://example.org/fhir/CodeSystem/beds-de", "name": "BedsDE", "status": "draft", "content": "supplement", "supplements": "%s", "hierarchyMeaning": "part-of"}}`
	)
	bundle := func(entries ...string) *model.Record {
		return record(`{"resourceType": "Bundle", "type": "collection", "entry": [` + strings.Join(entries, ", ") + `]}`)
	}
	profileBinding := func(vs string) string {
		return `{"resource": {"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/bed-patient", "name": "BedPatient", "status": "draft",
			"kind": "resource", "abstract": false, "type": "Patient", "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
			"differential": {"element": [{"id": "Patient", "path": "Patient"}, {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus",
			"binding": {"strength": "extensible", "valueSet": "` + vs + `"}}]}}}`
	}

	DescribeTable("each family judges against the Bundle's definitions",
		func(rec *model.Record, codes []string, want []string) {
			Expect(findingsOf(e, rec, codes...)).To(ConsistOf(want))
		},
		Entry("a supplement's hierarchyMeaning against its base in the Bundle", entryRecord(bundle(beds, strings.Replace(supplement, "%s", "http://example.org/fhir/CodeSystem/beds", 1)), 1),
			[]string{profile.CodeCodeSystem}, []string{"error profile.codesystem CodeSystem.hierarchyMeaning"}),
		Entry("the base in that version", entryRecord(bundle(beds, strings.Replace(supplement, "%s", "http://example.org/fhir/CodeSystem/beds|2.0", 1)), 1),
			[]string{profile.CodeCodeSystem}, []string{"error profile.codesystem CodeSystem.hierarchyMeaning"}),
		Entry("a base in a version the Bundle does not hold is not judged", entryRecord(bundle(beds, strings.Replace(supplement, "%s", "http://example.org/fhir/CodeSystem/beds|1.0", 1)), 1),
			[]string{profile.CodeCodeSystem}, nil),
		Entry("a binding to a value set in FHIR's namespace the Bundle holds", entryRecord(bundle(beds, bedsVS, profileBinding("http://hl7.org/fhir/ValueSet/beds")), 2),
			[]string{profile.CodeDefinitionReview}, nil),
		Entry("a binding to one in FHIR's namespace no one holds", entryRecord(bundle(beds, profileBinding("http://hl7.org/fhir/ValueSet/beds")), 1),
			[]string{profile.CodeDefinitionReview}, []string{"warning profile.definition-review StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a binding naming the Bundle's code system", entryRecord(bundle(beds, profileBinding("http://example.org/fhir/CodeSystem/beds")), 1),
			[]string{profile.CodeDefinitionShape}, []string{"error profile.definition-shape StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("a binding to a value set the Bundle holds in two versions, naming neither", entryRecord(bundle(beds, bedsVS, bedsVS2, profileBinding("http://hl7.org/fhir/ValueSet/beds")), 3),
			[]string{profile.CodeReference}, []string{"warning profile.reference StructureDefinition.differential.element[1].binding.valueSet"}),
		Entry("naming the second version, after the first in entry order", entryRecord(bundle(beds, bedsVS, bedsVS2, profileBinding("http://hl7.org/fhir/ValueSet/beds|2.0.0")), 3),
			[]string{profile.CodeReference, profile.CodeDefinitionReview}, nil),
		Entry("naming a version the Bundle does not hold", entryRecord(bundle(beds, bedsVS, bedsVS2, profileBinding("http://hl7.org/fhir/ValueSet/beds|3.0.0")), 3),
			[]string{profile.CodeReference}, []string{"information profile.reference StructureDefinition.differential.element[1].binding.valueSet"}),
	)
})
