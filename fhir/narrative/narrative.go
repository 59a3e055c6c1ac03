// Package narrative checks FHIR narrative XHTML (Narrative.div, the xhtml
// type) against the rules of the FHIR R4 specification (narrative.html#xhtml,
// constraints txt-1 and txt-2): well-formed XML whose root is a div in the
// XHTML namespace; only the basic HTML formatting elements and attributes of
// chapters 7-11 and 15 of HTML 4.0, <a>, images and style attributes (no
// scripts, forms, frames, objects or event attributes such as onclick); no
// entities beyond XML's own, since a narrative has no DTD to define &nbsp; or
// &reg;; and some non-whitespace content. It is used both by the profile
// validator and by FHIRPath's htmlChecks(). MarkdownTag finds the HTML that
// FHIR markdown should not embed.
package narrative

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"unicode"
)

// XHTMLNamespace is the namespace every narrative element belongs to.
const XHTMLNamespace = "http://www.w3.org/1999/xhtml"

// xmlNamespace is what encoding/xml resolves the reserved xml: prefix to.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// Kind classifies a problem.
type Kind int

const (
	// Syntax: the text is not well-formed XML.
	Syntax Kind = iota
	// Root: the outermost element is not a div in the XHTML namespace, or
	// there is something besides it.
	Root
	// ForeignElement: an inner element is not in the XHTML namespace.
	ForeignElement
	// Element: an element the narrative rules do not allow (script, form...).
	Element
	// Attribute: an attribute the narrative rules do not allow (onclick...).
	Attribute
	// Doctype: a DOCTYPE or other markup declaration.
	Doctype
	// Entity: an entity reference XML does not define (&nbsp;, &reg;).
	Entity
	// Script: a link or image source that runs a script (javascript:).
	Script
)

// Problem is one thing wrong with a narrative.
type Problem struct {
	Kind Kind
	// Name is the element, attribute or entity at fault ("script",
	// "onclick", "&reg;"), empty for syntax and root problems.
	Name string
	// Message says what is wrong and what to do, naming the culprit.
	Message string
}

// Result is what checking one narrative found.
type Result struct {
	// Problems lists each distinct problem once, in document order.
	Problems []Problem
	// WellFormed is true when the XML parsed (possibly after the invalid
	// entities were set aside); Content is only meaningful then.
	WellFormed bool
	// Content is true when the narrative holds non-whitespace text or an
	// image with a source (txt-2).
	Content bool
	// Links are the hyperlinks (<a href>) and image sources (<img src>), in
	// document order, for checks that need the resource (#id targets).
	Links []Link
	// IDs are the anchors links may point at: id attributes and <a name>.
	IDs []string
	// DuplicateIDs are the anchors given more than once.
	DuplicateIDs []string
	// Parts are the children of the root div, listed by CheckSections for
	// the rules a profile sets on narrative sections (their source class,
	// their language); a div that is not well-formed has those before the
	// fault.
	Parts []Part
	// XMLSpace is true when an element carries xml:space: legal, but its
	// one value (preserve) is what XHTML already does, so it says nothing.
	XMLSpace bool
}

// NamesOK reports whether every element and attribute is one the narrative
// rules allow and there is no DOCTYPE: the check of txt-1 (FHIRPath
// htmlChecks()). Syntax, entity and root problems are not part of it; they
// are faults of the XHTML itself, reported as such.
func (r Result) NamesOK() bool {
	for _, p := range r.Problems {
		switch p.Kind {
		case Element, Attribute, ForeignElement, Doctype:
			return false
		}
	}
	return true
}

// HasContent reports txt-2: the narrative has some non-whitespace content.
// A narrative that is not well-formed is not judged here (its syntax problem
// is the finding).
func (r Result) HasContent() bool { return !r.WellFormed || r.Content }

// OK reports whether the narrative has no problem and some content.
func (r Result) OK() bool { return len(r.Problems) == 0 && r.HasContent() }

// elements are the elements a narrative may use: those the txt-1 XPath of
// the R4 specification lists, plus address, bdo, kbd, map and area, which
// are in the HTML 4.0 chapters txt-1 names and which the reference validator
// accepts too.
var elements = set("a", "abbr", "acronym", "address", "area", "b", "bdo", "big", "blockquote", "br",
	"caption", "cite", "code", "col", "colgroup", "dd", "dfn", "div", "dl", "dt", "em",
	"h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "map", "ol", "p", "pre",
	"q", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
	"th", "thead", "tr", "tt", "ul", "var")

