package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// coreDefinitionFindings validates every StructureDefinition of the R4 core
// (types, resources, profiles, extensions) and returns its findings of one
// code and severity as "id path", with the number of definitions read.
func coreDefinitionFindings(e *profile.Engine, sev model.Severity, code string) ([]string, int) {
	var out []string
	n := 0
	for _, file := range []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs} {
		for _, res := range coreResources(file) {
			if res["resourceType"] != "StructureDefinition" {
				continue
			}
			n++
			for _, f := range e.ValidateRecord(recordOf(res), "", nil) {
				if f.Severity == sev && f.Code == code {
					out = append(out, res["id"].(string)+" "+f.Path)
				}
			}
		}
	}
	return out, n
}

var _ = Describe("StructureDefinition authoring rules on the R4 core's own definitions", func() {
	It("find no error in any core StructureDefinition but the core's own defects, which the reference reports too", func() {
		errs, n := coreDefinitionFindings(newEngine(), model.Error, profile.CodeDefinitionShape)
		Expect(n).To(BeNumerically(">=", 650))
		Expect(errs).To(ConsistOf(
			// ExplanationOfBenefit binds a code system, not a value set,
			// in its differential and its snapshot.
			"ExplanationOfBenefit StructureDefinition.differential.element[12].binding.valueSet",
			"ExplanationOfBenefit StructureDefinition.snapshot.element[20].binding.valueSet",
			// ResearchStudy restates ele-1 in its differential with
			// Element as its source.
			"ResearchStudy StructureDefinition.differential.element[5].constraint[0].source",
			"ResearchStudy StructureDefinition.differential.element[6].constraint[0].source",
			"ResearchStudy StructureDefinition.differential.element[7].constraint[0].source",
			"ResearchStudy StructureDefinition.differential.element[8].constraint[0].source",
		))
	})
})
