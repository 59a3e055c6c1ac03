package profile_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// ofCode keeps the findings of one code.
func ofCode(fs []model.Finding, code string) []model.Finding {
	var out []model.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// suspects returns the paths of the suspect-value findings, each a warning.
func suspects(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Code == profile.CodeSuspectValue {
			Expect(f.Severity).To(Equal(model.Warning), f.Message)
			out = append(out, f.Path)
		}
	}
	return out
}

var _ = Describe("suspect primitive values (valid, probably a mistake)", func() {
	defs, err := definitions.New(definitions.Options{Parent: core})
	Expect(err).NotTo(HaveOccurred())
	// "now" is fixed: the latest plausible year is 2106
	e := profile.NewEngine(defs, profile.Options{Invariants: hooks.Invariants, Codes: hooks.Codes, AsOf: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)})

	DescribeTable("are warnings, never errors",
		func(src string, want []string) {
			fs := validate(e, src)
			Expect(suspects(fs)).To(ConsistOf(want))
			for _, f := range fs {
				Expect(f.Severity).NotTo(Equal(model.Error), f.Message)
			}
		},
		Entry("a plain string", `{"resourceType":"Patient","name":[{"family":"Quinn"}]}`, nil),
		Entry("a string with a trailing space", `{"resourceType":"Patient","name":[{"family":"Quinn "}]}`, []string{"Patient.name[0].family"}),
		Entry("a string with a leading tab", `{"resourceType":"Patient","name":[{"given":["\tAda"]}]}`, []string{"Patient.name[0].given[0]"}),
		Entry("a string ending in a no-break space", `{"resourceType":"Patient","name":[{"family":"Quinn\u00a0"}]}`, []string{"Patient.name[0].family"}),
		Entry("inner spaces and line breaks are fine", `{"resourceType":"Patient","name":[{"text":"Ada  Quinn\nof Vale"}]}`, nil),
		Entry("a string of spaces alone (legal, as the reference: a warning)", `{"resourceType":"Patient","name":[{"family":"   "}]}`, []string{"Patient.name[0].family"}),
		Entry("markdown of a line break alone", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"note":[{"text":"\n"}]}`, []string{"Observation.note[0].text"}),
		Entry("markdown may start with whitespace (it is meaningful there)", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"note":[{"text":"    indented code"}]}`, nil),
		Entry("an override closed by PDF", `{"resourceType":"Patient","name":[{"text":"ab\u202ecd\u202cef"}]}`, nil),
		Entry("an override left open (CVE-2021-42574)", `{"resourceType":"Patient","name":[{"text":"ab\u202ecd"}]}`, []string{"Patient.name[0].text"}),
		Entry("an isolate closed by PDI", `{"resourceType":"Patient","name":[{"text":"x\u2067\u05d0\u05d1\u2069 y"}]}`, nil),
		Entry("an isolate left open before a line break", `{"resourceType":"Patient","name":[{"text":"x\u2067abc\nnext line\u2069"}]}`, []string{"Patient.name[0].text"}),
		Entry("a PDF does not close an isolate", `{"resourceType":"Patient","name":[{"text":"x\u2068abc\u202c"}]}`, []string{"Patient.name[0].text"}),
		Entry("a PDI closes the embeddings inside its isolate", `{"resourceType":"Patient","name":[{"text":"\u2066a\u202bb\u2069"}]}`, nil),
		Entry("directional marks need no closing", `{"resourceType":"Patient","name":[{"text":"a\u200fb\u200e"}]}`, nil),
		Entry("a bidi control in a code's display", `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://example.net/ms","code":"M","display":"Married\u202e"}]}}`,
			[]string{"Patient.maritalStatus.coding[0].display"}),
		Entry("a plausible birth date", `{"resourceType":"Patient","birthDate":"1998-03-04"}`, nil),
		Entry("a birth date in 1098", `{"resourceType":"Patient","birthDate":"1098-03-04"}`, []string{"Patient.birthDate"}),
		Entry("a year alone", `{"resourceType":"Patient","birthDate":"1799"}`, []string{"Patient.birthDate"}),
		Entry("1800 is plausible", `{"resourceType":"Patient","birthDate":"1800"}`, nil),
		Entry("80 years ahead is plausible", `{"resourceType":"Patient","deceasedDateTime":"2106-01-01"}`, nil),
		Entry("a dateTime 81 years ahead", `{"resourceType":"Patient","deceasedDateTime":"2107-01-01T10:00:00Z"}`, []string{"Patient.deceasedDateTime"}),
		Entry("an instant in year 0201", `{"resourceType":"Patient","meta":{"lastUpdated":"0201-01-01T10:00:00Z"}}`, []string{"Patient.meta.lastUpdated"}),
		Entry("a string that looks like a date is a string", `{"resourceType":"Patient","name":[{"text":"1066"}]}`, nil),
	)

	It("gives the same verdict in XML, which keeps a value's whitespace", func() {
		xml := `<Patient xmlns="http://hl7.org/fhir"><name><family value="Quinn "/></name><birthDate value="1098-03-04"/></Patient>`
		Expect(suspects(validate(e, fromXML(xml)))).To(ConsistOf("Patient.name[0].family", "Patient.birthDate"))
	})

	It("says which control is open, and quotes the padded string", func() {
		fs := validate(e, `{"resourceType":"Patient","name":[{"text":"ab\u2067cd","family":" Quinn"}]}`)
		Expect(fs).To(ContainElement(saying(model.Warning, profile.CodeSuspectValue, "Patient.name[0].text", "RLI (U+2067)")))
		Expect(fs).To(ContainElement(And(saying(model.Warning, profile.CodeSuspectValue, "Patient.name[0].family", "whitespace"), HaveField("Evidence", `" Quinn"`))))
	})

	It("is decided by the map walk where the stream path would prove the record clean", func() {
		st := profile.NewStreamer(e)
		for _, src := range []string{
			`{"resourceType":"Patient","id":"p","name":[{"family":"Quinn "}]}`,
			`{"resourceType":"Patient","id":"p","birthDate":"1098-03-04"}`,
			`{"resourceType":"Patient","id":"p","name":[{"text":"a` + "\u202e" + `b"}]}`,
			// a control character only an escape can write in JSON
			`{"resourceType":"Patient","id":"p","name":[{"text":"a\bb"}]}`,
			`{"resourceType":"Patient","id":"p","name":[{"family":"Qu\finn"}]}`,
			`{"resourceType":"Patient","id":"p","telecom":[{"system":"email","value":"a\u0007@b"}]}`,
		} {
			rec := record(src)
			rec.Raw = []byte(src)
			rec.Format = model.FormatJSON
			clean, _ := st.Check(rec, nil)
			Expect(clean).To(BeFalse(), src)
			Expect(suspects(validate(e, src))).To(HaveLen(1), src)
		}
		src := `{"resourceType":"Patient","id":"p","name":[{"family":"Quinn"}],"birthDate":"1998-03-04"}`
		rec := record(src)
		rec.Raw = []byte(src)
		rec.Format = model.FormatJSON
		clean, why := st.Check(rec, nil)
		Expect(clean).To(BeTrue(), why)
	})
})

