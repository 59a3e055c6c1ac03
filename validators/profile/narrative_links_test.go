package profile_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("narrative links and images", func() {
	e := newEngine()
	narrativeOnly := func(fs []model.Finding) []model.Finding { return withCode(profile.CodeNarrative, fs) }

	It("rejects a local link or image whose target is not in the resource", func() {
		fs := narrativeOnly(validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><a href="#missing">x</a><img src="#gone"/></div>`)))
		Expect(fs).To(HaveLen(2))
		Expect(fs).To(HaveEach(at(model.Error, profile.CodeNarrative, "Patient.text.div")))
		Expect(findingMessages(fs)).To(ContainElements(ContainSubstring(`"#missing"`), ContainSubstring(`"#gone"`)))
	})

	It("finds targets among element ids, the resource id, contained resources and narrative anchors", func() {
		src := `{"resourceType": "Patient", "id": "p1", "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p id=\"intro\">x</p><a href=\"#intro\">a</a> <a href=\"#p1\">b</a> <a href=\"#n1\">c</a> <a href=\"#org\">d</a> <img src=\"#intro\"/></div>"},
			"name": [{"id": "n1", "family": "Smith"}], "contained": [{"resourceType": "Organization", "id": "org", "name": "O"}],
			"managingOrganization": {"reference": "#org"}}`
		Expect(narrativeOnly(validate(e, src))).To(BeEmpty())
	})

	It("warns about a link that matches several anchors, and rejects such an image", func() {
		div := `<div xmlns="http://www.w3.org/1999/xhtml"><p id="a">x</p><p id="a">y</p><a href="#a">z</a></div>`
		fs := narrativeOnly(validate(e, patientWithNarrative(div)))
		Expect(fs).NotTo(BeEmpty())
		Expect(fs).To(HaveEach(at(model.Warning, profile.CodeNarrative, "Patient.text.div")))
		img := `<div xmlns="http://www.w3.org/1999/xhtml"><p id="a">x</p><p id="a">y</p><img src="#a"/></div>`
		Expect(narrativeOnly(validate(e, patientWithNarrative(img)))).To(ContainElement(at(model.Error, profile.CodeNarrative, "Patient.text.div")))
	})

	It("resolves a link to another entry of the Bundle the resource came in", func() {
		src := `{"resourceType": "Bundle", "type": "collection", "entry": [
			{"fullUrl": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e71", "resource": {"resourceType": "Patient", "id": "p1",
				"text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"#o1\">obs</a></div>"}}},
			{"fullUrl": "urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e72", "resource": {"resourceType": "Organization", "id": "o1", "name": "O"}}]}`
		var fs []model.Finding
		sink := &profile.Sink{}
		Expect(fhir.ReadStream("spec.json", strings.NewReader(src), func(r *model.Record) error {
			r.Load()
			fs = append(fs, narrativeOnly(e.ValidateRecord(r, "", sink))...)
			return nil
		})).To(Succeed())
		Expect(fs).To(BeEmpty())
	})

	It("rejects links to urn: and cid: URIs, and notes unusual schemes", func() {
		fs := narrativeOnly(allFindings(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><a href="urn:uuid:0b2a6f5e-6c1e-4a8c-9d1f-2e3b4c5d6e71">a</a> <a href="ftp://example.org/f">b</a></div>`)))
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeNarrative, "Patient.text.div"),
			at(model.Information, profile.CodeNarrative, "Patient.text.div"),
		))
		ok := narrativeOnly(allFindings(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><a href="https://example.org/">a</a> <a href="mailto:a@example.org">b</a> <a href="tel:+441234">c</a></div>`)))
		Expect(ok).To(BeEmpty())
	})
})
