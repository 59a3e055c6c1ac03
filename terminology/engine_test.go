package terminology_test

import (
	"context"
	"os"
	"sort"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology"
)

const acme = "http://acme.example/cs/findings"

// acmeEngine is an engine holding only the synthetic test content.
func acmeEngine() *terminology.Engine {
	e := terminology.New()
	data, err := os.ReadFile("testdata/acme-bundle.json")
	Expect(err).NotTo(HaveOccurred())
	Expect(e.AddJSON(data, "testdata/acme-bundle.json")).To(Succeed())
	return e
}

func codesOf(cs []terminology.Coding) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Code)
	}
	sort.Strings(out)
	return out
}

func issueCodes(r terminology.Result) []string {
	var out []string
	for _, i := range r.Issues {
		out = append(out, i.Code)
	}
	return out
}

var _ = Describe("value set expansion", func() {
	var e *terminology.Engine
	BeforeEach(func() { e = acmeEngine() })

	DescribeTable("filters over a complete code system",
		func(url string, want ...string) {
			got, err := e.Expand(url)
			Expect(err).NotTo(HaveOccurred())
			Expect(codesOf(got)).To(Equal(want))
		},
		Entry("is-a includes the concept and its descendants", "http://acme.example/vs/cardio", "af", "cardio", "htn"),
		Entry("descendent-of leaves out the concept; exclude removes af; parent properties count as hierarchy",
			"http://acme.example/vs/below-finding", "asthma", "cardio", "copd-old", "htn", "orphan", "resp"),
		Entry("is-not-a", "http://acme.example/vs/not-resp", "X-1", "X-22", "af", "cardio", "finding", "htn"),
		Entry("regex on the code, anchored", "http://acme.example/vs/admin", "X-1", "X-22"),
		Entry("= on a property", "http://acme.example/vs/high", "cardio", "htn"),
		Entry("in a list of codes", "http://acme.example/vs/in-list", "af", "asthma"),
		Entry("exists", "http://acme.example/vs/has-severity", "asthma", "cardio", "htn"),
		Entry("include.valueSet imports intersect", "http://acme.example/vs/cardio-and-high", "cardio", "htn"),
	)

	It("gives displays from the code system", func() {
		got, err := e.Expand("http://acme.example/vs/in-list")
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(ContainElement(terminology.Coding{System: acme, Code: "af", Display: "Atrial fibrillation"}))
	})

	It("refuses to enumerate what it has no content for, naming the code system", func() {
		_, err := e.Expand("http://acme.example/vs/with-snomed")
		Expect(err).To(MatchError(ContainSubstring("http://snomed.info/sct is not available offline")))
	})

	It("still decides members it can, and says Unknown (with why) for the rest", func() {
		ctx := context.Background()
		m, _, err := e.Member(ctx, "http://acme.example/vs/with-snomed", acme, "htn")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		m, why, err := e.Member(ctx, "http://acme.example/vs/with-snomed", terminology.SNOMED, "22298006")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Unknown))
		Expect(why).To(ContainSubstring("not available offline"))
		m, _, _ = e.Member(ctx, "http://acme.example/vs/with-snomed", "http://other.example", "x")
		Expect(m).To(Equal(terminology.NotMember))
	})

	It("survives a value set that imports itself and one that imports a missing value set", func() {
		ctx := context.Background()
		m, why, err := e.Member(ctx, "http://acme.example/vs/loops", acme, "htn")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Unknown))
		Expect(why).To(ContainSubstring("imports itself"))
		m, why, _ = e.Member(ctx, "http://acme.example/vs/missing-import", acme, "htn")
		Expect(m).To(Equal(terminology.Unknown))
		Expect(why).To(ContainSubstring("http://acme.example/vs/nowhere is not loaded"))
	})

	It("reports an unknown value set as an error of Member and a warning of ValidateCode", func() {
		_, _, err := e.Member(context.Background(), "http://acme.example/vs/none", acme, "htn")
		Expect(err).To(MatchError(ContainSubstring("not loaded")))
		r, err := e.ValidateCode(context.Background(), acme, "htn", "", "http://acme.example/vs/none")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Unknown))
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueUnknownValueSet}))
	})

	It("caches compiled value sets and answers the same from many goroutines", func() {
		ctx := context.Background()
		x1, err := e.Expansion("http://acme.example/vs/cardio|1.0")
		Expect(err).NotTo(HaveOccurred())
		x2, _ := e.Expansion("http://acme.example/vs/cardio")
		Expect(x1).To(BeIdenticalTo(x2))
		var wg sync.WaitGroup
		results := make([]terminology.Membership, 64)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code := "htn"
				if i%2 == 1 {
					code = "asthma"
				}
				results[i], _, _ = e.Member(ctx, "http://acme.example/vs/below-finding", acme, code)
			}()
		}
		wg.Wait()
		for i, m := range results {
			if i%2 == 0 {
				Expect(m).To(Equal(terminology.Member))
			} else {
				Expect(m).To(Equal(terminology.Member))
			}
		}
		m, _, _ := e.Member(ctx, "http://acme.example/vs/below-finding", acme, "af")
		Expect(m).To(Equal(terminology.NotMember))
	})
})

