package fhir_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
)

// WholeBundle copies a Bundle record read apart; what checks' walks kept on
// the record (model.Record.Keep) stays the record's, whatever the copy's
// walks keep under the same name.
var _ = Describe("a Bundle read again whole", func() {
	It("keeps apart what is kept on the copy and on the record", func() {
		recs := readApart("b.json", []byte(`{"resourceType":"Bundle","type":"collection","entry":[`+
			`{"fullUrl":"urn:uuid:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9","resource":{"resourceType":"Patient","id":"p1"}}]}`))
		bundle := recs[0]
		bundle.Load()
		Expect(fhir.EntriesApart(bundle)).To(BeTrue())
		type walk struct{ name string }
		coded, proof := walk{"coded values"}, walk{"proof"}
		bundle.Keep(coded, "the record's")
		bundle.Keep(proof, "the record's proof")

		whole, err := fhir.WholeBundle(bundle)
		Expect(err).NotTo(HaveOccurred())
		Expect(whole).NotTo(BeIdenticalTo(bundle))
		_, kept := whole.Kept(coded)
		Expect(kept).To(BeFalse(), "the copy starts with nothing kept")
		whole.Keep(coded, "the copy's")

		v, ok := bundle.Kept(coded)
		Expect(ok).To(BeTrue())
		Expect(v).To(Equal("the record's"))
		v, _ = bundle.Kept(proof)
		Expect(v).To(Equal("the record's proof"))
		v, _ = whole.Kept(coded)
		Expect(v).To(Equal("the copy's"))
	})
})
