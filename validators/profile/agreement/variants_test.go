package agreement_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/validators/profile/agreement"
)

var _ = Describe("variants of a family-pair instance", func() {
	// variants writes an instance to a folder and derives its variants,
	// by kind, with the reasons of those not made.
	variants := func(file, content string) (map[agreement.VariantKind]agreement.Variant, map[agreement.VariantKind]string) {
		dir := GinkgoT().TempDir()
		Expect(os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644)).To(Succeed())
		made, unmade, err := agreement.MakeVariants(dir, agreement.FamilyInstance{Family: "f", File: file, Expect: "no error"})
		Expect(err).NotTo(HaveOccurred())
		byKind := map[agreement.VariantKind]agreement.Variant{}
		for _, v := range made {
			byKind[v.Kind] = v
		}
		why := map[agreement.VariantKind]string{}
		for _, u := range unmade {
			why[u.Kind] = u.Why
		}
		return byKind, why
	}
	decode := func(v agreement.Variant) map[string]any {
		var res map[string]any
		var err error
		if filepath.Ext(v.File) == ".xml" {
			res, err = fhirxml.Decode(v.Data)
		} else {
			res, err = fhir.Decode(v.Data)
		}
		Expect(err).NotTo(HaveOccurred(), string(v.Data))
		return res
	}
	const patientJSON = `{"resourceType": "Patient", "id": "p1", "gender": "female"}`
	const patientXML = `<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><gender value="female"/></Patient>`
	patient := map[string]any{"resourceType": "Patient", "id": "p1", "gender": "female"}

	DescribeTable("holds the same resource in every variant, JSON and XML alike",
		func(file, content string, other agreement.VariantKind) {
			made, why := variants(file, content)
			Expect(why).To(BeEmpty())
			Expect(made).To(HaveLen(5))
			Expect(decode(made[other])).To(Equal(patient), "the other format")
			Expect(filepath.Ext(made[agreement.OtherInBundle].File)).To(Equal(filepath.Ext(made[other].File)))

			for _, k := range []agreement.VariantKind{agreement.InBundle, agreement.OtherInBundle} {
				b := decode(made[k])
				Expect(b["type"]).To(Equal("collection"), string(k))
				entry := b["entry"].([]any)[0].(map[string]any)
				Expect(entry["fullUrl"]).To(Equal(agreement.VariantBase+"Patient/p1"), string(k))
				Expect(entry["resource"]).To(Equal(patient), string(k))
			}

			p := decode(made[agreement.InParameters])
			Expect(p["parameter"]).To(Equal([]any{map[string]any{"name": "resource", "resource": patient}}))

			c := decode(made[agreement.Contained])
			Expect(c["resourceType"]).To(Equal("Basic"))
			Expect(c["contained"]).To(Equal([]any{patient}))
			Expect(c["subject"]).To(Equal(map[string]any{"reference": "#p1"}))
		},
		Entry("JSON", "p.pass.json", patientJSON, agreement.AsXML),
		Entry("XML", "p.pass.xml", patientXML, agreement.AsJSON),
	)

	It("gives a resource without an id a urn:uuid fullUrl in a Bundle, and an id when contained", func() {
		for _, src := range []struct{ file, content string }{
			{"n.pass.json", `{"resourceType": "Patient", "gender": "female"}`},
			{"n.pass.xml", `<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>`},
		} {
			made, _ := variants(src.file, src.content)
			entry := decode(made[agreement.InBundle])["entry"].([]any)[0].(map[string]any)
			Expect(entry["fullUrl"]).To(HavePrefix("urn:uuid:"), src.file)
			Expect(entry["resource"]).NotTo(HaveKey("id"), src.file)
			c := decode(made[agreement.Contained])
			id := c["contained"].([]any)[0].(map[string]any)["id"]
			Expect(id).NotTo(BeEmpty(), src.file)
			Expect(c["subject"]).To(Equal(map[string]any{"reference": "#" + id.(string)}), src.file)
		}
	})

	DescribeTable("names why a variant that cannot carry the data is not made",
		func(file, content string, kind agreement.VariantKind, why string) {
			made, unmade := variants(file, content)
			Expect(made).NotTo(HaveKey(kind))
			Expect(unmade).To(HaveKeyWithValue(kind, ContainSubstring(why)))
		},
		Entry("a repeated JSON key, which decoding drops", "d.fail.json", `{"resourceType": "Patient", "gender": "male", "gender": "female"}`,
			agreement.AsXML, "gender is written twice"),
		Entry("the same, in a Bundle in the other format", "d.fail.json", `{"resourceType": "Patient", "gender": "male", "gender": "female"}`,
			agreement.OtherInBundle, "no xml form: line 1: gender is written twice"),
		Entry("XML elements out of order, which JSON cannot write", "o.fail.xml", `<Patient xmlns="http://hl7.org/fhir"><gender value="female"/><id value="p1"/></Patient>`,
			agreement.AsJSON, "out of order"),
		Entry("a JSON string where FHIR has a boolean", "b.fail.json", `{"resourceType": "Patient", "active": "true"}`,
			agreement.AsXML, "cannot hold it as given"),
		Entry("JSON that does not parse", "s.fail.json", `{"resourceType": "Patient",}`, agreement.InBundle, "does not parse"),
		Entry("a Bundle, contained", "b.pass.json", `{"resourceType": "Bundle", "type": "collection"}`, agreement.Contained, "a Bundle is not contained"),
		Entry("a resource with contained resources, contained", "c.pass.json",
			`{"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o"}], "managingOrganization": {"reference": "#o"}}`,
			agreement.Contained, "dom-2"),
	)
})
