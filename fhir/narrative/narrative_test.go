package narrative_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/narrative"
	"github.com/carecert/carecert/fhir/r4core"
	"github.com/carecert/carecert/internal/sharedtest"
)

// div wraps content in a narrative root div.
func div(content string) string {
	return `<div xmlns="http://www.w3.org/1999/xhtml">` + content + `</div>`
}

// problem matches a problem by kind and culprit, with a message naming it.
func problem(kind narrative.Kind, name, inMessage string) OmegaMatcher {
	return And(
		WithTransform(func(p narrative.Problem) narrative.Kind { return p.Kind }, Equal(kind)),
		WithTransform(func(p narrative.Problem) string { return p.Name }, Equal(name)),
		WithTransform(func(p narrative.Problem) string { return p.Message }, ContainSubstring(inMessage)),
	)
}

// divs collects every Narrative.div string in a JSON document.
func divs(v any, into *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "div" {
				*into = append(*into, s)
				continue
			}
			divs(e, into)
		}
	case []any:
		for _, e := range x {
			divs(e, into)
		}
	}
}

func divsOf(data []byte) []string {
	var v any
	Expect(json.Unmarshal(data, &v)).To(Succeed())
	var out []string
	divs(v, &out)
	return out
}

var _ = Describe("Check", func() {
	It("accepts the basic formatting the rules allow", func() {
		r := narrative.Check(div(`<p class="x" style="color: red">A <b>bold</b> &amp; <i>italic</i> &#174; &#x00AE; &lt;tag&gt;</p>` +
			`<table border="1" cellpadding="2"><tr><th colspan="2">h</th></tr><tr><td>1</td><td nowrap="nowrap">2</td></tr></table>` +
			`<a name="n1"> </a><a href="https://example.org/x?a=1&amp;b=2">link</a><img src="x.png" alt="x"/>` +
			`<ul><li xml:lang="en">one</li></ul><!-- a comment with &nbsp; is not parsed for entities --><br/>`))
		Expect(r.Problems).To(BeEmpty())
		Expect(r.WellFormed).To(BeTrue())
		Expect(r.NamesOK()).To(BeTrue())
		Expect(r.HasContent()).To(BeTrue())
		Expect(r.OK()).To(BeTrue())
	})

	DescribeTable("elements and attributes outside the narrative rules (txt-1)",
		func(content string, kind narrative.Kind, name, inMessage string) {
			r := narrative.Check(div("text " + content))
			Expect(r.Problems).To(ConsistOf(problem(kind, name, inMessage)))
			Expect(r.NamesOK()).To(BeFalse())
			Expect(r.WellFormed).To(BeTrue())
		},
		Entry("script", `<script>alert(1)</script>`, narrative.Element, "script", "<script>"),
		Entry("a form", `<form action="https://example.org/">name?</form>`, narrative.Element, "form", "<form>"),
		Entry("an iframe", `<iframe src="x"/>`, narrative.Element, "iframe", "<iframe>"),
		Entry("an object", `<object data="x"></object>`, narrative.Element, "object", "<object>"),
		Entry("an event attribute", `<p onclick="steal()">x</p>`, narrative.Attribute, "p@onclick", "event attributes such as onclick"),
		Entry("an unknown attribute", `<span data-x="1">x</span>`, narrative.Attribute, "span@data-x", "the attribute data-x"),
		Entry("an element of another namespace", `<svg xmlns="http://www.w3.org/2000/svg"/>`, narrative.ForeignElement, "svg", "http://www.w3.org/2000/svg"),
	)

	It("names each bad element once, with how often it occurs", func() {
		r := narrative.Check(div(`<font>a</font><p><font>b</font></p><center>c</center>`))
		Expect(r.Problems).To(HaveExactElements(
			problem(narrative.Element, "font", "<font>, which FHIR narratives may not use"),
			problem(narrative.Element, "center", "<center>"),
		))
		Expect(r.Problems[0].Message).To(HaveSuffix("(2 times)"))
	})

	It("refuses links and images that run scripts", func() {
		r := narrative.Check(div(`<a href=" JavaScript:alert(1)">x</a>`))
		Expect(r.Problems).To(ConsistOf(problem(narrative.Script, "href", `href=" JavaScript:alert(1)"`)))
		Expect(r.NamesOK()).To(BeTrue(), "the names are allowed: the link itself is the fault")
	})

	DescribeTable("entities: only XML's own and numeric references, since a narrative has no DTD",
		func(content, name, inMessage string) {
			r := narrative.Check(div(content))
			Expect(r.Problems).To(ConsistOf(problem(narrative.Entity, name, inMessage)))
			Expect(r.WellFormed).To(BeTrue(), "the rest is still parsed")
			Expect(r.NamesOK()).To(BeTrue(), "an entity does not break txt-1")
		},
		Entry("an HTML entity, with the character to write instead", `CPT&reg;`, "&reg;", "write the character ® itself or &#174;"),
		Entry("an invisible one, with the numeric reference", `a&nbsp;b`, "&nbsp;", "write &#160; instead"),
		Entry("an unknown name", `&bogus;`, "&bogus;", "does not define"),
		Entry("a bare ampersand", `AT&T`, "&", "write it as &amp;"),
		Entry("in an attribute value", `<a href="x?a=1&b=2">x</a>`, "&", "does not start an entity reference"),
	)

	It("requires one root div in the XHTML namespace", func() {
		Expect(narrative.Check(`<div>x</div>`).Problems).To(ConsistOf(problem(narrative.Root, "div", `must declare the XHTML namespace, xmlns="http://www.w3.org/1999/xhtml"`)))
		Expect(narrative.Check(`<p xmlns="http://www.w3.org/1999/xhtml">x</p>`).Problems).To(ConsistOf(problem(narrative.Root, "p", "root element is <p>: it must be a div")))
		Expect(narrative.Check(div("x") + `<p/>`).Problems).To(ConsistOf(problem(narrative.Root, "+p", "second top-level element <p>")))
		Expect(narrative.Check(div("x") + ` tail`).Problems).To(ConsistOf(problem(narrative.Root, "#text", "text outside its div")))
		Expect(narrative.Check(`plain text`).Problems).To(ConsistOf(problem(narrative.Root, "", "has no element")))
		Expect(narrative.Check(`<?xml version="1.0"?>` + div("x")).Problems).To(BeEmpty())
		Expect(narrative.Check(`<h:div xmlns:h="http://www.w3.org/1999/xhtml"><h:p>x</h:p></h:div>`).Problems).To(BeEmpty())
	})

	It("reports a div whose prefix is declared elsewhere (an ancestor in XML) once, and judges its elements as XHTML", func() {
		r := narrative.Check(`<h:div><h:p>x</h:p><h:script/><o:p>y</o:p></h:div>`)
		Expect(r.Problems).To(HaveExactElements(
			problem(narrative.Root, "div", `does not declare the XHTML namespace (it uses the prefix h:`),
			problem(narrative.Element, "script", "<script>"),
			problem(narrative.ForeignElement, "p", "<o:p>, whose prefix it does not declare"),
		))
	})

	It("reports XML that is not well-formed, and judges nothing else of it", func() {
		r := narrative.Check(div(`<p>unclosed`))
		Expect(r.Problems).To(ConsistOf(problem(narrative.Syntax, "", "not well-formed XHTML: element <p> closed by </div>")))
		Expect(r.WellFormed).To(BeFalse())
		Expect(r.HasContent()).To(BeTrue())
		Expect(r.NamesOK()).To(BeTrue())
		Expect(narrative.Check(div(`<!DOCTYPE html>x`)).Problems).To(ContainElement(problem(narrative.Doctype, "DOCTYPE", "may not have a DOCTYPE")))
	})

	It("requires some non-whitespace content (txt-2): text or an image", func() {
		Expect(narrative.Check(div(" \n <p> </p> ")).HasContent()).To(BeFalse())
		Expect(narrative.Check(div(" \n <p> </p> ")).OK()).To(BeFalse())
		Expect(narrative.Check(div(`<img src="scan.png"/>`)).HasContent()).To(BeTrue())
		Expect(narrative.Check(div(`<img alt="no source"/>`)).HasContent()).To(BeFalse())
	})

	It("accepts every narrative of the FHIR R4 specification's own definitions", func() {
		var all []string
		for _, name := range []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers} {
			data, err := r4core.ReadFile(name)
			Expect(err).NotTo(HaveOccurred())
			all = append(all, divsOf(data)...)
		}
		Expect(len(all)).To(BeNumerically(">", 100))
		for _, d := range all {
			Expect(narrative.Check(d).Problems).To(BeEmpty(), d[:min(len(d), 200)])
		}
	})

	It("accepts every Synthea narrative, and finds what the reference validator finds in the public cases", func() {
		files, err := filepath.Glob(sharedtest.Path("corpus", "synthea-r4", "*.json"))
		Expect(err).NotTo(HaveOccurred())
		n := 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			for _, d := range divsOf(data) {
				n++
				Expect(narrative.Check(d).OK()).To(BeTrue(), d)
			}
		}
		Expect(n).To(BeNumerically(">", 100))

		data, err := os.ReadFile(sharedtest.Path("conformance-cases", "cases", "pat-security-bad-xhtml.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(narrative.Check(divsOf(data)[0]).Problems).To(ConsistOf(problem(narrative.Element, "script", "<script>")))
		data, err = os.ReadFile(sharedtest.Path("conformance-cases", "cases", "xml-bad-entities.json"))
		Expect(err).NotTo(HaveOccurred())
		data = []byte(strings.TrimPrefix(string(data), "\uFEFF"))
		Expect(narrative.Check(divsOf(data)[0]).Problems).To(ConsistOf(problem(narrative.Entity, "&reg;", "&reg;")))
	})
})

