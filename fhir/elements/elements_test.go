package elements_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhir/r4core"
)

var _ = Describe("the R4 element index", func() {
	var ix *elements.Index
	BeforeEach(func() {
		var err error
		ix, err = elements.R4()
		Expect(err).NotTo(HaveOccurred())
	})

	It("resolves paths through datatypes", func() {
		el := ix.Element("Patient.name.given")
		Expect(el).NotTo(BeNil())
		Expect(el.Path).To(Equal("HumanName.given"))
		Expect(el.Min).To(Equal(0))
		Expect(el.Max).To(Equal(-1))
		Expect(el.IsArray()).To(BeTrue())
		Expect(el.TypeCode()).To(Equal("string"))

		Expect(ix.Element("Observation.code.coding.system").TypeCode()).To(Equal("uri"))
		Expect(ix.Element("Patient.name").TypeCode()).To(Equal("HumanName"))
		Expect(ix.Element("Patient.birthDate").IsArray()).To(BeFalse())
	})

	It("describes choice elements by any of their names", func() {
		for _, p := range []string{"Observation.value[x]", "Observation.value", "Observation.valueQuantity"} {
			el := ix.Element(p)
			Expect(el).NotTo(BeNil(), p)
			Expect(el.Choice).To(BeTrue())
			Expect(el.Path).To(Equal("Observation.value[x]"))
		}
		codes := []string{}
		for _, t := range ix.Element("Observation.value").Types {
			codes = append(codes, t.Code)
		}
		Expect(codes).To(ContainElements("Quantity", "CodeableConcept", "string", "dateTime", "Period"))
		Expect(ix.Element("Observation.valueFoo")).To(BeNil())
		Expect(ix.Element("Observation.valueQuantity.value").TypeCode()).To(Equal("decimal"))
	})

	It("gives bindings, reference targets and constraints", func() {
		b := ix.Element("Patient.gender").Binding
		Expect(b).NotTo(BeNil())
		Expect(b.Strength).To(Equal("required"))
		Expect(b.ValueSet).To(HavePrefix("http://hl7.org/fhir/ValueSet/administrative-gender"))

		ref := ix.Element("Observation.subject")
		Expect(ref.Types[0].Code).To(Equal("Reference"))
		Expect(ref.Types[0].TargetProfiles).To(ContainElement("http://hl7.org/fhir/StructureDefinition/Patient"))

		keys := []string{}
		for _, c := range ix.Element("Observation").Constraints {
			keys = append(keys, c.Key)
		}
		Expect(keys).To(ContainElements("obs-6", "obs-7", "dom-2", "dom-3"))
	})

	It("follows backbone elements and content references", func() {
		Expect(ix.Element("Patient.contact.name").Path).To(Equal("Patient.contact.name"))
		Expect(ix.Element("Patient.contact.name.family").Path).To(Equal("HumanName.family"))
		Expect(ix.Element("Questionnaire.item.item.linkId").Path).To(Equal("Questionnaire.item.linkId"))
		Expect(ix.Element("Questionnaire.item.item").ContentReference).To(Equal("Questionnaire.item"))
	})

	It("types the id and value of primitives as FHIR types", func() {
		Expect(ix.Element("Patient.id").TypeCode()).To(Equal("string"))
		Expect(ix.Element("Patient.active").TypeCode()).To(Equal("boolean"))
		Expect(elements.JSONKind("positiveInt")).To(Equal("number"))
		Expect(elements.JSONKind("boolean")).To(Equal("boolean"))
		Expect(elements.JSONKind("date")).To(Equal("string"))
	})

	It("implements the FHIRPath model", func() {
		typ, path, choice, ok := ix.Child("Patient", "contact")
		Expect([]any{typ, path, choice, ok}).To(Equal([]any{"BackboneElement", "Patient.contact", false, true}))
		typ, path, _, ok = ix.Child("Patient.contact", "name")
		Expect([]any{typ, path, ok}).To(Equal([]any{"HumanName", "HumanName", true}))
		_, _, choice, ok = ix.Child("Observation", "value")
		Expect(choice && ok).To(BeTrue())
		typ, _, _, ok = ix.Child("Element", "extension")
		Expect([]any{typ, ok}).To(Equal([]any{"Extension", true}))
		_, _, _, ok = ix.Child("Patient", "nonsense")
		Expect(ok).To(BeFalse())
	})

	It("knows kinds of definitions", func() {
		Expect(ix.IsResource("Patient")).To(BeTrue())
		Expect(ix.IsResource("HumanName")).To(BeFalse())
		Expect(ix.IsPrimitive("date")).To(BeTrue())
		Expect(ix.Definition("Patient").Base).To(Equal("DomainResource"))
		Expect(len(ix.Names())).To(BeNumerically(">", 190))
	})
})

