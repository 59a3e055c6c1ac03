package profile_test

import (
	"fmt"
	"html"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// hl7Definition is a definition of one kind written in JSON and in XML,
// with the parts the work-group family reads.
type hl7Definition struct {
	url       string
	groups    []string // structuredefinition-wg codes, in order
	publisher string   // "" for none
	contact   string   // a contact's url, "" for none
}

// definitionKinds are the kinds of definition the family is tried on, each
// with the elements it needs after contact (JSON, then XML).
var definitionKinds = map[string][2]string{
	"CodeSystem": {`, "caseSensitive": true, "content": "not-present"`, `<caseSensitive value="true"/><content value="not-present"/>`},
	"ValueSet":   {``, ``},
	"StructureDefinition": {`, "fhirVersion": "4.0.1", "kind": "resource", "abstract": false, "type": "Patient",
		"baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
		"differential": {"element": [{"id": "Patient", "path": "Patient"}]}`,
		`<fhirVersion value="4.0.1"/><kind value="resource"/><abstract value="false"/><type value="Patient"/>` +
			`<baseDefinition value="http://hl7.org/fhir/StructureDefinition/Patient"/><derivation value="constraint"/>` +
			`<differential><element id="Patient"><path value="Patient"/></element></differential>`},
}

func (d hl7Definition) json(kind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"resourceType": %q`, kind)
	if len(d.groups) > 0 {
		var exts []string
		for _, g := range d.groups {
			exts = append(exts, fmt.Sprintf(`{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": %q}`, g))
		}
		fmt.Fprintf(&b, `, "extension": [%s]`, strings.Join(exts, ", "))
	}
	fmt.Fprintf(&b, `, "url": %q, "name": "Beds", "status": "draft"`, d.url)
	if d.publisher != "" {
		fmt.Fprintf(&b, `, "publisher": %q`, d.publisher)
	}
	if d.contact != "" {
		fmt.Fprintf(&b, `, "contact": [{"telecom": [{"system": "url", "value": %q}]}]`, d.contact)
	}
	return b.String() + definitionKinds[kind][0] + "}"
}