var _ = Describe("MarkdownTag", func() {
	DescribeTable("finds the first tag as CommonMark reads one",
		func(markdown, want string) {
			tag, ok := narrative.MarkdownTag(markdown)
			Expect(ok).To(Equal(want != ""), markdown)
			Expect(tag).To(Equal(want), markdown)
		},
		Entry("the public case's placeholder", `<resource type>\<id>`, "<resource type>"),
		Entry("an element with quoted and bare attributes", `a <span class="x" id=y hidden>b</span>`, `<span class="x" id=y hidden>`),
		Entry("a void element", `line<br/>break`, "<br/>"),
		Entry("a closing tag", `done </p >`, "</p >"),
		Entry("a comment", `x <!-- note --> y`, "<!-- note -->"),
		Entry("a tag after a code span", "`<b>` then <i>", "<i>"),
		Entry("comparisons", `x < 5 and <5 mg`, ""),
		Entry("an autolink", `<https://example.org/a?b=1>`, ""),
		Entry("an unterminated attribute", `<a href="x`, ""),
		Entry("an escaped bracket", `\<b>`, ""),
		Entry("a long tag, clipped", `<p title="`+strings.Repeat("x", 60)+`">`, `<p title="`+strings.Repeat("x", 30)+"…"),
	)
})

