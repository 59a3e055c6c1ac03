package profile_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("Engine.IsResourceType", func() {
	It("answers for R4's names and a supplier's alike, and keeps only R4's", func() {
		e := newEngine()
		real := []string{"Patient", "Observation", "Bundle", "Patient"}
		for _, name := range real {
			Expect(e.IsResourceType(name)).To(BeTrue(), name)
		}
		// Names a feed's references can write: misspelt, datatypes, profiles'
		// names, paths. A long-running engine (validate --watch) meets these
		// without end, so none may be kept.
		for i := range 2000 {
			name := fmt.Sprintf("Patiant%d", i)
			Expect(e.IsResourceType(name)).To(BeFalse(), name)
		}
		for _, name := range []string{"", "HumanName", "vitalsigns", "Patient/1", "patient"} {
			Expect(e.IsResourceType(name)).To(BeFalse(), name)
			Expect(e.IsResourceType(name)).To(BeFalse(), name+" asked again")
		}
		Expect(profile.CachedResourceTypes(e)).To(Equal(3))
	})
})
