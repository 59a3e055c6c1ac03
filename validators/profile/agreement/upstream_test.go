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

	It("reads the reference harness's options: examples allowed unless the case says not, R5 supporting files, and no fetcher or supplied key", func() {
		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "outcomes"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "outcomes", "ok.json"), []byte(`{"resourceType": "OperationOutcome", "issue": []}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"resourceType": "Patient"}`), 0o644)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"test-cases": [
			{"name": "default", "file": "p.json", "version": "4.0", "java": "ok.json", "supporting5": ["r5.xml"]},
			{"name": "strict", "file": "p.json", "version": "4.0", "java": "ok.json", "examples": false},
			{"name": "fetched", "file": "p.json", "version": "4.0", "java": "ok.json", "validateReference": "CHECK_VALID"},
			{"name": "unfetched", "file": "p.json", "version": "4.0", "java": "ok.json", "validateReference": "IGNORE"},
			{"name": "keyed", "file": "p.json", "version": "4.0", "java": "ok.json", "certificate": "k.jwk"}]}`), 0o644)).To(Succeed())

		cases, skipped, err := agreement.Upstream(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		byName := map[string]agreement.Case{}
		for _, c := range cases {
			byName[c.Name] = c
		}
		Expect(byName).To(HaveLen(3))
		Expect(byName["default"].Options.AllowExampleURLs).To(BeTrue())
		Expect(byName["default"].Supporting).To(ContainElement("r5.xml"))
		Expect(byName["strict"].Options.AllowExampleURLs).To(BeFalse())
		Expect(byName).To(HaveKey("unfetched"))
		Expect(skipped).To(HaveKeyWithValue("fetched", ContainSubstring("fetcher")))
		Expect(skipped).To(HaveKeyWithValue("keyed", ContainSubstring("key")))
	})
})
