package definitions_test

import (
	"encoding/json"
	"errors"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
)

// decodeSD turns a profile built in a spec into the registry's model.
func decodeSD(m map[string]any) *definitions.StructureDefinition {
	raw, err := json.Marshal(m)
	Expect(err).NotTo(HaveOccurred())
	var sd definitions.StructureDefinition
	Expect(json.Unmarshal(raw, &sd)).To(Succeed())
	return &sd
}

func slicing(rules string, paths ...string) map[string]any {
	var ds []any
	for _, p := range paths {
		ds = append(ds, map[string]any{"type": "value", "path": p})
	}
	return map[string]any{"discriminator": ds, "rules": rules}
}

var _ = Describe("checking a differential while generating the snapshot", func() {
	var r *definitions.Registry
	BeforeEach(func() {
		var err error
		r, err = definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
	})

	It("expands a profile that is not in the registry, leaving the registry as it was", func() {
		sd := decodeSD(profile("http://example.org/loose", "Patient",
			map[string]any{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}))
		problems, err := r.Expand(sd)
		Expect(err).NotTo(HaveOccurred())
		Expect(problems).To(BeEmpty())
		Expect(sd.Snapshot.Element[0].Path).To(Equal("Patient"))
		Expect(sd.Snapshot.Element).To(ContainElement(And(
			HaveField("ID", "Patient.birthDate"), WithTransform(definitions.ElementDefinition.MinOf, Equal(1)))))
		_, ok := r.Lookup("http://example.org/loose")
		Expect(ok).To(BeFalse())
	})

	It("says a base that cannot be used is the problem, not the differential", func() {
		orphan := profile("http://example.org/orphan", "Patient", map[string]any{"path": "Patient.name", "min": 1})
		orphan["baseDefinition"] = "http://example.org/nowhere"
		_, err := r.Expand(decodeSD(orphan))
		var be *definitions.BaseError
		Expect(errors.As(err, &be)).To(BeTrue())
		Expect(be.Base).To(Equal("http://example.org/nowhere"))
		Expect(err).To(MatchError(ContainSubstring("http://example.org/nowhere is not loaded")))
	})

	It("rejects a choice renamed for a type it does not allow, naming the allowed types", func() {
		problems, err := r.Expand(decodeSD(profile("http://example.org/bla", "Observation",
			map[string]any{"path": "Observation.valueBla", "min": 1})))
		Expect(err).NotTo(HaveOccurred())
		Expect(problems).To(HaveLen(1))
		p := problems[0]
		Expect(p.Fatal).To(BeTrue())
		Expect(p.Index).To(Equal(0))
		Expect(p.Field).To(Equal("path"))
		Expect(p.Reason).To(ContainSubstring("Bla is not one of the types Observation.value[x] allows (Quantity, CodeableConcept, string"))

		// In the registry, such a profile cannot be used.
		Expect(r.Add(profile("http://example.org/bla", "Observation", map[string]any{"path": "Observation.valueBla"}), "test")).To(Succeed())
		_, err = r.StructureDefinition("http://example.org/bla")
		var se *definitions.SnapshotError
		Expect(errors.As(err, &se)).To(BeTrue())
		Expect(se.Element).To(Equal("Observation.valueBla"))
	})

	It("places an element by its path when its id is stale", func() {
		sd := decodeSD(profile("http://example.org/stale", "MedicationStatement",
			map[string]any{"id": "MedicationStatement.effective[x]:data-absent-reason", "path": "MedicationStatement.effective[x].extension", "max": "1"}))
		problems, err := r.Expand(sd)
		Expect(err).NotTo(HaveOccurred())
		Expect(problems).To(BeEmpty())
		byID := map[string]definitions.ElementDefinition{}
		for _, e := range sd.Snapshot.Element {
			byID[e.ID] = e
		}
		Expect(byID).NotTo(HaveKey("MedicationStatement.effective[x]:data-absent-reason"), "no slice made up from the id")
		Expect(byID["MedicationStatement.effective[x].extension"].MaxOf()).To(Equal(1),
			"extension is common to every type of the choice, so it can be constrained before the choice is narrowed")
	})

	It("finds a renamed choice inside a data type it had to expand first", func() {
		Expect(r.Add(profile("http://example.org/birthplace", "Patient",
			map[string]any{"id": "Patient.extension:bp", "path": "Patient.extension", "sliceName": "bp",
				"type": []any{map[string]any{"code": "Extension", "profile": []any{"http://hl7.org/fhir/StructureDefinition/patient-birthPlace"}}}},
			map[string]any{"id": "Patient.extension:bp.valueAddress.city", "path": "Patient.extension.valueAddress.city", "min": 1},
		), "test")).To(Succeed())
		s := snapshotOf(r, "http://example.org/birthplace")
		Expect(s["Patient.extension:bp.value[x].city"].MinOf()).To(Equal(1))
		Expect(s["Patient.extension:bp.value[x]"].TypeCodes()).To(Equal([]string{"Address"}))
	})

	It("lets a slice repeat the slicing of the element it slices, but not change it", func() {
		same := profile("http://example.org/same", "Patient",
			map[string]any{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": slicing("open", "system")},
			map[string]any{"id": "Patient.identifier:a", "path": "Patient.identifier", "sliceName": "a", "slicing": slicing("open", "system")})
		problems, err := r.Expand(decodeSD(same))
		Expect(err).NotTo(HaveOccurred())
		Expect(problems).To(BeEmpty())

		changed := profile("http://example.org/changed", "Patient",
			map[string]any{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": slicing("open", "system")},
			map[string]any{"id": "Patient.identifier:a", "path": "Patient.identifier", "sliceName": "a", "slicing": slicing("closed", "value")})
		Expect(r.Add(changed, "test")).To(Succeed())
		sd, err := r.StructureDefinition("http://example.org/changed")
		Expect(err).NotTo(HaveOccurred(), "the snapshot is still usable")
		Expect(sd.Problems).To(HaveLen(1))
		Expect(sd.Problems[0].Fatal).To(BeFalse())
		Expect(sd.Problems[0].Index).To(Equal(1))
		Expect(sd.Problems[0].Field).To(Equal("slicing"))
		Expect(sd.Problems[0].Reason).To(ContainSubstring("Patient.identifier defines the slicing [value:system] (open, unordered), but its slice Patient.identifier:a redefines it as [value:value] (closed, unordered)"))
	})

	It("checks discriminator paths against the sliced element's type, following extension() and ofType()", func() {
		problems, err := r.Expand(decodeSD(profile("http://example.org/disc", "Patient",
			map[string]any{"id": "Patient.identifier", "path": "Patient.identifier", "slicing": slicing("open", "system", "type.coding.code", "extension('http://hl7.org/fhir/StructureDefinition/rendered-value').value")},
			map[string]any{"id": "Patient.telecom", "path": "Patient.telecom", "slicing": slicing("open", "sytem")},
			map[string]any{"id": "Patient.deceased[x]", "path": "Patient.deceased[x]", "slicing": map[string]any{"discriminator": []any{map[string]any{"type": "type", "path": "$this.ofType(string)"}}, "rules": "open"}},
			map[string]any{"id": "Patient.generalPractitioner", "path": "Patient.generalPractitioner", "slicing": slicing("open", "resolve().name")},
		)))
		Expect(err).NotTo(HaveOccurred())
		Expect(problems).To(HaveLen(2))
		Expect(problems[0].Index).To(Equal(1))
		Expect(problems[0].Field).To(Equal("slicing.discriminator[0]"))
		Expect(problems[0].Reason).To(Equal(`the discriminator path "sytem" does not resolve on the sliced element Patient.telecom: type ContactPoint has no element "sytem"`))
		Expect(problems[1].Index).To(Equal(2))
		Expect(problems[1].Reason).To(ContainSubstring("ofType(string): Patient.deceased[x] has no type string (its types are boolean, dateTime)"))
	})
})
