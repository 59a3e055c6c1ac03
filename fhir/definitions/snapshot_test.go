package definitions_test

import (
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
)

// profile builds a differential-only StructureDefinition on a core type.
func profile(url, typ string, elements ...map[string]any) map[string]any {
	list := make([]any, len(elements))
	for i, e := range elements {
		list[i] = e
	}
	return map[string]any{
		"resourceType": "StructureDefinition", "url": url, "type": typ, "kind": "resource",
		"baseDefinition": "http://hl7.org/fhir/StructureDefinition/" + typ, "derivation": "constraint",
		"differential": map[string]any{"element": list},
	}
}

func snapshotOf(r *definitions.Registry, url string) map[string]definitions.ElementDefinition {
	sd, err := r.StructureDefinition(url)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]definitions.ElementDefinition{}
	for _, e := range sd.Snapshot.Element {
		Expect(out).NotTo(HaveKey(e.ID), "element ids are unique")
		out[e.ID] = e
	}
	return out
}

var _ = Describe("snapshot generation", func() {
	var r *definitions.Registry
	BeforeEach(func() {
		var err error
		r, err = definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
	})

	It("adds slices with the children of their data type, and constrains them", func() {
		Expect(r.Add(profile("http://example.org/nhs", "Patient",
			map[string]any{"id": "Patient.identifier", "path": "Patient.identifier",
				"slicing": map[string]any{"discriminator": []any{map[string]any{"type": "value", "path": "system"}}, "rules": "open"}},
			map[string]any{"id": "Patient.identifier:nhsNumber", "path": "Patient.identifier", "sliceName": "nhsNumber", "max": "1"},
			map[string]any{"id": "Patient.identifier:nhsNumber.system", "path": "Patient.identifier.system", "min": 1, "fixedUri": "https://fhir.nhs.uk/Id/nhs-number"},
		), "test")).To(Succeed())
		s := snapshotOf(r, "http://example.org/nhs")
		slice := s["Patient.identifier:nhsNumber"]
		Expect(slice.SliceName).To(Equal("nhsNumber"))
		Expect(slice.MinOf()).To(Equal(0), "a new slice is optional unless the differential says so")
		Expect(slice.MaxOf()).To(Equal(1))
		Expect(s["Patient.identifier:nhsNumber.system"].Fixed).To(Equal("https://fhir.nhs.uk/Id/nhs-number"))
		Expect(s["Patient.identifier:nhsNumber.system"].MinOf()).To(Equal(1))
		Expect(s).To(HaveKey("Patient.identifier:nhsNumber.value"), "Identifier's other children come from its definition")
		Expect(s["Patient.identifier:nhsNumber.value"].Path).To(Equal("Patient.identifier.value"))
		Expect(s["Patient.identifier"].Slicing.Rules).To(Equal("open"))
		Expect(s).NotTo(HaveKey("Patient.identifier.system"), "the unsliced element is not expanded needlessly")
	})

	It("restricts a renamed choice element to its type", func() {
		Expect(r.Add(profile("http://example.org/qty", "Observation",
			map[string]any{"path": "Observation.valueQuantity", "min": 1},
			map[string]any{"path": "Observation.valueQuantity.system", "fixedUri": "http://unitsofmeasure.org"},
		), "test")).To(Succeed())
		s := snapshotOf(r, "http://example.org/qty")
		Expect(s["Observation.value[x]"].TypeCodes()).To(Equal([]string{"Quantity"}))
		Expect(s["Observation.value[x]"].MinOf()).To(Equal(1))
		Expect(s["Observation.value[x].system"].Fixed).To(Equal("http://unitsofmeasure.org"))
	})

	It("builds on a base profile that itself has only a differential", func() {
		Expect(r.Add(profile("http://example.org/base", "Patient",
			map[string]any{"id": "Patient.name", "path": "Patient.name", "min": 1}), "test")).To(Succeed())
		derived := profile("http://example.org/derived", "Patient",
			map[string]any{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1})
		derived["baseDefinition"] = "http://example.org/base"
		Expect(r.Add(derived, "test")).To(Succeed())
		s := snapshotOf(r, "http://example.org/derived")
		Expect(s["Patient.name"].MinOf()).To(Equal(1))
		Expect(s["Patient.birthDate"].MinOf()).To(Equal(1))
	})

	It("says which element cannot be expanded and why", func() {
		Expect(r.Add(profile("http://example.org/bad", "Patient",
			map[string]any{"id": "Patient.colour", "path": "Patient.colour", "min": 1}), "test")).To(Succeed())
		_, err := r.StructureDefinition("http://example.org/bad")
		var se *definitions.SnapshotError
		Expect(errors.As(err, &se)).To(BeTrue())
		Expect(se.Element).To(Equal("Patient.colour"))
		Expect(se.Error()).To(ContainSubstring("no child element \"colour\""))

		Expect(r.Add(profile("http://example.org/choice", "Observation",
			map[string]any{"id": "Observation.value[x].unit", "path": "Observation.value[x].unit"}), "test")).To(Succeed())
		_, err = r.StructureDefinition("http://example.org/choice")
		Expect(err).To(MatchError(ContainSubstring("several types")))

		orphan := profile("http://example.org/orphan", "Patient")
		orphan["baseDefinition"] = "http://example.org/missing-base"
		Expect(r.Add(orphan, "test")).To(Succeed())
		_, err = r.StructureDefinition("http://example.org/orphan")
		Expect(err).To(MatchError(ContainSubstring("http://example.org/missing-base is not loaded")))
	})

	It("reports a cycle of base definitions instead of hanging", func() {
		a := profile("http://example.org/a", "Patient", map[string]any{"path": "Patient.name", "min": 1})
		a["baseDefinition"] = "http://example.org/b"
		b := profile("http://example.org/b", "Patient", map[string]any{"path": "Patient.name", "min": 1})
		b["baseDefinition"] = "http://example.org/a"
		Expect(r.Add(a, "test")).To(Succeed())
		Expect(r.Add(b, "test")).To(Succeed())
		_, err := r.StructureDefinition("http://example.org/a")
		Expect(err).To(MatchError(ContainSubstring("circular")))
	})
})
