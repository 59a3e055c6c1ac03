package profile_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// derived is a profile on base (a canonical URL, of type typ) with the
// differential elements given.
func derived(url, base, typ string, elements ...string) string {
	list := `{"id": "` + typ + `", "path": "` + typ + `"}`
	for _, e := range elements {
		list += ", " + e
	}
	return `{"resourceType": "StructureDefinition", "id": "d", "url": "` + url + `", "name": "D", "status": "draft", "kind": "resource",
		"abstract": false, "type": "` + typ + `", "baseDefinition": "` + base + `", "derivation": "constraint",
		"differential": {"element": [` + list + `]}}`
}

var _ = Describe("StructureDefinition authoring against the base and the profiles it names", func() {
	// The base fixes Observation.status to final and gives the category a
	// pattern; the Extension is a modifier extension.
	base := diffProfile("http://example.org/fhir/StructureDefinition/base-obs", "Observation",
		`{"id": "Observation.status", "path": "Observation.status", "fixedCode": "final"}`,
		`{"id": "Observation.category", "path": "Observation.category", "patternCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}}`)
	var modifierExt map[string]any
	Expect(json.Unmarshal([]byte(`{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/no-consent", "name": "NoConsent",
		"status": "draft", "kind": "complex-type", "abstract": false, "type": "Extension", "context": [{"type": "element", "expression": "Observation"}],
		"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension", "derivation": "constraint",
		"differential": {"element": [{"id": "Extension", "path": "Extension", "isModifier": true, "isModifierReason": "negates"},
		  {"id": "Extension.url", "path": "Extension.url", "fixedUri": "http://example.org/fhir/StructureDefinition/no-consent"},
		  {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "boolean"}]}]}}`), &modifierExt)).To(Succeed())
	e := newEngine(base, modifierExt)
	const baseURL = "http://example.org/fhir/StructureDefinition/base-obs"
	profileFindings := func(src string) []model.Finding {
		var out []model.Finding
		for _, f := range validate(e, src) {
			switch f.Code {
			case profile.CodeFixed, profile.CodePattern, profile.CodeProfile:
				out = append(out, f)
			}
		}
		return out
	}

	It("rejects a derived fixed value that changes the base's, and accepts one that repeats it", func() {
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/d1", baseURL, "Observation",
			`{"id": "Observation.status", "path": "Observation.status", "fixedCode": "amended"}`))).To(ConsistOf(
			at(model.Error, profile.CodeFixed, "StructureDefinition.differential.element[1].fixedCode")))
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/d2", baseURL, "Observation",
			`{"id": "Observation.status", "path": "Observation.status", "fixedCode": "final"}`))).To(BeEmpty())
	})

	It("rejects a derived value that does not meet the base's pattern, and accepts a narrower one", func() {
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/d3", baseURL, "Observation",
			`{"id": "Observation.category", "path": "Observation.category", "patternCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}}`))).To(ConsistOf(
			at(model.Error, profile.CodePattern, "StructureDefinition.differential.element[1].patternCodeableConcept")))
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/d4", baseURL, "Observation",
			`{"id": "Observation.category", "path": "Observation.category", "patternCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}], "text": "Vital"}}`))).To(BeEmpty())
	})

	It("rejects a type profile of another type, a modifier extension outside modifierExtension, and targets on a type without them", func() {
		fs := profileFindings(derived("http://example.org/fhir/StructureDefinition/d5", "http://hl7.org/fhir/StructureDefinition/Observation", "Observation",
			`{"id": "Observation.subject", "path": "Observation.subject", "type": [{"code": "Reference", "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Patient"]}]}`,
			`{"id": "Observation.valueQuantity", "path": "Observation.valueQuantity", "type": [{"code": "Quantity", "profile": ["http://hl7.org/fhir/StructureDefinition/SimpleQuantity"], "targetProfile": ["http://hl7.org/fhir/StructureDefinition/Patient"]}]}`,
			`{"id": "Observation.code", "path": "Observation.code", "type": [{"code": "CodeableConcept", "profile": ["http://hl7.org/fhir/StructureDefinition/SimpleQuantity"]}]}`,
			`{"id": "Observation.extension:nc", "path": "Observation.extension", "sliceName": "nc", "type": [{"code": "Extension", "profile": ["http://example.org/fhir/StructureDefinition/no-consent"]}]}`))
		Expect(fs).To(ContainElements(
			at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[2].type[0].targetProfile[0]"),
			at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[3].type[0].profile[0]"),
			at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[4].type[0].profile[0]"),
		))
		Expect(fs).NotTo(ContainElement(at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[1].type[0].targetProfile[0]")))
		Expect(fs).NotTo(ContainElement(at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[2].type[0].profile[0]")))
	})

	// R4 makes Age, Count, Distance and Duration specialisations of Quantity:
	// a profile of one is no profile of Quantity. Abstract types are another
	// matter: a Resource element takes a profile of any resource.
	It("takes a type profile through abstract types only, so Age and Count do not fit a Quantity element", func() {
		quantity := func(url, profileURL string) []model.Finding {
			return profileFindings(derived(url, "http://hl7.org/fhir/StructureDefinition/Observation", "Observation",
				`{"id": "Observation.valueQuantity", "path": "Observation.valueQuantity", "type": [{"code": "Quantity", "profile": ["`+profileURL+`"]}]}`))
		}
		for _, p := range []string{"Count", "Age", "Duration", "Distance"} {
			Expect(quantity("http://example.org/fhir/StructureDefinition/q-"+p, "http://hl7.org/fhir/StructureDefinition/"+p)).To(ConsistOf(
				at(model.Error, profile.CodeProfile, "StructureDefinition.differential.element[1].type[0].profile[0]")), p)
		}
		Expect(quantity("http://example.org/fhir/StructureDefinition/q-simple", "http://hl7.org/fhir/StructureDefinition/SimpleQuantity")).To(BeEmpty())
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/onset-age", "http://hl7.org/fhir/StructureDefinition/Condition", "Condition",
			`{"id": "Condition.onset[x]:onsetAge", "path": "Condition.onset[x]", "sliceName": "onsetAge", "type": [{"code": "Age", "profile": ["http://hl7.org/fhir/StructureDefinition/Age"]}]}`))).To(BeEmpty())
		Expect(profileFindings(derived("http://example.org/fhir/StructureDefinition/patient-bundle", "http://hl7.org/fhir/StructureDefinition/Bundle", "Bundle",
			`{"id": "Bundle.entry.resource", "path": "Bundle.entry.resource", "type": [{"code": "Resource", "profile": ["http://hl7.org/fhir/StructureDefinition/Patient", "`+baseURL+`"]}]}`))).To(BeEmpty())
	})
})
