package r4core_test

import (
	"encoding/json"
	"reflect"

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
		eachCoreDefinition(func(res r4core.Resource, raw []byte) {
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
				return
			}
			if !r4.Judges(res.Type) {
				if res.Kind == "resource" {
					types = append(types, res.Type)
				}
				return
			}
			for _, el := range sd.Snapshot.Element {
				if !r4.Defines(el.Path) {
					outside = append(outside, el.Path)
				}
			}
		})
		Expect(outside).To(BeEmpty())
		Expect(types).To(BeEmpty())
	})

	// A core type's differential states R4's own elements whole; the
	// redistribution changed some snapshots (a later version's backbone, a
	// wider list of targets) and left the differentials as R4 published
	// them, so a snapshot that disagrees with its differential is not R4's.
	It("gives each core type's own elements in the snapshot as its differential states them", func() {
		type element struct {
			ID   string `json:"id"`
			Min  *int   `json:"min"`
			Max  string `json:"max"`
			Type []struct {
				Code          string   `json:"code"`
				Profile       []string `json:"profile"`
				TargetProfile []string `json:"targetProfile"`
			} `json:"type"`
		}
		var differ []string
		checked := 0
		eachCoreDefinition(func(_ r4core.Resource, raw []byte) {
			var sd struct {
				Snapshot, Differential struct {
					Element []element `json:"element"`
				}
			}
			Expect(json.Unmarshal(raw, &sd)).To(Succeed())
			snapshot := map[string]element{}
			for _, el := range sd.Snapshot.Element {
				snapshot[el.ID] = el
			}
			for _, d := range sd.Differential.Element {
				s, ok := snapshot[d.ID]
				switch {
				case !ok:
					differ = append(differ, d.ID+" is not in the snapshot")
				case d.Min != nil && (s.Min == nil || *s.Min != *d.Min), d.Max != "" && s.Max != d.Max:
					differ = append(differ, d.ID+" has another cardinality in the snapshot")
				case d.Type != nil && !reflect.DeepEqual(d.Type, s.Type):
					differ = append(differ, d.ID+" has other types in the snapshot")
				}
				checked++
			}
		})
		Expect(differ).To(BeEmpty())
		Expect(checked).To(BeNumerically(">", 4000))
	})
})

// eachCoreDefinition calls visit with each core type's own
// StructureDefinition in the embedded definitions and its bytes.
func eachCoreDefinition(visit func(res r4core.Resource, raw []byte)) {
	for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
		list, err := r4core.Resources(name)
		Expect(err).NotTo(HaveOccurred())
		for _, res := range list {
			if res.ResourceType != "StructureDefinition" || res.URL != "http://hl7.org/fhir/StructureDefinition/"+res.Type {
				continue
			}
			raw, err := res.Bytes()
			Expect(err).NotTo(HaveOccurred())
			visit(res, raw)
		}
	}
}