// attributes may appear on any allowed element: the txt-1 XPath's list.
var attributes = set("abbr", "accesskey", "align", "alt", "axis", "bgcolor", "border", "cellhalign",
	"cellpadding", "cellspacing", "cellvalign", "char", "charoff", "charset", "cite", "class",
	"colspan", "compact", "coords", "dir", "frame", "headers", "height", "href", "hreflang",
	"hspace", "id", "lang", "longdesc", "name", "nowrap", "rel", "rev", "rowspan", "rules",
	"scope", "shape", "span", "src", "start", "style", "summary", "tabindex", "title", "type",
	"valign", "value", "vspace", "width")

// onElement are the element-specific attributes of HTML 4.0 that the
// reference validator accepts beyond that list.
var onElement = set("img.usemap", "img.ismap", "area.nohref", "pre.space")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Check checks one narrative (the JSON value of Narrative.div, or the XHTML
// text of an XML narrative).
func Check(div string) Result {
	var c checker
	return c.check(div)
}

// CheckSections is Check that also lists the top-level parts of the div
// (Result.Parts), for the rules a profile sets on narrative sections: one
// parse for both.
func CheckSections(div string) Result {
	c := checker{sections: true}
	return c.check(div)
}

func (c *checker) check(div string) Result {
	text := c.entities(div)
	c.parse(text)
	for i := range c.res.Problems {
		p := &c.res.Problems[i]
		if n := c.seen[problemKey(p.Kind, p.Name)]; n > 1 {
			p.Message += fmt.Sprintf(" (%d times)", n)
		}
	}
	return c.res
}

type checker struct {
	res Result
	// seen counts each distinct problem, so that a narrative with a hundred
	// <font> elements yields one problem, not a hundred.
	seen map[string]int
	// declared holds the namespaces the narrative declares; encoding/xml
	// leaves an undeclared prefix as the element's namespace.
	declared map[string]bool
	// rootPrefix is the undeclared prefix of the root div ("h" of <h:div>,
	// declared by an ancestor in an XML resource): the elements that share
	// it are judged as XHTML once the root is reported.
	rootPrefix string
	// open are the names of the elements being read, the root first.
	open []string
	// sections is set to list the top-level parts; part is the one being
	// read, and partText its text so far, one buffer for every part.
	sections bool
	part     *Part
	partText []byte
}

// endPart ends the child of the root being read, if any.
func (c *checker) endPart() {
	if c.part == nil {
		return
	}
	c.part.Text = string(c.partText)
	c.part, c.partText = nil, c.partText[:0]
}

// declare records the namespace declarations of an element.
func (c *checker) declare(t xml.StartElement) {
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			if c.declared == nil {
				c.declared = map[string]bool{}
			}
			c.declared[a.Value] = true
		}
	}
}

// undeclared reports whether a namespace is a prefix the narrative never
// declares.
func (c *checker) undeclared(space string) bool { return space != "" && !c.declared[space] }

func problemKey(k Kind, name string) string { return fmt.Sprintf("%d\x00%s", k, name) }

func (c *checker) add(k Kind, name, msg string) {
	key := problemKey(k, name)
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[key]++
	if c.seen[key] == 1 {
		c.res.Problems = append(c.res.Problems, Problem{Kind: k, Name: name, Message: msg})
	}
}

// xmlEntities are the only named entities XML defines without a DTD.
var xmlEntities = set("lt", "gt", "amp", "quot", "apos")

// entities reports every entity reference XML does not define, and returns
// the text with those references escaped (&reg; becomes &amp;reg;) so the
// rest of the narrative can still be parsed strictly. Comments, CDATA
// sections and processing instructions are skipped: no entity is expanded
// there.
func (c *checker) entities(s string) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			for _, skip := range [][2]string{{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}} {
				if strings.HasPrefix(s[i:], skip[0]) {
					end := strings.Index(s[i+len(skip[0]):], skip[1])
					if end < 0 {
						return c.escaped(b, s, last) // unterminated: the parser reports it
					}
					i += len(skip[0]) + end + len(skip[1]) - 1
					break
				}
			}
		case '&':
			ref, ok := entityAt(s[i:])
			if ok {
				i += len(ref) - 1
				continue
			}
			c.badEntity(ref)
			if b == nil {
				b = &strings.Builder{}
				b.Grow(len(s) + 16)
			}
			b.WriteString(s[last:i])
			b.WriteString("&amp;")
			last = i + 1
		}
	}
	return c.escaped(b, s, last)
}

