package main

import (
	"encoding/json"
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