var _ = Describe("the top-level parts of a narrative", func() {
	It("lists each section, its language and class, and text outside sections", func() {
		parts := narrative.CheckSections(div(`<div xml:lang="en" class="a b">Hello</div>loose<div xml:lang="fr"><img src="#x"/></div>`)).Parts
		Expect(parts).To(HaveLen(3))
		Expect(parts[0]).To(Equal(narrative.Part{Element: "div", Lang: "en", Classes: []string{"a", "b"}, Content: true, Text: "Hello"}))
		Expect(parts[1]).To(Equal(narrative.Part{Content: true, Text: "loose"}))
		Expect(parts[2].Lang).To(Equal("fr"))
		Expect(parts[2].Content).To(BeTrue())
	})

	It("reads past an entity XML does not define, which it reports, instead of stopping there", func() {
		d := div(`<div xml:lang="en">A&nbsp;B</div><div xml:lang="fr">C</div>`)
		res := narrative.CheckSections(d)
		Expect(narrative.Check(d).Parts).To(BeNil(), "Check lists no parts")
		checked := res
		checked.Parts = nil
		Expect(checked).To(Equal(narrative.Check(d)), "the same check, with the parts")
		Expect(res.Problems).To(ConsistOf(problem(narrative.Entity, "&nbsp;", "&nbsp;")))
		var langs []string
		for _, p := range res.Parts {
			langs = append(langs, p.Lang)
		}
		Expect(langs).To(Equal([]string{"en", "fr"}))
	})
})