func (c *checker) escaped(b *strings.Builder, s string, last int) string {
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// entityAt reads the reference at the start of s ("&...;") and reports
// whether XML defines it: the five XML entities and numeric character
// references. When it is not valid, ref is what to name in the message.
func entityAt(s string) (ref string, ok bool) {
	end := 1
	for end < len(s) && end < 40 && s[end] != ';' && s[end] != '&' && s[end] != '<' && !isSpace(s[end]) {
		end++
	}
	if end >= len(s) || s[end] != ';' {
		return s[:1], false // a bare '&'
	}
	ref = s[:end+1]
	name := s[1:end]
	switch {
	case xmlEntities[name]:
		return ref, true
	case strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X"):
		return ref, len(name) > 2 && strings.Trim(name[2:], "0123456789abcdefABCDEF") == ""
	case strings.HasPrefix(name, "#"):
		return ref, len(name) > 1 && strings.Trim(name[1:], "0123456789") == ""
	}
	return ref, false
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

func (c *checker) badEntity(ref string) {
	if ref == "&" {
		c.add(Entity, "&", "the narrative has an '&' that does not start an entity reference: write it as &amp;")
		return
	}
	msg := fmt.Sprintf("the narrative uses the entity %s, which XHTML without a DTD does not define (only &lt; &gt; &amp; &quot; &apos; and numeric references are allowed)", ref)
	if ch := html.UnescapeString(ref); ch != ref && ch != "" {
		var refs []string
		visible := true
		for _, r := range ch {
			refs = append(refs, fmt.Sprintf("&#%d;", r))
			visible = visible && unicode.IsGraphic(r) && !unicode.IsSpace(r)
		}
		if visible {
			msg += fmt.Sprintf(": write the character %s itself or %s", ch, strings.Join(refs, ""))
		} else {
			msg += fmt.Sprintf(": write %s instead", strings.Join(refs, ""))
		}
	}
	c.add(Entity, ref, msg)
}

// parse reads the XML strictly and checks its elements and attributes.
func (c *checker) parse(s string) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	depth, roots := 0, 0
	textOutside := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.endPart()
			c.add(Syntax, "", "the narrative is not well-formed XHTML: "+syntaxText(err))
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			c.declare(t)
			if depth == 0 {
				roots++
				c.root(t, roots)
				c.attributes(t)
			} else {
				c.nest(t.Name.Local)
				if c.element(t) {
					c.attributes(t) // a banned element's attributes do not matter
				}
			}
			c.open = append(c.open, t.Name.Local)
			if t.Name.Local == "img" && hasAttr(t, "src") {
				c.res.Content = true
			}
			if c.sections && depth == 1 {
				c.res.Parts = append(c.res.Parts, topLevel(t))
				c.part = &c.res.Parts[len(c.res.Parts)-1]
			}
			if c.part != nil && t.Name.Local == "img" {
				c.part.Content = true
			}
			depth++
		case xml.EndElement:
			depth--
			c.open = c.open[:len(c.open)-1]
			if depth == 1 {
				c.endPart()
			}
		case xml.CharData:
			text := bytes.TrimSpace(t)
			switch {
			case c.sections && depth == 1 && len(text) > 0:
				c.res.Parts = append(c.res.Parts, Part{Content: true, Text: string(text)})
			case depth >= 2 && c.part != nil:
				c.partText = append(c.partText, t...)
				c.part.Content = c.part.Content || len(text) > 0
			}
			if len(text) == 0 {
				continue
			}
			if depth == 0 {
				textOutside = true
				continue
			}
			c.res.Content = true
			c.textIn()
		case xml.Directive:
			c.add(Doctype, "DOCTYPE", "the narrative has a markup declaration (<!"+firstWord(string(t))+" ...>): a narrative may not have a DOCTYPE or other declaration")
		case xml.ProcInst:
			if t.Target == "xml" && roots == 0 {
				continue // an XML declaration before the div
			}
			c.add(Syntax, "<?"+t.Target, fmt.Sprintf("the narrative has a processing instruction (<?%s ...?>), which narratives may not hold", t.Target))
		}
	}
	if roots == 0 {
		c.add(Root, "", `the narrative has no element: it must be a <div xmlns="http://www.w3.org/1999/xhtml">`)
		return
	}
	if textOutside {
		c.add(Root, "#text", "the narrative has text outside its div: everything must be inside the one root div")
	}
	c.res.WellFormed = true
}

