package fhir_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
)

var _ = Describe("reading FHIR XML", func() {
	It("reads a resource with its lines", func() {
		data, err := os.ReadFile(sharedtest.Path("fhirpath-tests", "patient-example.xml"))
		Expect(err).NotTo(HaveOccurred())
		recs := readAll("patient-example.xml", data)
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Problem).To(BeNil())
		Expect(recs[0].Type).To(Equal("Patient"))
		Expect(recs[0].ID).To(Equal("example"))
		Expect(recs[0].LineOf("Patient.birthDate")).To(Equal(96))
	})

	It("makes every Bundle entry a record, located on its XML line", func() {
		path := sharedtest.Path("fhir", "uk-core", "examples", "UKCore-Bundle-AllergyList-Example.xml")
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(string(data), "\n")
		var recs []*model.Record
		Expect(fhir.ReadFile(path, func(r *model.Record) error { recs = append(recs, r); return nil })).To(Succeed())
		Expect(len(recs)).To(BeNumerically(">", 2))
		Expect(recs[0].Type).To(Equal("Bundle"))
		for _, r := range recs[1:] {
			Expect(r.Container).To(Equal(recs[0]))
			Expect(r.Problem).To(BeNil())
			Expect(lines[r.Line-1]).To(ContainSubstring("<" + r.Type))
			idLine := r.LineOf(r.Type + ".id")
			Expect(lines[idLine-1]).To(ContainSubstring(`<id value="` + r.ID + `"`))
		}
	})

	It("reports malformed XML as a problem record at its line", func() {
		recs := readAll("bad.xml", []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n  <id value=\"x\">\n</Patient>\n"))
		Expect(problems(recs)).To(HaveLen(1))
		Expect(recs[0].Problem.Code).To(Equal("input.xml"))
		Expect(recs[0].Problem.Location.Line).To(Equal(3))
		Expect(recs[0].Problem.Message).To(ContainSubstring("element <id> closed by </Patient>"))
	})

	It("recognises XML content without the .xml extension", func() {
		recs := readAll("feed.dat", []byte(`<Observation xmlns="http://hl7.org/fhir"><status value="final"/></Observation>`))
		Expect(recs).To(HaveLen(1))
		Expect(recs[0].Type).To(Equal("Observation"))
		Expect(recs[0].Resource()["status"]).To(Equal("final"))
	})

	It("reads every UK Core example without a problem", func() {
		files, err := filepath.Glob(sharedtest.Path("fhir", "uk-core", "examples", "*.xml"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			Expect(fhir.ReadFile(f, func(r *model.Record) error {
				Expect(r.Problem).To(BeNil(), f)
				return nil
			})).To(Succeed())
		}
	})
})
