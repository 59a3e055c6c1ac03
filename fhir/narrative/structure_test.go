package narrative_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir/narrative"
)

var _ = Describe("how narrative elements nest", func() {
	DescribeTable("rejects what the HTML content model does not allow",
		func(content, name string) {
			r := narrative.Check(div(content))
			Expect(r.Problems).To(ConsistOf(problem(narrative.Structure, name, "")))
			Expect(r.NamesOK()).To(BeTrue(), "nesting is not txt-1's concern")
		},
		Entry("a list inside a paragraph", `<p>see <ul><li>x</li></ul></p>`, "p>ul"),
		Entry("a paragraph inside a paragraph", `<p>a <p>b</p></p>`, "p>p"),
		Entry("a table inside a span", `<span><table><tr><td>x</td></tr></table></span>`, "span>table"),
		Entry("a list item outside a list", `<li>x</li>`, "div>li"),
		Entry("a cell outside a row", `<table><td>x</td></table>`, "table>td"),
		Entry("text directly in a row", `<table><tr>x</tr></table>`, "tr>#text"),
		Entry("a line break with content", `<p>a<br>b</br></p>`, "br>#text"),
		Entry("bold inside bold", `<p><b>a <b>b</b></b></p>`, "b>b"),
	)

	It("accepts ordinary nesting", func() {
		r := narrative.Check(div(`<p>Ann <b>Smith</b> <a href="#x">see</a><br/></p><div><p>x</p><ul><li><p>y</p></li></ul></div>
			<table><thead><tr><th>h</th></tr></thead><tbody><tr><td><div>z</div></td></tr></tbody></table><dl><dt>t</dt><dd>d</dd></dl>`))
		Expect(r.Problems).To(BeEmpty())
	})
})

var _ = Describe("narrative links, images and anchors", func() {
	It("lists links and images and the anchors they may point at", func() {
		r := narrative.Check(div(`<p id="a"><a name="top"/><a href="#a">x</a><img src="#b"/></p><p id="b">y</p>`))
		Expect(r.Links).To(Equal([]narrative.Link{{Element: "a", Attr: "href", Value: "#a"}, {Element: "img", Attr: "src", Value: "#b"}}))
		Expect(r.IDs).To(ConsistOf("a", "top", "b"))
		Expect(r.DuplicateIDs).To(BeEmpty())
	})

	It("notes anchors given twice, but not an <a> whose name is its id", func() {
		r := narrative.Check(div(`<p id="a">x</p><p id="a">y</p><a id="n" name="n">z</a>`))
		Expect(r.DuplicateIDs).To(Equal([]string{"a"}))
	})

	It("rejects URLs with characters a URL may not have, empty links and malformed data: URLs", func() {
		r := narrative.Check(div(`<p><a href="http://example.org/a b">x</a><a href="">y</a><img src="data:image/png;base64,@@"/></p>`))
		Expect(r.Problems).To(ConsistOf(
			problem(narrative.URL, "a@href:http://example.org/a b", "' '"),
			problem(narrative.URL, "a@href=", "empty"),
			problem(narrative.URL, "data:", "base64"),
		))
		ok := narrative.Check(div(`<p><a href="http://example.org/a%20b?x=1&amp;y=(2)#f">x</a><img src="data:image/png;base64,iVBORw0KGgo="/><a href="https://example.org/ünïcode">u</a></p>`))
		Expect(ok.Problems).To(BeEmpty())
	})

	DescribeTable("a data: URL's media type, as RFC 2397 allows it",
		func(src string, valid bool) {
			r := narrative.Check(div(`<p><img src="` + src + `"/></p>`))
			if valid {
				Expect(r.Problems).To(BeEmpty())
			} else {
				Expect(r.Problems).To(ConsistOf(problem(narrative.URL, "data:", "media type")))
			}
		},
		Entry("type/subtype", "data:image/png;base64,iVBORw0KGgo=", true),
		Entry("with a parameter", "data:text/plain;charset=utf-8,hello", true),
		Entry("none (text/plain is meant)", "data:,hello", true),
		Entry("parameters alone", "data:;charset=utf-8,hello", true),
		Entry("none, base64", "data:;base64,aGVsbG8=", true),
		Entry("no slash", "data:imagepng;base64,iVBORw0KGgo=", false),
		Entry("no subtype", "data:image/;base64,iVBORw0KGgo=", false),
		Entry("a space in the type", "data:image png;base64,iVBORw0KGgo=", false),
		Entry("a parameter with no value", "data:text/plain;charset,hello", false),
	)
})