var _ = Describe("validate-code", func() {
	var e *terminology.Engine
	ctx := context.Background()
	BeforeEach(func() { e = acmeEngine() })

	It("accepts a member with its display or a designation, in any case and spacing", func() {
		for _, d := range []string{"Hypertension", "hypertension", "High  blood pressure", ""} {
			r, err := e.ValidateCode(ctx, acme, "htn", d, "http://acme.example/vs/cardio")
			Expect(err).NotTo(HaveOccurred())
			Expect(r.Issues).To(BeEmpty(), d)
			Expect(r.Display).To(Equal("Hypertension"))
		}
	})

	It("refuses a display that is not the code system's, as the reference validator does by default", func() {
		r, _ := e.ValidateCode(ctx, acme, "htn", "Heart attack", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueDisplay}))
		Expect(r.Issues[0].Severity).To(Equal(model.Error))
		Expect(r.Valid()).To(BeFalse())
	})

	It("warns on a retired code", func() {
		r, _ := e.ValidateCode(ctx, acme, "copd-old", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueInactive}))
		Expect(r.Issues[0].Message).To(ContainSubstring("retired"))
	})

	It("rejects a code the complete code system does not define, and a code outside the value set", func() {
		r, _ := e.ValidateCode(ctx, acme, "nope", "", "http://acme.example/vs/cardio")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueUnknownCode, terminology.IssueNotInValueSet}))
		Expect(r.Valid()).To(BeFalse())
		r, _ = e.ValidateCode(ctx, acme, "asthma", "", "http://acme.example/vs/cardio")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueNotInValueSet}))
		Expect(r.Issues[0].Message).To(ContainSubstring(`code "asthma" of http://acme.example/cs/findings is not in value set http://acme.example/vs/cardio`))
	})

	It("takes the system of a plain code from the value set", func() {
		r, _ := e.ValidateCode(ctx, "", "af", "", "http://acme.example/vs/cardio")
		Expect(r.Membership).To(Equal(terminology.Member))
		r, _ = e.ValidateCode(ctx, "", "asthma", "", "http://acme.example/vs/cardio")
		Expect(r.Membership).To(Equal(terminology.NotMember))
	})

	It("knows unknown systems: FHIR's own and names that are not URIs are errors, HL7 terminology's a warning, other URIs' codes not held (information)", func() {
		r, _ := e.ValidateCode(ctx, "http://terminology.hl7.org/CodeSystem/made-up", "x", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueUnknownSystem}))
		Expect(r.Issues[0].Severity).To(Equal(model.Warning))
		r, _ = e.ValidateCode(ctx, "http://hl7.org/fhir/administrative-gendre", "male", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueUnknownSystem}))
		Expect(r.Issues[0].Severity).To(Equal(model.Error))
		r, _ = e.ValidateCode(ctx, "http://hl7.org/fhir/us/core/CodeSystem/condition-category", "x", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueCodesNotHeld}))
		Expect(r.Issues[0].Severity).To(Equal(model.Information))
		r, _ = e.ValidateCode(ctx, "SNOMED", "22298006", "", "")
		Expect(r.Issues[0].Message).To(ContainSubstring("did you mean http://snomed.info/sct"))
		r, _ = e.ValidateCode(ctx, "https://local.example/codes", "x", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueCodesNotHeld}))
		Expect(r.Valid()).To(BeTrue())
	})

	It("checks the form of codes of systems it has no content for", func() {
		r, _ := e.ValidateCode(ctx, terminology.SNOMED, "22298007", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueFormat}))
		r, _ = e.ValidateCode(ctx, terminology.UCUM, "mmHg", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueFormat}))
		r, _ = e.ValidateCode(ctx, terminology.UCUM, "mm[Hg]", "", "")
		Expect(r.Issues).To(BeEmpty())
	})

	It("accepts a CodeableConcept when one of its codings is in the value set", func() {
		m, rs, err := e.CodeableConcept(ctx, []terminology.Coding{
			{System: "http://local.example", Code: "L1"}, {System: acme, Code: "af"},
		}, "http://acme.example/vs/cardio")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		Expect(rs[0].Membership).To(Equal(terminology.NotMember))
		m, _, _ = e.CodeableConcept(ctx, []terminology.Coding{{System: acme, Code: "asthma"}}, "http://acme.example/vs/cardio")
		Expect(m).To(Equal(terminology.NotMember))
	})

	It("stops on a cancelled context", func() {
		c, cancel := context.WithCancel(ctx)
		cancel()
		_, err := e.ValidateCode(c, acme, "htn", "", "")
		Expect(err).To(MatchError(context.Canceled))
	})
})

