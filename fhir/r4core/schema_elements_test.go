package r4core_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
)

// The definition bundles come from a third party's redistribution, which
// adds elements of its own to some of R4's types; the official JSON schema,
// embedded unchanged, says which elements R4 defines. gen keeps only those.
var _ = Describe("R4's own types in the embedded definitions", func() {
	var r4 r4core.SchemaElements
	BeforeEach(func() {
		raw, err := r4core.ReadFile(r4core.Schema)
		Expect(err).NotTo(HaveOccurred())
		r4, err = r4core.NewSchemaElements(raw)
		Expect(err).NotTo(HaveOccurred())
	})

	DescribeTable("reads an element path as the schema defines it",
		func(path string, defined bool) {
			Expect(r4.Defines(path)).To(Equal(defined))
		},
		Entry("a resource's element", "Patient.birthDate", true),
		Entry("a backbone element's element", "Bundle.entry.response.outcome", true),
		Entry("a choice by its [x] name", "Observation.value[x]", true),
		Entry("a choice by one of its typed names", "Observation.valueQuantity", true),
		Entry("a choice by its stem, as FHIRPath names it", "DiagnosticReport.effective", true),
		Entry("an element of an element a content reference repeats", "Questionnaire.item.item", true),
		Entry("a data type's element", "Meta.profile", true),
		Entry("an element R4 does not define on Meta", "Meta.project", false),
		Entry("an element R4 does not define on Binary", "Binary.url", false),
		Entry("an element of a backbone R4 does not define", "ResearchStudy.label.value", false),
		Entry("a choice R4 does not have", "Patient.foo[x]", false),
	)

	It("holds only elements R4 defines in its core types, and only R4's resource types", func() {
		var outside, types []string
		for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
			list, err := r4core.Resources(name)
			Expect(err).NotTo(HaveOccurred())
			for _, res := range list {
				if res.ResourceType != "StructureDefinition" || res.URL != "http://hl7.org/fhir/StructureDefinition/"+res.Type {
					continue
				}
				raw, err := res.Bytes()
				Expect(err).NotTo(HaveOccurred())
				var sd struct {
					Abstract bool `json:"abstract"`
					Snapshot struct {
						Element []struct {
							Path string `json:"path"`
						} `json:"element"`
					} `json:"snapshot"`
				}
				Expect(json.Unmarshal(raw, &sd)).To(Succeed())
				if sd.Abstract {
					continue
				}
				if !r4.Judges(res.Type) {
					if res.Kind == "resource" {
						types = append(types, res.Type)
					}
					continue
				}
				for _, el := range sd.Snapshot.Element {
					if !r4.Defines(el.Path) {
						outside = append(outside, el.Path)
					}
				}
			}
		}
		Expect(outside).To(BeEmpty())
		Expect(types).To(BeEmpty())
	})
})
