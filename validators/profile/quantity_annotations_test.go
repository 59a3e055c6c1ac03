package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("UCUM annotations in a Quantity's code (best practice)", func() {
	judged := optionsEngine(profile.Options{BestPractice: profile.BestPracticeWarning})
	quiet := optionsEngine(profile.Options{})
	obs := func(quantity string) string {
		return `{"resourceType":"Observation","status":"final","code":{"text":"dose"},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2024-05-01","performer":[{"reference":"Practitioner/1"}],"valueQuantity":` + quantity + `}`
	}
	practice := func(fs []model.Finding) []model.Finding { return ofCode(fs, profile.CodeBestPractice) }
	const at = "Observation.valueQuantity.code"

	DescribeTable("at the best-practice option's severity",
		func(quantity, says string) {
			fs := practice(everyFinding(judged, obs(quantity)))
			if says == "" {
				Expect(fs).To(BeEmpty())
			} else {
				Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeBestPractice, at, says)))
			}
			Expect(practice(everyFinding(quiet, obs(quantity)))).To(BeEmpty(), "off by default")
		},
		Entry("a unit without annotation", `{"value":2,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}`, ""),
		Entry("an annotation the unit repeats", `{"value":2,"unit":"tablets","system":"http://unitsofmeasure.org","code":"{Tablets}"}`, "holds the annotation {Tablets}"),
		Entry("an annotation the unit does not repeat", `{"value":2,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg{total}"}`, `Quantity.unit "mg" should say`),
		Entry("an annotation and no unit", `{"value":80,"system":"http://unitsofmeasure.org","code":"{beats}/min"}`, "give the annotation's meaning in Quantity.unit"),
		Entry("braces in another system's code", `{"value":2,"unit":"x","system":"http://example.net/units","code":"{x}"}`, ""),
	)

	It("judges the Quantity kinds too (an Encounter's length is a Duration), on the stream path as well", func() {
		src := `{"resourceType":"Encounter","id":"e","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"length":{"value":3,"unit":"d","system":"http://unitsofmeasure.org","code":"d{stay}"}}`
		Expect(practice(everyFinding(judged, src))).To(ConsistOf(saying(model.Warning, profile.CodeBestPractice, "Encounter.length.code", "{stay}")))
		rec := record(src)
		rec.Raw, rec.Format = []byte(src), model.FormatJSON
		clean, _ := profile.NewStreamer(judged).Check(rec, nil)
		Expect(clean).To(BeFalse())
	})

	It("gives the same verdict in XML", func() {
		xml := `<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="dose"/></code><subject><reference value="Patient/1"/></subject><effectiveDateTime value="2024-05-01"/><performer><reference value="Practitioner/1"/></performer><valueQuantity><value value="2"/><unit value="mg"/><system value="http://unitsofmeasure.org"/><code value="mg{total}"/></valueQuantity></Observation>`
		Expect(practice(everyFinding(judged, fromXML(xml)))).To(ConsistOf(saying(model.Warning, profile.CodeBestPractice, at, "should say")))
	})
})
