package terminology_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/terminology"
)

var _ = Describe("UK Core, loaded from its XML", Ordered, func() {
	var e *terminology.Engine
	ctx := context.Background()
	BeforeAll(func() {
		e = terminology.New()
		e.SetXMLDecoder(fhirxml.Decode)
		Expect(e.LoadCore()).To(Succeed())
		start := time.Now()
		Expect(e.LoadIG(sharedtest.Path("fhir", "uk-core"))).To(Succeed())
		GinkgoWriter.Printf("UK Core terminology loaded in %s\n", time.Since(start))
		// UK Core publishes one code system with a stray character in it.
		Expect(e.Skipped()).To(ConsistOf(And(
			ContainSubstring("CodeSystem-UKCore-EthnicCategoryScotland.xml: line 37"),
			ContainSubstring("unexpected text"))))
	})

	It("holds the UK Core code systems and value sets", func() {
		cs, ok := e.CodeSystem("https://fhir.hl7.org.uk/CodeSystem/UKCore-ConditionCategory")
		Expect(ok).To(BeTrue())
		Expect(cs.Len()).To(BeNumerically(">", 0))
		_, ok = e.ValueSet("https://fhir.hl7.org.uk/ValueSet/UKCore-ConditionCategory")
		Expect(ok).To(BeTrue())
	})

	It("expands a UK Core value set that joins an HL7 and a UK code system", func() {
		codes, err := e.Expand("https://fhir.hl7.org.uk/ValueSet/UKCore-ConditionCategory")
		Expect(err).NotTo(HaveOccurred())
		systems := map[string]bool{}
		for _, c := range codes {
			systems[c.System] = true
		}
		Expect(systems).To(HaveKey("http://terminology.hl7.org/CodeSystem/condition-category"))
		Expect(systems).To(HaveKey("https://fhir.hl7.org.uk/CodeSystem/UKCore-ConditionCategory"))
		Expect(codesOf(codes)).To(ContainElement("problem-list-item"))
	})

	It("says a dm+d value set cannot be checked offline, naming dm+d", func() {
		r, err := e.ValidateCode(ctx, terminology.DMD, "39720311000001101", "", "https://fhir.hl7.org.uk/ValueSet/UKCore-AllergyCode")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Unknown))
		Expect(r.Issues).To(ContainElement(HaveField("Message", ContainSubstring("https://dmd.nhs.uk"))))
	})

	It("translates with UK Core's concept maps", func() {
		ms := e.Translate("http://hl7.org/fhir/administrative-gender", "female", "")
		Expect(ms).To(ContainElement(And(
			HaveField("TargetSystem", "https://fhir.hl7.org.uk/CodeSystem/NHSDataModelAndDictionary-PersonStatedGenderCode"),
			HaveField("TargetCode", "2"))))
	})
})