var _ = Describe("the FHIR R4 core content", Ordered, func() {
	var e *terminology.Engine
	ctx := context.Background()
	BeforeAll(func() { e = terminology.NewCore(nil) })

	It("loads lazily the code systems and value sets of FHIR R4, v3 and v2", func() {
		cs, vs, cm := e.Counts()
		Expect(cs).To(BeNumerically(">", 900))
		Expect(vs).To(BeNumerically(">", 1000))
		Expect(cm).To(BeNumerically(">", 10))
	})

	It("validates a required binding", func() {
		r, err := e.ValidateCode(ctx, "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active", "http://hl7.org/fhir/ValueSet/condition-clinical|4.0.1")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Issues).To(BeEmpty())
		r, _ = e.ValidateCode(ctx, "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "", "http://hl7.org/fhir/ValueSet/condition-clinical")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueNotInValueSet}))
	})

	It("expands a v3 value set defined by an is-a filter", func() {
		codes, err := e.Expand("http://terminology.hl7.org/ValueSet/v3-ActEncounterCode")
		Expect(err).NotTo(HaveOccurred())
		Expect(codesOf(codes)).To(ContainElements("AMB", "EMER", "IMP"))
		Expect(codesOf(codes)).NotTo(ContainElement("_ActEncounterCode"))
	})

	It("says a value set over SNOMED CT cannot be checked offline, and why", func() {
		r, err := e.ValidateCode(ctx, terminology.SNOMED, "22298006", "", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Membership).To(Equal(terminology.Unknown))
		// The code system holds no SNOMED CT codes (not-present), nor does
		// the value set's filter decide membership offline.
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueCodesNotHeld, terminology.IssueNotChecked}))
		Expect(r.Issues[1].Message).To(ContainSubstring("http://snomed.info/sct"))
	})

	It("decides value sets over grammar-defined systems (UCUM, MIME types, languages)", func() {
		m, _, err := e.Member(ctx, "http://hl7.org/fhir/ValueSet/mimetypes", "urn:ietf:bcp:13", "application/pdf")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(Equal(terminology.Member))
		m, _, _ = e.Member(ctx, "http://hl7.org/fhir/ValueSet/mimetypes", "urn:ietf:bcp:13", "pdf")
		Expect(m).To(Equal(terminology.NotMember))
		m, _, _ = e.Member(ctx, "http://hl7.org/fhir/ValueSet/all-languages", "urn:ietf:bcp:47", "en-GB")
		Expect(m).To(Equal(terminology.Member))
	})

	It("decides currencies by the form of ISO 4217 codes, in the currencies value set and in codings", func() {
		for code, want := range map[string]terminology.Membership{"GBP": terminology.Member, "JPY": terminology.Member,
			"Pounds": terminology.NotMember, "gbp": terminology.NotMember, "GB": terminology.NotMember, "GBP ": terminology.NotMember} {
			m, _, err := e.Member(ctx, "http://hl7.org/fhir/ValueSet/currencies", "urn:iso:std:iso:4217", code)
			Expect(err).NotTo(HaveOccurred())
			Expect(m).To(Equal(want), code)
		}
		r, _ := e.ValidateCode(ctx, terminology.CurrencySystem, "Euro", "", "")
		Expect(issueCodes(r)).To(Equal([]string{terminology.IssueFormat}))
		r, _ = e.ValidateCode(ctx, terminology.CurrencySystem, "CHF", "", "")
		Expect(r.Issues).To(BeEmpty())
	})

	It("decides subsumption from a core code system's nested concepts, and only where its hierarchy is held", func() {
		clinical := "http://terminology.hl7.org/CodeSystem/condition-clinical"
		for _, c := range []struct {
			ancestor, code string
			subsumes       bool
		}{
			{"active", "relapse", true},
			{"active", "active", true},
			{"inactive", "resolved", true},
			{"inactive", "relapse", false},
			{"relapse", "active", false},
			{"active", "no-such-code", false},
		} {
			is, known := e.Subsumes(clinical, c.ancestor, c.code)
			Expect([]bool{is, known}).To(Equal([]bool{c.subsumes, true}), c.ancestor+" > "+c.code)
		}
		_, known := e.Subsumes(terminology.SNOMED, "404684003", "38341003")
		Expect(known).To(BeFalse(), "SNOMED CT without a release")
		_, known = e.Subsumes("http://example.org/unknown", "a", "b")
		Expect(known).To(BeFalse(), "a code system the engine does not hold")
		is, known := e.Subsumes("http://example.org/unknown", "a", "a")
		Expect([]bool{is, known}).To(Equal([]bool{true, true}), "a code subsumes itself in a system not held")
	})

	It("expands the vital signs unit value sets", func() {
		codes, err := e.Expand("http://hl7.org/fhir/ValueSet/ucum-bodytemp")
		Expect(err).NotTo(HaveOccurred())
		Expect(codesOf(codes)).To(Equal([]string{"Cel", "[degF]"}))
	})
})

