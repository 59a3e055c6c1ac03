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
		dir, write := caseFolder()
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

		cases, skipped, err := agreement.Upstream(dir, nil, "")
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

		cases, skipped, err := agreement.Upstream(dir, nil, "")
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
// caseFolder is a temporary case folder and a function writing a file in
// it (folders made as needed).
func caseFolder() (string, func(name, text string)) {
	dir := GinkgoT().TempDir()
	return dir, func(name, text string) {
		Expect(os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)).To(Succeed())
	}
}

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
		dir, write := caseFolder()
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

		cases, skipped, err := agreement.Upstream(dir, nil, "")
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

var _ = Describe("upstream cases naming registry packages", func() {
	// A package named by id and version is in scope when a folder of
	// tarballs fetched from the npm registry holds it (npm pack's names);
	// a dependency is taken at its version there, or at the only other
	// version there, as the reference loads what the registry holds.
	It("runs a case whose registry packages and their dependencies are in the packs folder, and leaves out the others with the reason", func() {
		dir, write := caseFolder()
		packs := GinkgoT().TempDir()
		profile := `{"resourceType": "StructureDefinition", "url": "http://example.org/fhir/StructureDefinition/dated-patient", "version": "1.0.0", "name": "DatedPatient",
			"status": "active", "kind": "resource", "abstract": false, "type": "Patient", "derivation": "constraint",
			"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
			"differential": {"element": [{"id": "Patient.birthDate", "path": "Patient.birthDate", "min": 1}]}}`
		valueSet := `{"resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/any", "version": "1.0.0", "status": "active"}`
		writePackage(filepath.Join(packs, "example.guide-1.0.0.tgz"), "example.guide", "1.0.0", `, "example.dep": "1.0.0", "example.exact": "3.0.0", "hl7.fhir.r4.examples": "4.0.1"`, profile)
		writePackage(filepath.Join(packs, "example.dep-2.0.0.tgz"), "example.dep", "2.0.0", "", valueSet)
		writePackage(filepath.Join(packs, "example.exact-3.0.0.tgz"), "example.exact", "3.0.0", "", valueSet)
		writePackage(filepath.Join(packs, "example.exact-4.0.0.tgz"), "example.exact", "4.0.0", "", valueSet)
		writePackage(filepath.Join(packs, "example.lonely-1.0.0.tgz"), "example.lonely", "1.0.0", `, "example.absent": "1.0.0"`, valueSet)
		writePackage(filepath.Join(packs, "example.twice-1.0.0.tgz"), "example.twice", "1.0.0", `, "example.exact": "1.0.0"`, valueSet)
		write("outcomes/one.json", `{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}`)
		write("p.json", `{"resourceType": "Patient", "meta": {"profile": ["http://example.org/fhir/StructureDefinition/dated-patient"]}}`)
		write("manifest.json", `{"test-cases": [
			{"name": "fetched", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["example.guide#1.0.0"]},
			{"name": "not-fetched", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["example.guide#9.0.0"]},
			{"name": "dependency-absent", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["example.lonely#1.0.0"]},
			{"name": "dependency-ambiguous", "file": "p.json", "version": "4.0", "java": "one.json", "packages": ["example.twice#1.0.0"]}]}`)

		cases, skipped, err := agreement.Upstream(dir, nil, packs)
		Expect(err).NotTo(HaveOccurred())
		Expect(cases).To(HaveLen(1))
		Expect(cases[0].Name).To(Equal("fetched"))
		Expect(cases[0].Packages).To(ConsistOf(filepath.Join(packs, "example.guide-1.0.0.tgz"), filepath.Join(packs, "example.dep-2.0.0.tgz"),
			filepath.Join(packs, "example.exact-3.0.0.tgz")), "the dependency at its version where there, at the only other version otherwise; R4's examples left out")
		for _, name := range []string{"not-fetched", "dependency-absent", "dependency-ambiguous"} {
			Expect(skipped).To(HaveKeyWithValue(name, ContainSubstring("npm registry does not hold")))
		}
		without, _, err := agreement.Upstream(dir, nil, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(without).To(BeEmpty(), "without packs no case naming a registry package is in scope")

		core, err := definitions.New(definitions.Options{})
		Expect(err).NotTo(HaveOccurred())
		s, err := agreement.RunCases(dir, cases, skipped, agreement.Options{Core: core})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Outcomes).To(HaveLen(1))
		Expect(s.Outcomes[0].Findings).To(ContainElement(HaveField("Path", "Patient.birthDate")), "the fetched package's profile is loaded")
	})
})

var _ = Describe("reading a step's reference outcome", func() {
	// The reference's own harness reads outcomes/java/R4.NAME-MODE.json for
	// every step and fails a manifest naming another file; where the named
	// file is absent, that one is the reference's outcome.
	It("reads the outcome the reference harness names when the manifest names a file that is absent", func() {
		dir, write := caseFolder()
		two := `{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}, {"severity": "error"}]}`
		write("outcomes/java/R4.renamed-base.json", two)
		write("outcomes/java/R4.renamed-profile.json", `{"resourceType": "OperationOutcome"}`)
		write("outcomes/java/R4.dir-nested-base.json", two)
		write("outcomes/java/named.json", `{"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}`)
		write("p.json", `{"resourceType": "Patient"}`)
		write("manifest.json", `{"test-cases": [
			{"name": "renamed", "file": "p.json", "version": "4.0", "java": "java/R4.general.renamed.json",
			 "profile": {"source": "p.json", "java": "java/R4.general.renamed-profile.json"}},
			{"name": "dir/nested", "file": "p.json", "version": "4.0", "java": "java/R4.nested.json"},
			{"name": "named", "file": "p.json", "version": "4.0", "java": "java/named.json"},
			{"name": "nowhere", "file": "p.json", "version": "4.0", "java": "java/R4.nowhere.json"}]}`)

		cases, skipped, err := agreement.Upstream(dir, nil, "")
		Expect(err).NotTo(HaveOccurred())
		want := map[string]int{}
		for _, c := range cases {
			n, ok := c.Expected.Errors()
			Expect(ok).To(BeTrue())
			want[c.Name] = n
			if c.Profile != nil {
				n, ok := c.Profile.Expected.Errors()
				Expect(ok).To(BeTrue())
				want[c.Name+" [profile]"] = n
			}
		}
		Expect(want).To(Equal(map[string]int{"renamed": 2, "renamed [profile]": 0, "dir/nested": 2, "named": 1}))
		Expect(skipped).To(HaveKeyWithValue("nowhere", "reference outcome unreadable"))
	})
})

var _ = Describe("judging a case's codes", func() {
	// A required binding to a value set of all of SNOMED CT: a LOINC code is
	// not in it, which the terminology engine decides from the value set's
	// definition and the registry's enumerated value sets cannot.
	It("uses carecert's terminology engine over the case's definitions when asked, as carecert validate does", func() {
		dir, write := caseFolder()
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
		cases, skipped, err := agreement.Upstream(dir, nil, "")
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