func hasAttr(t xml.StartElement, name string) bool {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return true
		}
	}
	return false
}

func syntaxText(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func (c *checker) root(t xml.StartElement, n int) {
	switch {
	case n > 1:
		c.add(Root, "+"+t.Name.Local, fmt.Sprintf("the narrative has a second top-level element <%s>: everything must be inside the one root div", t.Name.Local))
	case t.Name.Local != "div":
		c.add(Root, t.Name.Local, fmt.Sprintf("the narrative's root element is <%s>: it must be a div", t.Name.Local))
	case t.Name.Space == XHTMLNamespace:
	case c.undeclared(t.Name.Space):
		c.rootPrefix = t.Name.Space
		c.add(Root, "div", fmt.Sprintf(`the narrative's div does not declare the XHTML namespace (it uses the prefix %s:, declared elsewhere or not at all): write <div xmlns="%s">`, t.Name.Space, XHTMLNamespace))
	default:
		ns := t.Name.Space
		if ns == "" {
			ns = "no namespace"
		}
		c.add(Root, "div", fmt.Sprintf(`the narrative's div is in %s: it must declare the XHTML namespace, xmlns="%s"`, ns, XHTMLNamespace))
	}
}

// element checks an inner element and reports whether it is allowed.
func (c *checker) element(t xml.StartElement) bool {
	name := t.Name.Local
	switch {
	case t.Name.Space == XHTMLNamespace || t.Name.Space == c.rootPrefix && c.rootPrefix != "":
	case c.undeclared(t.Name.Space):
		c.add(ForeignElement, name, fmt.Sprintf("the narrative has the element <%s:%s>, whose prefix it does not declare: narrative elements must be XHTML (%s)", t.Name.Space, name, XHTMLNamespace))
		return false
	default:
		c.add(ForeignElement, name, fmt.Sprintf("the narrative has the element <%s> in the namespace %q: narrative elements must be XHTML (%s)", name, t.Name.Space, XHTMLNamespace))
		return false
	}
	if !elements[name] {
		c.add(Element, name, fmt.Sprintf("the narrative has the element <%s>, which FHIR narratives may not use: only basic HTML formatting is allowed (no scripts, forms, frames, objects or embedded styles)", name))
		return false
	}
	return true
}

func (c *checker) attributes(t xml.StartElement) {
	el := t.Name.Local
	id := ""
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch {
		case a.Name.Local == "id":
			id = a.Value
			c.anchor(a.Value)
		case el == "a" && a.Name.Local == "href", el == "img" && a.Name.Local == "src":
			c.link(el, a.Name.Local, a.Value)
		}
	}
	if el == "a" {
		for _, a := range t.Attr {
			if a.Name.Space == "" && a.Name.Local == "name" && a.Value != id {
				c.anchor(a.Value)
			}
		}
	}
	for _, a := range t.Attr {
		name := a.Name.Local
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && name == "xmlns"):
			continue // namespace declarations
		case a.Name.Space == xmlNamespace:
			if name == "space" {
				c.res.XMLSpace = true
			}
			if name == "lang" || name == "space" {
				continue
			}
			name = "xml:" + name
		case a.Name.Space != "":
			name = a.Name.Space + ":" + name
		case attributes[name] || onElement[el+"."+name]:
			if (name == "href" || name == "src") && isScriptURL(a.Value) {
				c.add(Script, name, fmt.Sprintf("the narrative's <%s> has %s=%q, which runs a script: narratives may not hold scripts", el, name, clip(a.Value)))
			}
			continue
		}
		why := "only the basic HTML formatting attributes and style are allowed"
		if strings.HasPrefix(strings.ToLower(name), "on") {
			why = "event attributes such as onclick run scripts, which narratives may not hold"
		}
		c.add(Attribute, el+"@"+name, fmt.Sprintf("the narrative's <%s> has the attribute %s, which FHIR narratives may not use: %s", el, name, why))
	}
}

func isScriptURL(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