var _ = Describe("the yes/no/unknown view for the profile validator", func() {
	It("answers in, out and cannot tell", func() {
		e := acmeEngine()
		in, known := e.Contains("http://acme.example/vs/cardio", acme, "htn")
		Expect([]bool{in, known}).To(Equal([]bool{true, true}))
		in, known = e.Contains("http://acme.example/vs/cardio|2.0", acme, "asthma")
		Expect([]bool{in, known}).To(Equal([]bool{false, true}))
		_, known = e.Contains("http://acme.example/vs/with-snomed", terminology.SNOMED, "22298006")
		Expect(known).To(BeFalse())
		_, known = e.Contains("http://acme.example/vs/none", acme, "htn")
		Expect(known).To(BeFalse())
	})
})

var _ = Describe("subsumption in a fragment", func() {
	It("proves a link it holds and leaves the rest unknown", func() {
		e := terminology.New()
		Expect(e.AddJSON([]byte(`{"resourceType":"CodeSystem","url":"http://example.org/frag","status":"active","content":"fragment",
			"concept":[{"code":"a","concept":[{"code":"b"}]},{"code":"c"}]}`), "frag.json")).To(Succeed())
		is, known := e.Subsumes("http://example.org/frag", "a", "b")
		Expect([]bool{is, known}).To(Equal([]bool{true, true}))
		_, known = e.Subsumes("http://example.org/frag", "a", "c")
		Expect(known).To(BeFalse(), "a fragment may lack the link")
	})
})

var _ = Describe("UCUM in the FHIR core", func() {
	It("parses every unit of the common UCUM units value set", func() {
		codes, err := terminology.NewCore(nil).Expand("http://hl7.org/fhir/ValueSet/ucum-common")
		Expect(err).NotTo(HaveOccurred())
		Expect(len(codes)).To(BeNumerically(">", 1000))
		var bad []string
		for _, c := range codes {
			if err := terminology.FormatError(terminology.UCUM, c.Code); err != nil {
				bad = append(bad, err.Error())
			}
		}
		Expect(bad).To(BeEmpty())
	})
})
