package main

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/internal/sharedtest"
)

var _ = Describe("carecert fhirpath", func() {
	patientXML := sharedtest.Path("fhirpath-tests", "patient-example.xml")

	It("prints each result with file, line, record and element path, redacting identifying values", func() {
		code, out, errOut := carecert("fhirpath", "Patient.name.given | Patient.gender", patientXML)
		Expect(code).To(Equal(0), errOut)
		Expect(out).To(ContainSubstring(patientXML + `:53 Patient/example Patient.name[0].given[0] = "[redacted]" (string)`))
		Expect(out).To(ContainSubstring(patientXML + `:95 Patient/example Patient.gender = "male" (code)`))
		Expect(out).NotTo(ContainSubstring("Peter"))
	})

	It("writes JSON, with full evidence when asked", func() {
		code, out, _ := carecert("fhirpath", "name.given.first() | active | name.count()", patientXML, "--format", "json", "--evidence", "full")
		Expect(code).To(Equal(0))
		var results []map[string]any
		Expect(json.Unmarshal([]byte(out), &results)).To(Succeed())
		Expect(results).To(HaveLen(3))
		Expect(results[0]).To(HaveKeyWithValue("value", "Peter"))
		Expect(results[0]).To(HaveKeyWithValue("path", "Patient.name[0].given[0]"))
		Expect(results[1]).To(HaveKeyWithValue("value", true))
		Expect(results[2]).To(HaveKeyWithValue("type", "Integer"))
	})

	It("evaluates every entry of a Bundle with the Bundle as %rootResource", func() {
		dir := GinkgoT().TempDir()
		bundle := filepath.Join(dir, "b.json")
		Expect(os.WriteFile(bundle, []byte(`{"resourceType": "Bundle", "type": "collection", "entry": [
  {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "1", "active": true}},
  {"resource": {"resourceType": "Observation", "id": "o", "status": "final", "subject": {"reference": "urn:uuid:1"}}}]}`), 0o644)).To(Succeed())
		code, out, _ := carecert("fhirpath", "Observation.subject.resolve().active", bundle)
		Expect(code).To(Equal(0))
		Expect(out).To(Equal(bundle + `:3 Observation/o = true (boolean)` + "\n"))
	})

	It("with --strict, names an element the definitions do not have", func() {
		code, out, _ := carecert("fhirpath", "Patient.name.givn", patientXML)
		Expect(code).To(Equal(0))
		Expect(out).To(BeEmpty())
		code, _, errOut := carecert("fhirpath", "Patient.name.givn", patientXML, "--strict")
		Expect(code).To(Equal(1))
		Expect(errOut).To(ContainSubstring(`Patient/example: fhirpath: HumanName has no element "givn"`))
	})

	It("exits 2 for a malformed expression and 1 when evaluation fails on a record", func() {
		code, _, errOut := carecert("fhirpath", "name.where(", patientXML)
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("unexpected end of expression at offset 11"))
		code, _, errOut = carecert("fhirpath", "name.given and true", patientXML)
		Expect(code).To(Equal(1))
		Expect(errOut).To(ContainSubstring("Patient/example: fhirpath: expected a single boolean, got a collection of 5"))
		code, _, errOut = carecert("fhirpath", "id", "/nonexistent/x.json")
		Expect(code).To(Equal(2))
		Expect(errOut).To(ContainSubstring("/nonexistent/x.json"))
	})
})
