package fhirclient_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhirclient"
)

var _ = Describe("the version an answer gives", func() {
	DescribeTable("ETagVersion reads weak and strong ETags",
		func(etag, want string) { Expect(fhirclient.ETagVersion(etag)).To(Equal(want)) },
		Entry("weak", `W/"3"`, "3"),
		Entry("strong", `"12"`, "12"),
		Entry("padded", ` W/"a1" `, "a1"),
		Entry("none", "", ""),
	)

	It("prefers the body's meta.versionId and falls back on the ETag", func() {
		ex := &fhirclient.Exchange{Headers: map[string]string{"etag": `W/"4"`},
			Resource: map[string]any{"resourceType": "Patient", "meta": map[string]any{"versionId": "5"}}}
		Expect(ex.Version()).To(Equal("5"))
		ex.Resource = map[string]any{"resourceType": "Patient"}
		Expect(ex.Version()).To(Equal("4"))
		ex.Headers = nil
		Expect(ex.Version()).To(BeEmpty())
	})
})