var _ = Describe("the embedded compact index", func() {
	It("is up to date with the definitions in fhir/r4core (run go generate ./fhir/elements otherwise)", func() {
		var bundles [][]byte
		for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources} {
			data, err := r4core.ReadFile(name)
			Expect(err).NotTo(HaveOccurred())
			bundles = append(bundles, data)
		}
		defs, err := elements.FromBundles(bundles...)
		Expect(err).NotTo(HaveOccurred())
		ix := elements.MustR4()
		Expect(defs).To(HaveLen(len(ix.Names())))
		for _, d := range defs {
			got := ix.Definition(d.Name)
			Expect(got).NotTo(BeNil(), d.Name)
			Expect(got.Elements).To(HaveLen(len(d.Elements)), d.Name)
			for i, el := range d.Elements {
				Expect(got.Elements[i].Path).To(Equal(el.Path))
				Expect(got.Elements[i].Types).To(Equal(el.Types), el.Path)
				Expect(got.Elements[i].Max).To(Equal(el.Max), el.Path)
				Expect(got.Elements[i].Constraints).To(Equal(el.Constraints), el.Path)
			}
		}
	})

	It("refuses a bundle that is not JSON", func() {
		_, err := elements.FromBundles([]byte(`{"entry": [`))
		Expect(err).To(MatchError(ContainSubstring("bundle 1")))
	})
})

var _ = Describe("Load", func() {
	It("builds an index of its own, equal to the shared one", func() {
		own, err := elements.Load()
		Expect(err).NotTo(HaveOccurred())
		Expect(own).NotTo(BeIdenticalTo(elements.MustR4()))
		Expect(own.Names()).To(ConsistOf(elements.MustR4().Names()))
		Expect(own.Element("Patient.name.given").Path).To(Equal("HumanName.given"))
	})
})

// A walk for held resources descends only where the definitions can hold
// one: the four R4 elements typed as a resource, and what leads to them.
var _ = Describe("HoldsResources", func() {
	ix := elements.MustR4()

	It("knows the elements R4 types as a resource, and only those", func() {
		typed := map[string]bool{}
		for _, name := range ix.Names() {
			for _, el := range ix.Definition(name).Elements {
				if t := el.TypeCode(); t == "Resource" || ix.IsResource(t) {
					// every domain resource's snapshot repeats contained
					if strings.HasSuffix(el.Path, ".contained") {
						Expect(ix.HoldsResources(name)).To(BeTrue(), name)
						typed["*.contained"] = true
						continue
					}
					typed[el.Path] = true
				}
			}
		}
		Expect(typed).To(Equal(map[string]bool{"*.contained": true, "Bundle.entry.resource": true,
			"Bundle.entry.response.outcome": true, "Parameters.parameter.resource": true}))
	})

	DescribeTable("says whether a definition path can hold a resource",
		func(path string, want bool) { Expect(ix.HoldsResources(path)).To(Equal(want)) },
		Entry("a domain resource, by its base's contained", "Observation", true),
		Entry("DomainResource itself", "DomainResource", true),
		Entry("a Bundle", "Bundle", true),
		Entry("a Bundle's entry", "Bundle.entry", true),
		Entry("a Bundle entry's response (its outcome)", "Bundle.entry.response", true),
		Entry("a parameter (its resource)", "Parameters.parameter", true),
		Entry("Parameters", "Parameters", true),
		Entry("a Bundle entry's request", "Bundle.entry.request", false),
		Entry("a Bundle's link", "Bundle.link", false),
		Entry("Binary, a resource that is not a domain resource", "Binary", false),
		Entry("an Observation's component", "Observation.component", false),
		Entry("a datatype", "HumanName", false),
		Entry("an Extension, whose value[x] reaches every datatype", "Extension", false),
		Entry("a Reference", "Reference", false),
		Entry("a Questionnaire's item, through its content reference", "Questionnaire.item", false),
		Entry("an unknown path", "Nothing.at.all", false),
	)
})
