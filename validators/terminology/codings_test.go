package terminology_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/validators/terminology"
)

// A coding's path is built only when a finding needs it; it must name the
// coding's place in the array, entries that are not objects included.
var _ = Describe("the instance paths of codings", func() {
	decode := func(s string) map[string]any {
		m, err := fhir.Decode([]byte(s))
		Expect(err).NotTo(HaveOccurred())
		return m
	}

	It("names each coding of a CodeableConcept by its index in coding", func() {
		cc := decode(`{"coding":[{"system":"http://loinc.org","code":"1"},"not a coding",{"system":"http://snomed.info/sct","code":"2"}]}`)
		Expect(terminology.CodingPaths("CodeableConcept", "Observation.code", cc)).To(Equal([]string{
			"http://loinc.org|1 Observation.code.coding[0]",
			"http://snomed.info/sct|2 Observation.code.coding[2]",
		}))
	})

	It("names a Coding by its own path", func() {
		c := decode(`{"system":"http://loinc.org","code":"1"}`)
		Expect(terminology.CodingPaths("Coding", "Observation.category[1].coding[3]", c)).To(Equal([]string{
			"http://loinc.org|1 Observation.category[1].coding[3]",
		}))
	})
})
