package profile_test

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// resourceTypes are the R4 resource types.
func resourceTypes() []string {
	ix, err := elements.R4()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, typ := range ix.Names() {
		if ix.IsResource(typ) {
			out = append(out, typ)
		}
	}
	return out
}

var _ = Describe("the stream path's guard on the map walk's type rules", func() {
	It("leaves every type with rules of its own to the map walk, but those it covers", func() {
		e := newEngine()
		st := profile.NewStreamer(e)
		types := resourceTypes()
		Expect(len(types)).To(BeNumerically(">", 140))
		ruled := 0
		for _, typ := range types {
			if !profile.HasTypeRules(typ) || typ == "Observation" {
				continue
			}
			ruled++
			rec := lineRecord([]byte(`{"resourceType":"`+typ+`"}`), 0)
			clean, why := st.Check(rec, nil)
			Expect(clean).To(BeFalse(), typ)
			Expect(why).To(Equal("type not compiled"), typ)
		}
		Expect(ruled).To(BeNumerically(">=", 14), "Bundle, the definitional types, Questionnaire and its response, MeasureReport")
	})

	It("covers Observation's own rules only while best practice is not judged", func() {
		src := []byte(`{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
		clean, why := profile.NewStreamer(newEngine()).Check(lineRecord(src, 0), nil)
		Expect(clean).To(BeTrue(), why)
		judged := optionsEngine(profile.Options{BestPractice: profile.BestPracticeWarning})
		rec := lineRecord(src, 0)
		clean, why = profile.NewStreamer(judged).Check(rec, nil)
		Expect(clean).To(BeFalse())
		Expect(why).To(Equal("type not compiled"))
		Expect(judged.ValidateRecord(rec, "", nil)).To(ContainElement(HaveField("Code", profile.CodeBestPractice)))
	})

	It("leaves canonical resources to the map walk, whose rules of every definition read what the scan does not keep", func() {
		e := newEngine()
		st := profile.NewStreamer(e)
		for src, finds := range map[string]bool{
			`{"resourceType":"NamingSystem","name":"x","status":"active","kind":"codesystem","date":"2020-01-01","uniqueId":[{"type":"uri","value":"http://example.org/x"}]}`: false,
			`{"resourceType":"Library","status":"active","version":"1#2","type":{"text":"x"}}`:                                                                                true,
		} {
			rec := lineRecord([]byte(src), 0)
			clean, why := st.Check(rec, nil)
			Expect(clean).To(BeFalse(), src)
			Expect(why).To(Equal("type not compiled"), src)
			Expect(slices.ContainsFunc(e.ValidateRecord(rec, "", nil), func(f model.Finding) bool {
				return f.Code == profile.CodeCanonicalResource
			})).To(Equal(finds), src)
		}
	})
})

var _ = Describe("the stream path under judged best practice", func() {
	It("leaves a Quantity whose UCUM code holds an annotation to the map walk, which reports it", func() {
		src := []byte(`{"resourceType":"SupplyRequest","status":"active","itemCodeableConcept":{"text":"gauze"},"quantity":{"value":30,"system":"http://unitsofmeasure.org","code":"{pack}"}}`)
		Expect(profile.NewStreamer(newEngine()).Check(lineRecord(src, 0), nil)).To(BeTrue(), "the scan proves it while best practice is ignored")
		judged := optionsEngine(profile.Options{BestPractice: profile.BestPracticeWarning})
		rec := lineRecord(src, 0)
		clean, why := profile.NewStreamer(judged).Check(rec, nil)
		Expect(clean).To(BeFalse())
		Expect(why).To(Equal("type not compiled"))
		Expect(judged.ValidateRecord(rec, "", nil)).To(ContainElement(HaveField("Code", profile.CodeBestPractice)))
	})
})
