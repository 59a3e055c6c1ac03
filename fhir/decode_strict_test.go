package fhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
)

var _ = Describe("Decode after the object", func() {
	It("allows JSON's whitespace only, as encoding/json does", func() {
		for _, doc := range []string{"{}\n", "{} \t\r\n "} {
			_, err := fhir.Decode([]byte(doc))
			Expect(err).NotTo(HaveOccurred(), "%q", doc)
		}
		// Unicode calls these space; JSON does not.
		for _, doc := range []string{"{}\f", "{}\v", "{}\u00a0", "{}\u2028", "{\"a\":1}\n\u0085"} {
			_, err := fhir.Decode([]byte(doc))
			Expect(err).To(MatchError(ContainSubstring("unexpected data after the end of the JSON object")), "%q", doc)
		}
	})
})
