package definitions_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir/definitions"
)

var _ = Describe("the run's shared registry", func() {
	It("is read once per run, with the run's guides found beside the plan, and not shared between runs", func() {
		dir := GinkgoT().TempDir()
		Expect(os.Mkdir(filepath.Join(dir, "guide"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "guide", "vs.json"), []byte(`{"resourceType": "ValueSet",
			"url": "http://example.org/ValueSet/shared", "status": "active"}`), 0o644)).To(Succeed())
		env := &check.Env{PlanDir: dir, IGs: []string{"guide"}}
		a, err := definitions.Run.Get(env)
		Expect(err).NotTo(HaveOccurred())
		b, err := definitions.Run.Get(env)
		Expect(err).NotTo(HaveOccurred())
		Expect(a).To(BeIdenticalTo(b))
		_, ok := a.Lookup("http://example.org/ValueSet/shared")
		Expect(ok).To(BeTrue())

		other, err := definitions.Run.Get(&check.Env{})
		Expect(err).NotTo(HaveOccurred())
		Expect(other).NotTo(BeIdenticalTo(a))
		_, ok = other.Lookup("http://example.org/ValueSet/shared")
		Expect(ok).To(BeFalse())
	})

	It("reports a guide that cannot be read, naming it", func() {
		_, err := definitions.Run.Get(&check.Env{IGs: []string{"/no/such/guide"}})
		Expect(err).To(MatchError(ContainSubstring("/no/such/guide")))
	})
})
