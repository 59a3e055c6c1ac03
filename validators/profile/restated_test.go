package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
)

var _ = Describe("R4 constraints evaluated in their restated form", func() {
	e := newEngine()

	// opd-3 where a parameter names a target profile: an OperationDefinition
	// read from JSON, from XML and as a Bundle entry.
	DescribeTable("opd-3: a target profile for a parameter typed as a reference, a canonical or a resource",
		func(paramType string, fails bool) {
			op := map[string]any{"resourceType": "OperationDefinition", "id": "o1",
				"url": "http://example.org/fhir/OperationDefinition/o1", "name": "Op", "status": "draft",
				"kind": "operation", "code": "op", "system": false, "type": false, "instance": true,
				"resource": []any{"Patient"},
				"parameter": []any{map[string]any{"name": "return", "use": "out", "min": 1, "max": "1",
					"type": paramType, "targetProfile": []any{"http://hl7.org/fhir/StructureDefinition/Bundle"}}}}
			bundle := map[string]any{"resourceType": "Bundle", "type": "collection",
				"entry": []any{map[string]any{"fullUrl": "http://example.org/fhir/OperationDefinition/o1", "resource": op}}}
			xml, err := fhirxml.Encode(op)
			Expect(err).NotTo(HaveOccurred())
			for _, p := range []struct {
				name string
				doc  []byte
			}{{"op.json", line(op)}, {"op.xml", xml}, {"bundle.json", line(bundle)}} {
				opd3 := failedAt(e, p.name, p.doc, "opd-3")
				if fails {
					Expect(opd3).To(ConsistOf(HaveSuffix("OperationDefinition.parameter[0]")), p.name)
				} else {
					Expect(opd3).To(BeEmpty(), p.name)
				}
			}
		},
		Entry("a Reference", "Reference", false),
		Entry("a canonical", "canonical", false),
		Entry("a Bundle (a resource type)", "Bundle", false),
		Entry("a Patient (a resource type)", "Patient", false),
		Entry("a string", "string", true),
		Entry("a CodeableConcept", "CodeableConcept", true),
	)
})
