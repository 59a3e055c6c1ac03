package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/manifest"
	"github.com/carecert/carecert/reports/formats"
)

// filesIn lists the files of a folder, hidden ones aside.
func filesIn(dir string) []string {
	entries, err := os.ReadDir(dir)
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

var _ = Describe("report formats", func() {
	It("are listed by carecert formats, with the file each is written to", func() {
		code, stdout, _ := carecert("formats")
		Expect(code).To(Equal(0))
		for _, f := range formats.All() {
			Expect(stdout).To(MatchRegexp(`(?m)^` + f.Name() + `\s+` + strings.ReplaceAll(f.File(), ".", `\.`)))
		}
		Expect(stdout).To(ContainSubstring("report.sarif"))
	})

	It("are all written by validate --out, as by run, hashed by the manifest and printable by validate and report", func() {
		dir := GinkgoT().TempDir()
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","birthDate":"1980-13-01"}`)
		out := filepath.Join(dir, "out")
		code, _, stderr := carecert("validate", "--out", out, p)
		Expect(code).To(Equal(exitFailed), stderr)
		vendor := filepath.Join(out, "carecert-validate")
		want := append(formats.Files(), manifest.FileName)
		sort.Strings(want)
		Expect(filesIn(vendor)).To(Equal(want))
		m, err := os.ReadFile(filepath.Join(vendor, manifest.FileName))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range formats.Files() {
			Expect(string(m)).To(ContainSubstring(`"` + f + `"`))
		}
		for _, f := range formats.All() {
			code, printed, stderr := carecert("validate", "--format", f.Name(), p)
			Expect(code).To(Equal(exitFailed), f.Name()+": "+stderr)
			Expect(printed).NotTo(BeEmpty(), f.Name())
			_, again, stderr := carecert("report", "--format", f.Name(), vendor)
			Expect(stderr).To(BeEmpty(), f.Name())
			Expect(again).NotTo(BeEmpty(), f.Name())
			if f.File() != "" {
				written, err := os.ReadFile(filepath.Join(vendor, f.File()))
				Expect(err).NotTo(HaveOccurred())
				Expect(again).To(Equal(string(written)), "report prints what validate wrote: "+f.Name())
			}
		}
	})

	It("print findings as an OperationOutcome that carecert's own FHIR validation accepts", func() {
		dir := GinkgoT().TempDir()
		p := writeFile(dir, "p.json", `{"resourceType":"Patient","id":"a","birthDate":"1980-13-01",
			"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765918"}]}`)
		code, stdout, stderr := carecert("validate", "--format", "operationoutcome", "--suite", "fhir-r4-structure", "--suite", "uk-core", p)
		Expect(code).To(Equal(exitFailed), stderr)
		Expect(stdout).To(ContainSubstring(`"expression": [`))
		Expect(stdout).To(ContainSubstring(`"Patient.birthDate"`))
		Expect(stdout).NotTo(ContainSubstring("9434765918"))
		oo := writeFile(dir, "oo.json", stdout)
		code, out, stderr := carecert("validate", oo)
		Expect(code).To(Equal(0), stderr)
		Expect(out).To(ContainSubstring("0 error(s), 0 warning(s)"))
	})
})
