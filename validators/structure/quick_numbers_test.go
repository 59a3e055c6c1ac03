package structure_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/validators/structure"
)

// Validate skips the walk that bounds numbers for a record the quick walk
// passes, so the quick walk must refuse a number that walk would replace,
// wherever the number is: where the schema checks it, under a property the
// schema does not name, in a contained resource.
var _ = Describe("the quick schema walk and numbers that cannot be exchanged", func() {
	var schema *structure.Schema
	BeforeEach(func() {
		if schema == nil {
			var err error
			schema, err = structure.LoadSchema()
			Expect(err).NotTo(HaveOccurred())
		}
	})

	DescribeTable("passes a record only when it has no such number",
		func(record string, fine bool) {
			res, err := fhir.Decode([]byte(record))
			Expect(err).NotTo(HaveOccurred())
			Expect(structure.QuickValid(schema, res)).To(Equal(fine))
			if fine {
				Expect(structure.BoundNumbers(res)).To(Equal(res))
			}
		},
		Entry("a quantity in range", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":12.5}}`, true),
		Entry("a quantity beyond float64", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}`, false),
		Entry("a tiny number, which reads as 0", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.0e-400}}`, true),
		Entry("an exponent beyond the limit", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.0e-99999}}`, false),
		Entry("a decimal too long to exchange", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueDecimal":`+longNumber()+`}`, false),
		Entry("in a contained resource", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"contained":[{"resourceType":"Basic","code":{"text":"y"},"extension":[{"url":"http://x.org/e","valueDecimal":1e999}]}]}`, false),
	)
})

func longNumber() string {
	b := make([]byte, 0, 1100)
	b = append(b, '1')
	for len(b) < 1100 {
		b = append(b, '0')
	}
	return string(b)
}
