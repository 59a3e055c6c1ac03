package terminology_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology"
)

// Engines derived from one another share its content, loaded once, and each
// keeps its own providers: a SNOMED CT release one requirement names does
// not reach the engine another judges with.
var _ = Describe("derived engines", func() {
	const local = "http://acme.example/cs/local-release"
	ctx := context.Background()

	It("share the content, loaded once, and keep their own providers", func() {
		base := terminology.NewCore(nil)
		derived, err := base.Derive()
		Expect(err).NotTo(HaveOccurred())
		derived.AddProvider(local, &release{codes: map[string]string{"22298006": "Myocardial infarction"}})

		issues, _, err := derived.CheckCode(ctx, local, "404684003", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(issues).To(ConsistOf(HaveField("Code", terminology.IssueUnknownCode)))
		Expect(base.KnowsSystem(local)).To(BeFalse())
		Expect(derived.KnowsSystem(local)).To(BeTrue())

		// Both read the core: one load, two engines over it.
		_, ok := derived.ValueSet("http://hl7.org/fhir/ValueSet/administrative-gender")
		Expect(ok).To(BeTrue())
		for _, e := range []*terminology.Engine{base, derived} {
			loads, engines := e.Sharing()
			Expect([]int{loads, engines}).To(Equal([]int{1, 2}))
		}
	})

	It("refuse definitions once shared, so no engine's compiled value sets go stale", func() {
		base := acmeEngine()
		_, err := base.Derive()
		Expect(err).NotTo(HaveOccurred())
		Expect(base.AddJSON([]byte(`{"resourceType": "ValueSet", "url": "http://acme.example/vs/late"}`), "late.json")).To(
			MatchError(ContainSubstring("takes no more definitions")))
	})
})
