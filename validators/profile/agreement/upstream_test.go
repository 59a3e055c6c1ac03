package agreement_test

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
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

// writePackage writes an npm-style FHIR package .tgz: package.json with the
// dependencies given, and the resources as package/<n>.json.
func writePackage(path, name, version, dependencies string, resources ...string) {
	Expect(os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
	f, err := os.Create(path)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	add := func(name, text string) {
		Expect(tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(text)), Typeflag: tar.TypeReg})).To(Succeed())
		_, err := tw.Write([]byte(text))
		Expect(err).NotTo(HaveOccurred())
	}
	add("package/package.json", `{"name": "`+name+`", "version": "`+version+`", "dependencies": {"hl7.fhir.r4.core": "4.0.1"`+dependencies+`}}`)
	for i, r := range resources {
		add(fmt.Sprintf("package/r%d.json", i), r)
	}
	Expect(tw.Close()).To(Succeed())
	Expect(zw.Close()).To(Succeed())
}

var _ = Describe("upstream cases naming packages", func() {
	// fhir-test-cases ships some test packages beside its cases; a case
	// whose packages are all there, with what they depend on, needs
	// nothing downloaded.
	It("runs a case whose packages and their dependencies are files of the folder (named or beside them as name#version.tgz), with the packages loaded, and leaves out the others", func() {
		dir := GinkgoT().TempDir()
		write := func(name, text string) {
			Expect(os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)).To(Succeed())
		}
		profile := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/dated-patient", "version": "1.0.0", "name": "DatedPatient",
			"status": "active", "kind": "resource", "abstract": false, "type": "Patient", "derivation": "constraint",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
			"differential": {"element": [{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}]}}`
		writePackage(filepath.Join(dir, "packages", "example.base#1.0.0.tgz"), "example.base", "1.0.0", "", profile)
		valueSet := `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/any", "version": "1.0.0", "status": "active"}`
		writePackage(filepath.Join(dir, "packages", "example.wrap#1.0.0.tgz"), "example.wrap", "1.0.0", `, "example.base": "1.0.0"`, valueSet)
		writePackage(filepath.Join(dir, "packages", "example.orphan#1.0.0.tgz"), "example.orphan", "1.0.0", `, "example.elsewhere": "2.0.0"`, valueSet)
		write("outcomes/one.json", `{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}`)
		write("p.json", `{"resourceType": "Patient", "meta": {"profile": ["http://example.org/fhir/StructureDefinition/dated-patient"]}}`)
		write("manifest.json", `{"test-cases": [
			{"name": "local", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["packages/example.base#1.0.0.tgz", "packages/example.wrap#1.0.0.tgz"]},
			{"name": "dependency-beside", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["packages/example.wrap#1.0.0.tgz"]},
			{"name": "dependency-elsewhere", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["packages/example.orphan#1.0.0.tgz"]},
			{"name": "registry", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["hl7.fhir.us.core#3.1.0"]}]}`)

		cases, skipped, err := agreement.Upstream(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(cases).To(HaveLen(2))
		for _, c := range cases {
			Expect(c.Name).To(BeElementOf("local", "dependency-beside"))
			Expect(c.Packages).To(ConsistOf("packages/example.base#1.0.0.tgz", "packages/example.wrap#1.0.0.tgz"), "a dependency beside the package is loaded too")
		}
		for _, name := range []string{"dependency-elsewhere", "registry"} {
			Expect(skipped).To(HaveKeyWithValue(name, "needs packages downloaded"))
		}

		core, err := definitions.New(definitions.Options{})
		Expect(err).NotTo(HaveOccurred())
		s, err := agreement.RunCases(dir, cases, skipped, agreement.Options{Core: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Outcomes).To(HaveLen(2))
		for _, o := range s.Outcomes {
			Expect(o.Got).To(Equal(1), "%s: the package's profile is loaded and requires the birth date: %v", o.Case, o.Findings)
			Expect(o.Findings).To(ContainElement(HaveField("Path", "Patient.birthDate")), o.Case)
		}
	})
})

var _ = Describe("judging a case's codes", func() {
	// A required binding to a value set of all of SNOMED CT: a LOINC code is
	// not in it, which the terminology engine decides from the value set's
	// definition and the registry's enumerated value sets cannot.
	It("uses carecert's terminology engine over the case's definitions when asked, as carecert validate does", func() {
		dir := GinkgoT().TempDir()
		write := func(name, text string) {
			Expect(os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)).To(Succeed())
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)).To(Succeed())
		}
		valueSet := `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/sct", "version": "1.0.0", "status": "active",
			"compose": {"include": [{"system": "http://snomed.info/sct"}]}}`
		profile := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/sct-obs", "version": "1.0.0", "name": "SctObs",
			"status": "active", "kind": "resource", "abstract": false, "type": "Observation", "derivation": "constraint",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
			"differential": {"element": [{"id": "Observation.code", "path": "Observation.code",
				"binding": {"strength": "required", "valueSet": "http://example.org/fhir/ValueSet/sct"}}]}}`
		writePackage(filepath.Join(dir, "packages", "example.sct#1.0.0.tgz"), "example.sct", "1.0.0", "", valueSet, profile)
		write("outcomes/one.json", `{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}`)
		write("outcomes/none.json", `{"resourceType": "OperationOutcome", "issue": []}`)
		obs := func(system, code string) string {
			return `{"resourceType": "Observation", "meta": {"profile": ["http://example.org/fhir/StructureDefinition/sct-obs"]}, "status": "final",
				"code": {"coding": [{"system": "` + system + `", "code": "` + code + `"}]}}`
		}
		write("loinc.json", obs("http://loinc.org", "100066-0"))
		write("sct.json", obs("http://snomed.info/sct", "252829002"))
		write("manifest.json", `{"test-cases": [
			{"name": "loinc", "file": "loinc.json", "version": "4.0", "java": "one.json", "packages": ["packages/example.sct#1.0.0.tgz"]},
			{"name": "sct", "file": "sct.json", "version": "4.0", "java": "none.json", "packages": ["packages/example.sct#1.0.0.tgz"]}]}`)
		cases, skipped, err := agreement.Upstream(dir, nil)
		Expect(err).NotTo(HaveOccurred())
		core, err := definitions.New(definitions.Options{})
		Expect(err).NotTo(HaveOccurred())
		got := func(terminology bool) map[string]int {
			s, err := agreement.RunCases(dir, cases, skipped, agreement.Options{Core: core, Terminology: terminology})
			Expect(err).NotTo(HaveOccurred())
			out := map[string]int{}
			for _, o := range s.Outcomes {
				out[o.Case] = o.Got
			}
			return out
		}
		Expect(got(false)).To(Equal(map[string]int{"loinc": 0, "sct": 0}), "the enumerated value sets cannot say a LOINC code is outside all of SNOMED CT")
		Expect(got(true)).To(Equal(map[string]int{"loinc": 1, "sct": 0}))
	})
})