func (d hl7Definition) xml(kind string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<%s xmlns="http://hl7.org/fhir">`, kind)
	for _, g := range d.groups {
		fmt.Fprintf(&b, `<extension url="http://hl7.org/fhir/StructureDefinition/structuredefinition-wg"><valueCode value="%s"/></extension>`, html.EscapeString(g))
	}
	fmt.Fprintf(&b, `<url value="%s"/><name value="Beds"/><status value="draft"/>`, html.EscapeString(d.url))
	if d.publisher != "" {
		fmt.Fprintf(&b, `<publisher value="%s"/>`, html.EscapeString(d.publisher))
	}
	if d.contact != "" {
		fmt.Fprintf(&b, `<contact><telecom><system value="url"/><value value="%s"/></telecom></contact>`, html.EscapeString(d.contact))
	}
	return b.String() + definitionKinds[kind][1] + "</" + kind + ">"
}

// publisherFindings lists a resource's work-group and publisher findings as
// "severity path", the path after the resource type.
func publisherFindings(e *profile.Engine, src string) []string {
	var out []string
	for _, f := range everyFinding(e, src) {
		if f.Code != profile.CodeExtension && f.Code != profile.CodeCanonicalResource {
			continue
		}
		if !strings.Contains(f.Message, "work group") && !strings.Contains(f.Message, "publisher") {
			continue
		}
		_, rest, _ := strings.Cut(f.Path, ".")
		out = append(out, f.Severity.String()+" "+rest)
	}
	return out
}

var _ = Describe("a definition HL7 publishes: its work group and publisher", func() {
	e := newEngine()
	publishing := optionsEngine(profile.Options{ForPublication: true})
	const (
		hl7URL = "http://hl7.org/fhir/ValueSet/beds"
		pcPage = "http://www.hl7.org/Special/committees/patientcare"
	)
	pc := hl7Definition{url: hl7URL, groups: []string{"pc"}, publisher: "HL7 International / Patient Care", contact: pcPage}
	with := func(d hl7Definition, change func(*hl7Definition)) hl7Definition {
		change(&d)
		return d
	}

	It("reports a group R4 does not have once, through the extension's required binding", func() {
		d := with(pc, func(d *hl7Definition) { d.groups = []string{"beds"} })
		for kind := range definitionKinds {
			for _, src := range []string{d.json(kind), fromXML(d.xml(kind))} {
				var at []string
				for _, f := range everyFinding(e, src) {
					if f.Severity == model.Error && strings.HasSuffix(f.Path, ".extension[0].valueCode") {
						at = append(at, f.Code+": "+f.Message)
					}
				}
				Expect(at).To(HaveLen(1), "%s: %s", kind, src)
				Expect(at[0]).To(ContainSubstring("beds"))
			}
		}
	})

	DescribeTable("each kind of definition, in JSON and XML",
		func(d hl7Definition, forPublication bool, want []string) {
			engine := e
			if forPublication {
				engine = publishing
			}
			for kind := range definitionKinds {
				Expect(publisherFindings(engine, d.json(kind))).To(ConsistOf(want), "%s in JSON: %s", kind, d.json(kind))
				Expect(publisherFindings(engine, fromXML(d.xml(kind)))).To(ConsistOf(want), "%s in XML: %s", kind, d.xml(kind))
			}
		},
		Entry("group, publisher and page agree", pc, false, nil),
		Entry("the page's index as the contact", with(pc, func(d *hl7Definition) { d.contact = pcPage + "/index.cfm" }), false, nil),
		Entry("a guide under hl7.org/fhir is HL7's too", with(pc, func(d *hl7Definition) { d.url = "http://hl7.org/fhir/us/beds/ValueSet/beds" }), false, nil),
		Entry("the name HL7 uses since R4 for a renamed group", hl7Definition{url: hl7URL, groups: []string{"vocab"},
			publisher: "HL7 International / Terminology Infrastructure", contact: "http://www.hl7.org/Special/committees/Vocab"}, false, nil),
		Entry("R4's name for a renamed group", hl7Definition{url: hl7URL, groups: []string{"vocab"},
			publisher: "HL7 International / Vocabulary", contact: "http://www.hl7.org/Special/committees/Vocab"}, false, nil),
		Entry("Devices, renamed", hl7Definition{url: hl7URL, groups: []string{"dev"},
			publisher: "HL7 International / Devices", contact: "http://www.hl7.org/Special/committees/healthcaredevices"}, false, nil),
		Entry("another group as publisher: an error", with(pc, func(d *hl7Definition) { d.publisher = "HL7 International / Pharmacy" }), false,
			[]string{"error publisher"}),
		Entry("HL7's name alone, in another form: a warning", with(pc, func(d *hl7Definition) { d.publisher = "Health Level Seven International (Patient Care)" }), false,
			[]string{"warning publisher"}),
		Entry("no publisher: a warning", with(pc, func(d *hl7Definition) { d.publisher = "" }), false, []string{"warning "}),
		Entry("no contact giving the group's page: a warning", with(pc, func(d *hl7Definition) { d.contact = "http://hl7.org/fhir" }), false, []string{"warning contact"}),
		Entry("a group HL7 does not have: nothing more said of the publisher (the binding reports the code)", with(pc, func(d *hl7Definition) { d.groups = []string{"beds"} }), false, nil),
		Entry("two groups: an error on the second; the first is judged", with(pc, func(d *hl7Definition) { d.groups = []string{"pc", "oo"} }), false,
			[]string{"error extension[1]"}),
		Entry("no group: not judged by default", with(pc, func(d *hl7Definition) { d.groups = nil }), false, nil),
		Entry("no group, for publication: an error", with(pc, func(d *hl7Definition) { d.groups = nil }), true, []string{"error "}),
		Entry("no group, for publication, an identifier system under /sid/ (no group owns one)",
			with(pc, func(d *hl7Definition) { d.groups, d.url = nil, "http://hl7.org/fhir/sid/beds" }), true, nil),
		Entry("someone else's definition is never judged", hl7Definition{url: "http://example.org/fhir/ValueSet/beds", groups: []string{"beds", "pc"},
			publisher: "HL7 International / Pharmacy"}, true, nil),
		Entry("terminology.hl7.org is not the reference's HL7 test", hl7Definition{url: "http://terminology.hl7.org/ValueSet/beds", groups: []string{"beds"},
			publisher: "HL7 International / Pharmacy"}, true, nil),
		Entry("https is not HL7's namespace", hl7Definition{url: "https://hl7.org/fhir/ValueSet/beds", groups: []string{"beds"}}, false, nil),
	)

	It("judges a contained definition as the reference does, at its place in the container", func() {
		src := `{"resourceType": "Questionnaire", "url": "http://example.org/fhir/Questionnaire/q", "status": "draft",
			"contained": [{"resourceType": "ValueSet", "id": "beds", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-wg", "valueCode": "pc"}],
				"url": "http://hl7.org/fhir/ValueSet/beds", "status": "draft", "publisher": "HL7 International / Pharmacy",
				"contact": [{"telecom": [{"system": "url", "value": "http://www.hl7.org/Special/committees/patientcare"}]}]}],
			"item": [{"linkId": "b", "type": "choice", "answerValueSet": "#beds"}]}`
		Expect(publisherFindings(e, src)).To(ConsistOf("error contained[0].publisher"))
	})

	It("reads the groups from R4's code system: every group of R4's value set is known", func() {
		vs, err := core.Resource("http://terminology.hl7.org/CodeSystem/hl7-work-group")
		Expect(err).NotTo(HaveOccurred())
		concepts, _ := vs["concept"].([]any)
		Expect(concepts).To(HaveLen(24))
		for _, c := range concepts {
			code := c.(map[string]any)["code"].(string)
			d := hl7Definition{url: hl7URL, groups: []string{code}}
			Expect(publisherFindings(e, d.json("ValueSet"))).To(ConsistOf("warning ", "warning contact"), code)
		}
	})
})