var _ = Describe("narrative language sections and xml:space", func() {
	e := newEngine()
	narr := func(div string) string {
		return `{"resourceType":"Basic","id":"b","code":{"text":"note"},"text":{"status":"generated","div":"` + strings.ReplaceAll(div, `"`, `\"`) + `"}}`
	}
	narrativeFindings := func(fs []model.Finding) []model.Finding { return ofCode(fs, profile.CodeNarrative) }

	DescribeTable("content outside language sections is a warning",
		func(div string, mixed bool) {
			fs := narrativeFindings(validate(e, narr(div)))
			if mixed {
				Expect(fs).To(ConsistOf(saying(model.Warning, profile.CodeNarrative, "Basic.text.div", "outside them")))
			} else {
				Expect(fs).To(BeEmpty())
			}
		},
		Entry("no sections", `<div xmlns="http://www.w3.org/1999/xhtml"><p>Note</p></div>`, false),
		Entry("only sections", `<div xmlns="http://www.w3.org/1999/xhtml"><div xml:lang="en" lang="en">Note</div><div xml:lang="fr" lang="fr">Remarque</div></div>`, false),
		Entry("sections and a paragraph beside them", `<div xmlns="http://www.w3.org/1999/xhtml"><p>Note</p><div xml:lang="fr" lang="fr">Remarque</div></div>`, true),
		Entry("sections and loose text", `<div xmlns="http://www.w3.org/1999/xhtml">Note<div xml:lang="fr" lang="fr">Remarque</div></div>`, true),
		Entry("whitespace between sections is not content", `<div xmlns="http://www.w3.org/1999/xhtml">  <div xml:lang="fr" lang="fr">Remarque</div>  </div>`, false),
		Entry("lang alone (HTML's) does not make a section", `<div xmlns="http://www.w3.org/1999/xhtml"><p>Note</p><div lang="fr">Remarque</div></div>`, false),
	)

	It("notes xml:space (legal, fixed to preserve) as information only", func() {
		fs := e.ValidateRecord(record(narr(`<div xmlns="http://www.w3.org/1999/xhtml"><pre xml:space="preserve">a  b</pre></div>`)), "", nil)
		Expect(narrativeFindings(fs)).To(ConsistOf(saying(model.Information, profile.CodeNarrative, "Basic.text.div", "xml:space")))
	})

	It("gives the same verdict in XML", func() {
		xml := `<Basic xmlns="http://hl7.org/fhir"><id value="b"/><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Note</p><div xml:lang="fr" lang="fr">Remarque</div></div></text><code><text value="note"/></code></Basic>`
		Expect(narrativeFindings(validate(e, fromXML(xml)))).To(ConsistOf(saying(model.Warning, profile.CodeNarrative, "Basic.text.div", "(fr)")))
	})
})

