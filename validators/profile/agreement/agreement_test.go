package agreement_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/validators/profile"
	"github.com/carecert/carecert/validators/profile/agreement"
)

// floor is the agreement measured when this spec was last tuned: a drop
// below it is a regression.
const floor = 0.81

var _ = Describe("agreement with the reference validator", func() {
	It("agrees on error / no error for the in-scope conformance cases", func() {
		core, err := definitions.New(definitions.Options{})
		Expect(err).NotTo(HaveOccurred())
		s, err := agreement.Run(sharedtest.Path("conformance-cases"), agreement.Options{Core: core, XML: fhirxml.Decode, Invariants: profile.FHIRPath{}})
		Expect(err).NotTo(HaveOccurred())
		GinkgoWriter.Print(s.Report())
		AddReportEntry("agreement", s.Report())
		Expect(len(s.Outcomes)).To(BeNumerically(">=", 120))
		Expect(s.Rate()).To(BeNumerically(">=", floor))
	})
})
