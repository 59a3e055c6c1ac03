package definitions_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/r4core"
)

// The registry decodes core StructureDefinitions from core.zip, which keeps
// only what a StructureDefinition reads; it must read exactly what the
// published definition gives.
var _ = Describe("the slim core StructureDefinitions", func() {
	coreBundles := []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs}

	It("are what go generate makes from fhir/r4core, and each reads as the published definition does", func() {
		made, err := definitions.SlimCore()
		Expect(err).NotTo(HaveOccurred())
		Expect(r4core.SameEntries(made, definitions.CoreArchive())).To(BeTrue(),
			"core.zip is stale: run go generate ./fhir/definitions after changing what a StructureDefinition reads")

		n, fullBytes, slimBytes := 0, 0, 0
		Expect(r4core.NewDerived(made).Each(coreBundles, func(res r4core.Resource, full, slim []byte) {
			if res.ResourceType != "StructureDefinition" {
				return
			}
			Expect(slim).NotTo(BeNil(), res.Source())
			want, err := definitions.DecodeStructureDefinition(full)
			Expect(err).NotTo(HaveOccurred())
			Expect(definitions.DecodeStructureDefinition(slim)).To(Equal(want), res.Source())
			n++
			fullBytes += len(full)
			slimBytes += len(slim)
		})).To(Succeed())
		Expect(n).To(BeNumerically(">", 600))
		Expect(slimBytes * 3).To(BeNumerically("<", fullBytes))
	})

	It("keep an element's fixed, pattern and bound values and its extensions as written", func() {
		raw := []byte(`{"resourceType":"StructureDefinition","url":"http://x/a","text":{"div":"<div>long</div>"},` +
			`"snapshot":{"element":[{"path":"Quantity.value","definition":"The value","minValueDecimal":1.50,"patternCode":"mg",` +
			`"extension":[{"url":"http://x/e","valueString":"a <b> & c"}],"mapping":[{"identity":"v2","map":"OBX"}]}]}}`)
		slim, err := definitions.Slim(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(slim)).To(Equal(`{"resourceType":"StructureDefinition","snapshot":{"element":[{"extension":[{"url":"http://x/e","valueString":"a <b> & c"}],` +
			`"minValueDecimal":1.50,"path":"Quantity.value","patternCode":"mg"}]},"url":"http://x/a"}`))
		want, err := definitions.DecodeStructureDefinition(raw)
		Expect(err).NotTo(HaveOccurred())
		Expect(definitions.DecodeStructureDefinition(slim)).To(Equal(want))
	})

	It("are what the registry gives for a core type", func() {
		r, err := definitions.New(definitions.Options{})
		Expect(err).NotTo(HaveOccurred())
		got, err := r.StructureDefinition("http://hl7.org/fhir/StructureDefinition/Observation")
		Expect(err).NotTo(HaveOccurred())
		list, err := r4core.Resources(r4core.ProfilesResources)
		Expect(err).NotTo(HaveOccurred())
		for _, res := range list {
			if res.URL == "http://hl7.org/fhir/StructureDefinition/Observation" {
				full, err := res.Bytes()
				Expect(err).NotTo(HaveOccurred())
				Expect(definitions.DecodeStructureDefinition(full)).To(Equal(got))
				return
			}
		}
		Fail("no Observation in the core")
	})
})