var _ = Describe("a reference that identifies nothing", func() {
	e := newEngine()
	DescribeTable("needs a display (a warning)",
		func(ref string, warned bool) {
			fs := validate(e, `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":`+ref+`}`)
			m := saying(model.Warning, profile.CodeReference, "Observation.subject", "neither a reference nor an identifier")
			if warned {
				Expect(fs).To(ContainElement(m))
			} else {
				Expect(fs).NotTo(ContainElement(m))
			}
		},
		Entry("a reference", `{"reference":"Patient/1"}`, false),
		Entry("an identifier", `{"identifier":{"system":"http://example.net/mrn","value":"7"}}`, false),
		Entry("an identifier's value alone", `{"identifier":{"value":"7"}}`, false),
		Entry("a display alone", `{"display":"Ada Quinn"}`, false),
		Entry("a type alone", `{"type":"Patient"}`, true),
		Entry("an identifier with neither system nor value", `{"identifier":{"use":"usual"},"type":"Patient"}`, true),
	)

	It("leaves a profile's pattern Reference alone", func() {
		src := `{"resourceType":"StructureDefinition","url":"http://example.net/sd/o","name":"O","status":"draft","kind":"resource","abstract":false,"type":"Observation","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation","derivation":"constraint",
			"differential":{"element":[{"id":"Observation.subject","path":"Observation.subject","patternReference":{"type":"Patient"}}]}}`
		Expect(validate(e, src)).NotTo(ContainElement(saying(model.Warning, profile.CodeReference, "StructureDefinition.differential.element[0].patternReference", "neither")))
	})

	It("reads the same from XML", func() {
		xml := `<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><subject><type value="Patient"/></subject></Observation>`
		Expect(validate(e, fromXML(xml))).To(ContainElement(saying(model.Warning, profile.CodeReference, "Observation.subject", "neither")))
	})
})

var _ = Describe("a version-specific reference to an entry without meta.versionId", func() {
	e := newEngine()
	bundle := func(meta string) string {
		return `{"resourceType":"Bundle","type":"collection","entry":[
			{"fullUrl":"http://example.net/fhir/Patient/1","resource":{"resourceType":"Patient","id":"1"` + meta + `}},
			{"fullUrl":"http://example.net/fhir/Observation/2","resource":{"resourceType":"Observation","id":"2","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1/_history/3"}}}]}`
	}
	msg := "states no meta.versionId"
	It("warns that the entry should declare its version", func() {
		Expect(bundleFindings(e, bundle(""))).To(ContainElement(saying(model.Warning, profile.CodeReference, "Observation.subject.reference", msg)))
	})
	It("says nothing of the kind when the entry states a version", func() {
		Expect(bundleFindings(e, bundle(`,"meta":{"versionId":"3"}`))).NotTo(ContainElement(HaveField("Message", ContainSubstring(msg))))
		Expect(bundleFindings(e, bundle(`,"meta":{"versionId":"2"}`))).NotTo(ContainElement(HaveField("Message", ContainSubstring(msg))))
	})
})

var _ = Describe("a definition's status that its standards status allows but makes unusual", func() {
	e := newEngine()
	def := func(status, standards string) string {
		return `{"resourceType":"ValueSet","url":"http://example.net/vs/a","name":"A","status":"` + status + `",
			"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status","valueCode":"` + standards + `"}]}`
	}
	notes := func(src string) []model.Finding {
		var out []model.Finding
		for _, f := range e.ValidateRecord(record(src), "", nil) {
			if f.Code == profile.CodeCanonicalResource {
				out = append(out, f)
			}
		}
		return out
	}
	DescribeTable("is information, below the warning of a contradiction",
		func(status, standards string, sev model.Severity) {
			fs := notes(def(status, standards))
			if sev < 0 {
				Expect(fs).To(BeEmpty())
				return
			}
			Expect(fs).To(ConsistOf(at(sev, profile.CodeCanonicalResource, "ValueSet.status")))
		},
		Entry("trial-use and active", "active", "trial-use", model.Severity(-1)),
		Entry("trial-use but draft", "draft", "trial-use", model.Information),
		Entry("informative and retired", "retired", "informative", model.Information),
		Entry("external and draft", "draft", "external", model.Severity(-1)),
		Entry("normative but draft (a contradiction)", "draft", "normative", model.Warning),
	)
})
