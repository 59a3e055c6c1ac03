package fhirfiles_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/runner/target"
	"github.com/carecert/carecert/runner/target/targettest"
)

var _ = Describe("FHIR XML files", func() {
	It("are read by the fhir target from a folder, with JSON, in name order", func() {
		dir := GinkgoT().TempDir()
		write := func(name, content string) {
			Expect(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)).To(Succeed())
		}
		write("a.json", `{"resourceType":"Patient","id":"1"}`)
		write("b.xml", `<Patient xmlns="http://hl7.org/fhir"><id value="2"/></Patient>`)
		write("c.XML", "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/>\n<entry><resource><Patient><id value=\"3\"/></Patient></resource></entry></Bundle>")
		write("d.xsd", `<schema/>`)
		t, typ, err := registry().Open(target.Spec{Name: "dir", Path: dir})
		Expect(err).NotTo(HaveOccurred())
		Expect(typ).To(Equal("fhir"))
		recs, err := targettest.Collect(t)
		Expect(err).NotTo(HaveOccurred())
		var got []string
		for _, r := range recs {
			Expect(r.Problem).To(BeNil())
			got = append(got, r.Type+"/"+r.ID)
		}
		Expect(got).To(Equal([]string{"Patient/1", "Patient/2", "Bundle/", "Patient/3"}))
		Expect(recs[3].Line).To(Equal(2))
	})
})
