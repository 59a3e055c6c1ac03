package profile_test

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// coreFinding is a finding on one core StructureDefinition.
type coreFinding struct {
	id string
	f  model.Finding
}

// coreDefinitionFindings validates every StructureDefinition of the R4 core
// (types, resources, profiles, extensions) and returns its findings of the
// codes given, with the number of definitions read.
func coreDefinitionFindings(codes ...string) ([]coreFinding, int) {
	e := newEngine()
	var out []coreFinding
	n := 0
	for _, file := range []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs} {
		for _, res := range coreResources(file) {
			if res["resourceType"] != "StructureDefinition" {
				continue
			}
			n++
			for _, f := range e.ValidateRecord(recordOf(res), "", nil) {
				if slices.Contains(codes, f.Code) {
					out = append(out, coreFinding{res["id"].(string), f})
				}
			}
		}
	}
	return out, n
}

var _ = Describe("StructureDefinition authoring rules on the R4 core's own definitions", Ordered, func() {
	var fs []coreFinding
	BeforeAll(func() {
		var n int
		fs, n = coreDefinitionFindings(profile.CodeDefinitionShape, profile.CodeDefinitionReview)
		// 649: SubscriptionStatus, which the redistributed bundles added, is left out
		Expect(n).To(BeNumerically(">=", 649))
	})

	It("find no error in any core StructureDefinition but the core's own defects, which the reference reports too", func() {
		var errs []string
		for _, c := range fs {
			if c.f.Code == profile.CodeDefinitionShape && c.f.Severity == model.Error {
				errs = append(errs, c.id+" "+c.f.Path)
			}
		}
		Expect(errs).To(ConsistOf(
			// ExplanationOfBenefit binds a code system, not a value set,
			// in its differential and its snapshot.
			"ExplanationOfBenefit StructureDefinition.differential.element[12].binding.valueSet",
			"ExplanationOfBenefit StructureDefinition.snapshot.element[20].binding.valueSet",
			// ResearchStudy restates ele-1 in its differential with
			// Element as its source (a fourth such element, studyDesign, is
			// not R4's: gen leaves it out).
			"ResearchStudy StructureDefinition.differential.element[5].constraint[0].source",
			"ResearchStudy StructureDefinition.differential.element[6].constraint[0].source",
			"ResearchStudy StructureDefinition.differential.element[7].constraint[0].source",
		))
	})

	It("review the core's definitions only for what is there to review: experimental value sets bound, value sets this core build lacks, Element contexts, several bindable types", func() {
		kinds := map[string]int{}
		reviewed := 0
		for _, c := range fs {
			if c.f.Code != profile.CodeDefinitionReview {
				continue
			}
			reviewed++
			Expect(c.f.Severity).NotTo(Equal(model.Error))
			for _, kind := range []string{"binds the experimental value set", "a value set in FHIR's own namespace that FHIR R4 does not define",
				"the context Element lets the extension be used", "applies to each of its bindable types"} {
				if ok, _ := ContainSubstring(kind).Match(c.f.Message); ok {
					kinds[kind]++
				}
			}
		}
		total := 0
		for _, n := range kinds {
			total += n
		}
		Expect(total).To(Equal(reviewed), "every review finding on the core is of a kind listed")
		Expect(kinds).To(HaveLen(4))
	})
})
