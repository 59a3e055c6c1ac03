package terminology_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/terminology"
	"github.com/carecert/carecert/terminology/runengine"
	"github.com/carecert/carecert/validators/profile"
)

// The profile validator's bindings can be decided by the run's terminology
// engine: it satisfies profile.CodeValidator.
var _ profile.CodeValidator = (*terminology.Engine)(nil)

var _ = Describe("the run's engine as the profile validator's code validator", func() {
	It("decides what the profile validator's enumeration cannot", func() {
		eng, err := runengine.Run(&check.Env{})
		Expect(err).NotTo(HaveOccurred())
		var codes profile.CodeValidator = eng
		// v3-ActEncounterCode is defined by an is-a filter.
		in, known := codes.Contains("http://terminology.hl7.org/ValueSet/v3-ActEncounterCode", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB")
		Expect([]bool{in, known}).To(Equal([]bool{true, true}))
		in, known = codes.Contains("http://terminology.hl7.org/ValueSet/v3-ActEncounterCode|2018-08-12", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "_ActEncounterCode")
		Expect([]bool{in, known}).To(Equal([]bool{false, true}))
		_, known = codes.Contains("http://hl7.org/fhir/ValueSet/clinical-findings", "http://snomed.info/sct", "22298006")
		Expect(known).To(BeFalse())
	})
})
