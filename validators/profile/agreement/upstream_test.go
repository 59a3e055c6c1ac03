package agreement_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/validators/profile/agreement"
)

var _ = Describe("reading upstream cases", func() {
	// A reference outcome whose every error its terminology server raised
	// rests on that server; one error of its own keeps the case in scope.
	It("leaves out a step only when every reference error came from a terminology server", func() {
		dir := GinkgoT().TempDir()
		write := func(name, text string) {
			Expect(os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)).To(Succeed())
		}
		served := `{"severity": "error", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-server", "valueUrl": "http://tx.example"}]}`
		own := `{"severity": "error"}`
		write("outcomes/served.json", `{"resourceType": "OperationOutcome", "issue": [`+served+`, `+served+`]}`)
		write("outcomes/mixed.json", `{"resourceType": "OperationOutcome", "issue": [`+served+`, `+own+`]}`)
		write("outcomes/clean.json", `{"resourceType": "OperationOutcome", "issue": [{"severity": "information"}]}`)
		write("p.json", `{"resourceType": "Patient"}`)
		write("manifest.json", `{"test-cases": [
			{"name": "served", "file": "p.json", "version": "4.0", "java": "served.json"},
			{"name": "mixed", "file": "p.json", "version": "4.0", "java": "mixed.json"},
			{"name": "clean", "file": "p.json", "version": "4.0", "java": "clean.json",
			 "profile": {"source": "p.json", "java": "served.json"}}]}`)

		cases, skipped, err := agreement.Upstream(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		names := map[string]*agreement.Case{}
		for i := range cases {
			names[cases[i].Name] = &cases[i]
		}
		Expect(names).To(HaveKey("mixed"))
		n, ok := names["mixed"].Expected.Errors()
		Expect(ok).To(BeTrue())
		Expect(n).To(Equal(2))
		Expect(names).To(HaveKey("clean"))
		Expect(names["clean"].Profile).To(BeNil())
		Expect(skipped).To(HaveKeyWithValue("served", ContainSubstring("terminology server")))
		Expect(skipped).To(HaveKeyWithValue("clean [profile]", ContainSubstring("terminology server")))
		Expect(skipped).NotTo(HaveKey("mixed"))
	})
})
