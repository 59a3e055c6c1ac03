package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/terminology/snomed/snomedtest"
)

var _ = Describe("carecert terminology", func() {
	It("validates a code against a value set, exiting 1 when it is not in it", func() {
		code, out, _ := carecert("terminology", "validate-code", "--system", "http://terminology.hl7.org/CodeSystem/condition-clinical",
			"--code", "active", "--display", "Active", "--valueset", "http://hl7.org/fhir/ValueSet/condition-clinical")
		Expect(code).To(Equal(0))
		var res map[string]any
		Expect(json.Unmarshal([]byte(out), &res)).To(Succeed())
		Expect(res).To(HaveKeyWithValue("valid", true))
		Expect(res).To(HaveKeyWithValue("display", "Active"))

		code, out, _ = carecert("terminology", "validate-code", "--system", "http://snomed.info/sct", "--code", "22298007")
		Expect(code).To(Equal(1))
		Expect(out).To(ContainSubstring("Verhoeff"))
	})

	It("expands a value set, and says why one cannot be expanded offline", func() {
		code, out, _ := carecert("terminology", "expand", "http://hl7.org/fhir/ValueSet/ucum-bodytemp")
		Expect(code).To(Equal(0))
		Expect(out).To(Equal("http://unitsofmeasure.org\tCel\t\nhttp://unitsofmeasure.org\t[degF]\t\n"))
		code, _, errOut := carecert("terminology", "expand", "http://hl7.org/fhir/ValueSet/observation-codes")
		Expect(code).To(Equal(1))
		Expect(errOut).To(ContainSubstring("http://loinc.org is not available offline"))
	})

	It("loads a SNOMED CT release and uses it", func() {
		dir := GinkgoT().TempDir()
		db := filepath.Join(dir, "snomed.db")
		code, out, errOut := carecert("terminology", "load-snomed", snomedtest.WriteRelease(dir), "--db", db)
		Expect(code).To(Equal(0), errOut)
		Expect(out).To(ContainSubstring("6 concepts, 9 descriptions, 5 is-a relationships, 1 preferred terms (release 20250101)"))
		code, out, _ = carecert("terminology", "validate-code", "--snomed", db, "--system", "http://snomed.info/sct",
			"--code", snomedtest.PregHTN, "--valueset", "http://hl7.org/fhir/ValueSet/clinical-findings")
		Expect(code).To(Equal(0), out)
		code, _, errOut = carecert("terminology", "load-snomed", dir, "--db", db)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("already exists"))
	})

	It("refuses a missing code or database with a usage error", func() {
		code, _, errOut := carecert("terminology", "validate-code", "--system", "http://loinc.org")
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("--code is required"))
		code, _, errOut = carecert("terminology", "validate-code", "--code", "x", "--snomed", "/nonexistent/snomed.db")
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("/nonexistent/snomed.db"))
	})
})

var _ = Describe("--terminology on validate and run", func() {
	// A Condition coded with a SNOMED CT concept the release lacks: only the
	// release can say it does not exist.
	var dir, db, feed string
	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		db = filepath.Join(dir, "snomed.db")
		code, _, errOut := carecert("terminology", "load-snomed", snomedtest.WriteRelease(dir), "--db", db)
		Expect(code).To(Equal(0), errOut)
		feed = filepath.Join(dir, "conditions.ndjson")
		Expect(os.WriteFile(feed, []byte(`{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"},`+
			`"code":{"coding":[{"system":"http://snomed.info/sct","code":"22298006"}]}}`+"\n"), 0o644)).To(Succeed())
	})

	It("judges codes with the release it names, as a plan's terminology: would", func() {
		_, out, _ := carecert("validate", "-q", "--suite", "fhir-r4-terminology", feed)
		Expect(out).NotTo(ContainSubstring("22298006"))
		code, out, errOut := carecert("validate", "-q", "--suite", "fhir-r4-terminology", "--terminology", "snomed="+db, feed)
		Expect(code).To(Equal(1), errOut)
		Expect(out).To(ContainSubstring("22298006"))
	})

	It("sets the run's terminology over the plan's", func() {
		plan := filepath.Join(dir, "plan.yaml")
		Expect(os.WriteFile(plan, []byte("suites: [fhir-r4-terminology]\ndate: 2026-01-01\nterminology: {server-timeout: 5s}\n"+
			"vendors:\n  - name: Acme\n    targets: [{name: feed, path: conditions.ndjson}]\n"), 0o644)).To(Succeed())
		out := filepath.Join(dir, "out")
		code, _, errOut := carecert("run", plan, "-q", "--out", out, "--terminology", "snomed="+db)
		Expect(code).To(Equal(1), errOut)
		report, err := os.ReadFile(filepath.Join(out, "acme", "report.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(report)).To(ContainSubstring("22298006"))
	})

	// A release that is there but does not open is found when a check first
	// asks for it: the error names where it was written.
	It("names the flag or the plan's line, column and vendor of a release that does not open", func() {
		broken := filepath.Join(dir, "broken.db")
		Expect(os.WriteFile(broken, []byte("not a SNOMED CT release\n"), 0o644)).To(Succeed())
		code, _, errOut := carecert("validate", "-q", "--suite", "fhir-r4-terminology", "--terminology", "snomed="+broken, feed)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring(`--terminology snomed=` + broken + `: the run's terminology "snomed": `))
		Expect(errOut).To(ContainSubstring("is not a carecert SNOMED CT file"))

		plan := filepath.Join(dir, "plan.yaml")
		Expect(os.WriteFile(plan, []byte("suites: [fhir-r4-terminology]\ndate: 2026-01-01\n"+
			"vendors:\n  - name: Oakfield\n    terminology: {snomed: broken.db}\n    targets: [{name: feed, path: conditions.ndjson}]\n"), 0o644)).To(Succeed())
		code, _, errOut = carecert("run", plan, "-q", "--out", filepath.Join(dir, "out"))
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring(plan + `:5:27: vendors[0].terminology.snomed: the vendor's terminology "snomed": `))
		Expect(errOut).To(ContainSubstring(`(vendor "Oakfield"; needed by suite fhir-r4-terminology requirement`))
	})

	DescribeTable("refuses a setting it cannot use, naming the flag, before any work",
		func(setting, want string) {
			code, _, errOut := carecert("validate", "-q", "--terminology", setting, feed)
			Expect(code).To(Equal(2))
			Expect(errOut).To(ContainSubstring(want))
		},
		Entry("no key=value", "snomed", `--terminology "snomed": want key=value (snomed, server, server-timeout or server-cache)`),
		Entry("a misspelt key", "snowmed=x", "--terminology snowmed=x: unknown option(s) snowmed (did you mean snomed?"),
		Entry("a timeout that is no duration", "server-timeout=ten", `--terminology server-timeout=ten: option "server-timeout": "ten" is not a duration`),
		Entry("a release that is not there", "snomed=/nonexistent/snomed.db", "--terminology snomed=/nonexistent/snomed.db: no SNOMED CT release there"),
		Entry("a server that is no URL", "server=tx.example", `--terminology server=tx.example: terminology server "tx.example": want an http or https base URL`),
	)
})
