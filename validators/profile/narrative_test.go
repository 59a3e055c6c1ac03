package profile_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/internal/sharedtest"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/profile"
)

// patientWithNarrative is a Patient whose narrative div is div.
func patientWithNarrative(div string) string {
	return `{"resourceType": "Patient", "id": "p1", "text": {"status": "generated", "div": ` + strconv.Quote(div) + `}}`
}

// communicationNote is a Communication whose note is the markdown text.
func communicationNote(text string) string {
	return `{"resourceType": "Communication", "id": "c1", "status": "completed", "note": [{"text": ` + strconv.Quote(text) + `}]}`
}

func findingMessages(fs []model.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Message)
	}
	return out
}

var _ = Describe("narratives (xhtml)", func() {
	e := newEngine()

	It("finds nothing wrong with a narrative of basic formatting", func() {
		Expect(validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><p>Ann <b>Smith</b>, born 1970 &#8212; see <a href="https://example.org/p1">record</a></p><table><tr><td style="color: red">x</td></tr></table></div>`))).To(BeEmpty())
	})

	It("reports a script as breaking txt-1, and names the element", func() {
		fs := validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml">text <script>steal()</script></div>`))
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeInvariant, "Patient.text.div"),
			at(model.Error, profile.CodeNarrative, "Patient.text.div"),
		))
		Expect(findingMessages(fs)).To(ConsistOf(
			ContainSubstring("constraint txt-1 failed"),
			ContainSubstring("the narrative has the element <script>, which FHIR narratives may not use"),
		))
	})

	It("reports an event attribute by name", func() {
		fs := validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="steal()">x</p></div>`))
		Expect(fs).To(ConsistOf(
			at(model.Error, profile.CodeInvariant, "Patient.text.div"),
			at(model.Error, profile.CodeNarrative, "Patient.text.div"),
		))
		Expect(findingMessages(fs)).To(ContainElement(ContainSubstring("<p> has the attribute onclick")))
	})

	It("reports an HTML entity, which XHTML without a DTD does not define, once and not as txt-1", func() {
		fs := validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml">CPT&reg; codes</div>`))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeNarrative, "Patient.text.div")))
		Expect(fs[0].Message).To(ContainSubstring("the entity &reg;, which XHTML without a DTD does not define"))
		Expect(fs[0].Message).To(ContainSubstring("&#174;"))
	})

	It("reports a narrative without content (txt-2), a missing namespace and bad XML", func() {
		fs := validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml">  <p/> </div>`))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeInvariant, "Patient.text.div")))
		Expect(fs[0].Message).To(ContainSubstring("constraint txt-2 failed"))

		fs = validate(e, patientWithNarrative(`<div>x</div>`))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeNarrative, "Patient.text.div")))
		Expect(fs[0].Message).To(ContainSubstring(`must declare the XHTML namespace`))

		fs = validate(e, patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml"><p>x</div>`))
		Expect(fs).To(ConsistOf(at(model.Error, profile.CodeNarrative, "Patient.text.div")))
		Expect(fs[0].Message).To(ContainSubstring("not well-formed XHTML: element <p> closed by </div>"))
	})

	It("evaluates txt-1 and txt-2 natively: never reported as not evaluated, even without a FHIRPath engine", func() {
		sink := &profile.Sink{}
		bad := record(patientWithNarrative(`<div xmlns="http://www.w3.org/1999/xhtml">x<script>steal()</script></div>`))
		fs := newEngineWithout().ValidateRecord(bad, "", sink)
		Expect(fs).To(ContainElement(at(model.Error, profile.CodeInvariant, "Patient.text.div")))
		Expect(sink.Unevaluated).NotTo(HaveKey("txt-1"))
		Expect(sink.Unevaluated).NotTo(HaveKey("txt-2"))
	})

	It("agrees with the reference validator on the public cases, at the narrative's line", func() {
		for file, want := range map[string][]string{
			"pat-security-bad-xhtml.json": {"constraint txt-1 failed", "the element <script>"},
			"xml-bad-entities.json":       {"the entity &reg;"},
		} {
			var fs []model.Finding
			Expect(fhir.ReadFile(sharedtest.Path("conformance-cases", "cases", file), func(r *model.Record) error {
				r.Load()
				for _, f := range e.ValidateRecord(r, "", nil) {
					if f.Severity == model.Error {
						fs = append(fs, f)
					}
				}
				return nil
			})).To(Succeed())
			var matchers []any
			for _, w := range want {
				matchers = append(matchers, ContainSubstring(w))
			}
			Expect(findingMessages(fs)).To(ConsistOf(matchers...), file)
			for _, f := range fs {
				Expect(f.Path).To(HaveSuffix(".text.div"), file)
				Expect(f.Line).To(Equal(6), file)
			}
		}
	})
})

var _ = Describe("markdown embedding HTML", func() {
	It("is a warning by default, naming the tag", func() {
		fs := validate(newEngine(), communicationNote(`<resource type>\<id>`))
		Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeMarkdown, "Communication.note[0].text")))
		Expect(fs[0].Message).To(ContainSubstring("embeds what looks like an HTML tag, <resource type>"))
	})

	It("is an error or nothing when the engine is set so", func() {
		defs, err := definitions.New(definitions.Options{Parent: core})
		Expect(err).NotTo(HaveOccurred())
		strict := profile.NewEngine(defs, profile.Options{MarkdownHTML: profile.MarkdownHTMLError})
		Expect(validate(strict, communicationNote(`see <b>this</b>`))).To(ConsistOf(at(model.Error, profile.CodeMarkdown, "Communication.note[0].text")))
		lax := profile.NewEngine(defs, profile.Options{MarkdownHTML: profile.MarkdownHTMLIgnore})
		Expect(validate(lax, communicationNote(`see <b>this</b>`))).To(BeEmpty())
	})

	DescribeTable("finds tags, comments and closing tags, not prose, autolinks, escapes or code",
		func(text string, tag bool) {
			fs := validate(newEngine(), communicationNote(text))
			if tag {
				Expect(fs).To(ConsistOf(at(model.Warning, profile.CodeMarkdown, "Communication.note[0].text")), text)
			} else {
				Expect(fs).To(BeEmpty(), text)
			}
		},
		Entry("an element", `take <b>two</b> tablets`, true),
		Entry("a void element", `line<br/>break`, true),
		Entry("attributes", `<span class="x" hidden>x</span>`, true),
		Entry("a closing tag alone", `done </p>`, true),
		Entry("a comment", `x <!-- hidden --> y`, true),
		Entry("comparisons", `if x < 5 and y > 3 then <5 mg`, false),
		Entry("an autolink", `see <https://example.org/a?b=1>`, false),
		Entry("an email autolink", `write to <gp@example.nhs.uk>`, false),
		Entry("an escaped bracket", `\<b> is bold`, false),
		Entry("a code span", "use `<b>` for bold", false),
		Entry("plain markdown", "**Take** _two_ tablets\n\n- daily", false),
	)
})
