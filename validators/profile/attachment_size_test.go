package profile_test

import (
	"encoding/base64"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("data against the maxSize a profile sets", func() {
	const ns = "http://example.org/StructureDefinition/"
	maxSize := func(value string) string {
		return `"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/maxSize", ` + value + `}]`
	}
	e := newEngine(
		diffProfile(ns+"small-photo", "Patient", `{"id": "Patient.photo", "path": "Patient.photo", `+maxSize(`"valueDecimal": 10`)+`}`),
		diffProfile(ns+"small-binary", "Binary", `{"id": "Binary.data", "path": "Binary.data", `+maxSize(`"valueInteger": 4`)+`}`),
	)
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", n))) }
	attachments := func(fs []model.Finding) []model.Finding { return ofCode(fs, profile.CodeAttachment) }

	DescribeTable("an Attachment's data",
		func(photo string, want []string) {
			src := `{"resourceType": "Patient", "photo": [` + photo + `]}`
			fs := attachments(e.ValidateRecord(record(src), ns+"small-photo", nil))
			var got []string
			for _, f := range fs {
				got = append(got, f.Severity.String()+" "+f.Path)
			}
			Expect(got).To(ConsistOf(want))
		},
		Entry("within the limit", `{"contentType": "image/png", "data": "`+b64(10)+`"}`, nil),
		Entry("beyond the limit (the size of the data, not of its base64)", `{"contentType": "image/png", "data": "`+b64(11)+`"}`, []string{"error Patient.photo[0].data"}),
		Entry("given by url: not fetched, said so", `{"contentType": "image/png", "url": "http://example.net/p.png"}`, []string{"information Patient.photo[0]"}),
	)

	It("names the limit and the size", func() {
		src := `{"resourceType": "Patient", "photo": [{"contentType": "image/png", "data": "` + b64(16) + `"}]}`
		Expect(e.ValidateRecord(record(src), ns+"small-photo", nil)).To(ContainElement(saying(model.Error, profile.CodeAttachment, "Patient.photo[0].data", "16 bytes, more than the 10")))
	})

	It("applies only under the profile that sets it", func() {
		src := `{"resourceType": "Patient", "photo": [{"contentType": "image/png", "data": "` + b64(16) + `"}]}`
		Expect(attachments(validate(e, src))).To(BeEmpty())
	})

	It("holds a base64Binary to it too", func() {
		bin := func(n int) string {
			return `{"resourceType": "Binary", "contentType": "text/plain", "data": "` + b64(n) + `"}`
		}
		Expect(attachments(e.ValidateRecord(record(bin(4)), ns+"small-binary", nil))).To(BeEmpty())
		Expect(attachments(e.ValidateRecord(record(bin(5)), ns+"small-binary", nil))).To(ConsistOf(saying(model.Error, profile.CodeAttachment, "Binary.data", "5 bytes, more than the 4")))
	})

	It("gives the same verdict in XML", func() {
		xml := `<Patient xmlns="http://hl7.org/fhir"><photo><contentType value="image/png"/><data value="` + b64(11) + `"/></photo></Patient>`
		Expect(attachments(e.ValidateRecord(record(fromXML(xml)), ns+"small-photo", nil))).To(ConsistOf(at(model.Error, profile.CodeAttachment, "Patient.photo[0].data")))
	})
})
