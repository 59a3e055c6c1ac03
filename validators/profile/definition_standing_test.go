package profile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

var _ = Describe("data using an extension whose definition is on its way out", func() {
	const ns = "http://carecert.test/StructureDefinition/"
	const standards = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
	with := func(url, status string, exts ...any) map[string]any {
		d := extensionDef(ns+url, "element", "Patient")
		d["status"] = status
		if len(exts) > 0 {
			d["extension"] = exts
		}
		return d
	}
	e := newEngine(
		with("fit", "active"),
		with("retired", "retired"),
		with("deprecated", "active", map[string]any{"url": standards, "valueCode": "deprecated"}),
		with("deprecated-why", "active", map[string]any{"url": standards, "valueCode": "deprecated",
			"_valueCode": map[string]any{"extension": []any{map[string]any{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status-reason", "valueMarkdown": "use birthPlace instead"}}}}),
		with("withdrawn", "active", map[string]any{"url": standards, "valueCode": "withdrawn"}),
		with("draft", "draft"),
	)
	notes := func(src string) []model.Finding {
		var out []model.Finding
		for _, f := range e.ValidateRecord(record(src), "", nil) {
			Expect(f.Severity).NotTo(Equal(model.Error), f.Message)
			if f.Code == profile.CodeExtension {
				out = append(out, f)
			}
		}
		return out
	}
	patient := func(names ...string) string {
		src := `{"resourceType": "Patient", "extension": [`
		for i, n := range names {
			if i > 0 {
				src += ","
			}
			src += `{"url": "` + ns + n + `", "valueString": "x"}`
		}
		return src + `]}`
	}

	DescribeTable("is information, once per definition and record",
		func(names []string, says []string) {
			var want []any
			for _, s := range says {
				want = append(want, saying(model.Information, profile.CodeExtension, "Patient.extension[0]", s))
			}
			Expect(notes(patient(names...))).To(ConsistOf(want...))
		},
		Entry("a fit definition", []string{"fit"}, nil),
		Entry("a draft definition (not noted)", []string{"draft"}, nil),
		Entry("a retired definition", []string{"retired"}, []string{"retired is retired"}),
		Entry("a deprecated definition", []string{"deprecated"}, []string{"deprecated is deprecated; prefer its replacement"}),
		Entry("a deprecation with its reason", []string{"deprecated-why"}, []string{"is deprecated: use birthPlace instead"}),
		Entry("a withdrawn definition", []string{"withdrawn"}, []string{"withdrawn is withdrawn"}),
		Entry("used twice, noted once", []string{"retired", "retired"}, []string{"retired is retired"}),
	)

	It("gives the same verdict in XML", func() {
		xml := `<Patient xmlns="http://hl7.org/fhir"><extension url="` + ns + `withdrawn"><valueString value="x"/></extension></Patient>`
		Expect(notes(fromXML(xml))).To(ConsistOf(saying(model.Information, profile.CodeExtension, "Patient.extension[0]", "is withdrawn")))
	})
})
