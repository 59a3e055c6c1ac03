// Package fhirxml converts FHIR XML into the same in-memory form as FHIR JSON
// (map[string]any, numbers as json.Number), so every validator walks one model
// whatever the input format. The element definitions of R4 core decide what
// JSON would have: arrays for repeating elements, numbers and booleans for
// primitives of those types, "_name" objects for the id and extensions of
// primitives, the XHTML div as a string and contained resources unwrapped.
// A Document maps element paths back to lines of the XML. DecodeBundle reads
// a Bundle's entries one at a time, each converted alone (DecodeEntry) in
// the namespace bindings in scope at its start, so that a large Bundle is
// never held whole. Encode writes the
// JSON form back as FHIR XML, by the same definitions, and refuses what
// would not read back the same.
//
// What FHIR XML forbids in how a document is written, beyond what the JSON
// model can carry, is returned as Issues by DecodeDocument while the resource
// is still converted: elements out of the order of their definition,
// attributes FHIR does not define, id and url written as elements, processing
// instructions and CDATA sections, a resource element with no content. A
// DOCTYPE is refused outright and never read, so no entity it declares is
// expanded; only the five entities XML itself declares are known.
package fhirxml

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/internal/lineindex"
)

// Namespace is the FHIR XML namespace.
const Namespace = "http://hl7.org/fhir"

const xhtmlNamespace = "http://www.w3.org/1999/xhtml"

// SyntaxError is malformed or non-FHIR XML at a line.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Codes of the Issues: one per family of what FHIR XML forbids.
const (
	// CodeOrder is an element written before a sibling that its definition
	// puts first (R4 §2.6.1: elements appear in the order of the definition).
	CodeOrder = "input.xml-order"
	// CodeAttribute is an attribute FHIR does not define on the element (only
	// value on primitives, id on elements and url on extensions, besides
	// namespace declarations), or an id or url written as an element where
	// FHIR XML makes it an attribute.
	CodeAttribute = "input.xml-attribute"
	// CodeNode is a processing instruction or a CDATA section, which FHIR XML
	// does not use.
	CodeNode = "input.xml-node"
)

// Issue is one thing FHIR XML forbids in how the document is written that
// still leaves it readable: the resource is converted and checked, and the
// issue is reported beside the findings.
type Issue struct {
	Line int
	// Path is the element's path in the document, as a Document locates it:
	// "" for the root resource, "name[0].given[1]", "entry[0].resource.id".
	Path string
	Code string
	Msg  string
}

// Decode converts one FHIR XML document holding a resource. Errors are
// *SyntaxError with the 1-based line (relative to data).
func Decode(data []byte) (map[string]any, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, err
	}
	c := newConverter(data, ix, nil)
	return c.document()
}

// DecodeDocument is Decode that also returns the Issues of the document, in
// document order, and the Document that locates its elements. Element paths
// are built only for a document that has issues, so that a clean document
// costs what Decode does and its lines are found only if a finding asks.
// A document with issues is converted once with paths and lines: the first
// conversion stops at the first issue.
func DecodeDocument(data []byte) (map[string]any, []Issue, *Document, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, nil, nil, err
	}
	c := newConverter(data, ix, nil)
	c.stopAtIssue = true
	res, err := c.document()
	return c.finish(res, err, data, nil, 0)
}

// finish completes a conversion that stopped at its first issue (c): a
// clean document is returned with the lines its reader recorded, one with
// issues is converted once more with paths and lines. ns and base are the
// namespace bindings the document was read in and the line of its first
// byte (1 for a file; DecodeEntry's for an entry).
func (c *converter) finish(res map[string]any, err error, data []byte, ns []binding, base int) (map[string]any, []Issue, *Document, error) {
	if err != nil && len(c.issues) == 0 {
		return nil, nil, nil, shifted(err, base)
	}
	if len(c.issues) == 0 {
		// the entries' own lines are known: every entry of a Bundle asks
		// its line when it is read, and the index of every path is then
		// built only if a finding asks for one
		var known lineindex.Index
		if len(c.entries) > 0 {
			known = c.entries
		}
		return res, nil, lineindex.NewKnowing(data, max(base, 1), linesIn(ns), known), nil
	}
	// once more, with paths: the issues name where they are, and the lines
	// come with the paths for the findings that ask
	lines := map[string]int{}
	c = newConverter(data, c.ix, lines)
	c.ns = ns
	res, err = c.document()
	if err != nil {
		return nil, nil, nil, shifted(err, base)
	}
	for i := range c.issues {
		c.issues[i].Line += max(base, 1) - 1
	}
	return res, c.issues, lineindex.Built(lines, max(base, 1)), nil
}

// shifted counts a syntax error's line from base, the line of the text's
// first byte (0 or 1: the text is the file).
func shifted(err error, base int) error {
	var se *SyntaxError
	if base > 1 && errors.As(err, &se) {
		return &SyntaxError{Line: se.Line + base - 1, Msg: se.Msg}
	}
	return err
}

// errIssue ends a conversion that stops at its first issue.
var errIssue = errors.New("an issue: the document is converted again with paths")

type converter struct {
	data  []byte
	dec   *xml.Decoder
	ix    *elements.Index
	lines map[string]int // element path → line, only when locating
	// paths is set when element paths are built: to locate, or to say where
	// the issues are.
	paths  bool
	issues []Issue
	// stopAtIssue ends the conversion at the first issue, which a
	// conversion without paths cannot locate.
	stopAtIssue bool
	depth       int
	// at is the input offset where the last token read began.
	at int64
	// entries are the lines of the root Bundle's entry resources, by entry
	// (0 for an entry without one); entry is the entry being read.
	entries lineindex.EntryLines
	entry   int
	// dropEntries keeps no root Bundle entry once it is read: for a
	// conversion made only for its lines, so that locating a Bundle's
	// findings does not hold a second copy of all its resources.
	dropEntries bool
	// open holds the raw names of the open elements and ns the namespace
	// bindings in scope: RawToken leaves both to the converter, which is
	// cheaper than Token doing them with its map and re-boxed tokens.
	open []xml.Name
	ns   []binding
	// skim, when set, is handed each entry resource of a root Bundle,
	// converted on its own, which is then left out of the tree
	// (DecodeBundle). skimming says the root is such a Bundle, inEntry
	// that one of its entries' resources is being converted: without
	// paths or issues, which reading the entry alone finds (DecodeEntry);
	// skim returns false to stop skimming (errWhole). apart, when set, is
	// asked at the first entry whether the root Bundle read so far may be
	// skimmed, and stops skimming when it may not.
	skim              func(Entry) bool
	apart             func(bundle map[string]any) bool
	skimming, inEntry bool
	// whole says the document has a shape whose entries cannot be left
	// out (an entry holding two resources, an issue of a resource's
	// wrapper, which is its entry's): it is read whole.
	whole bool
	// skimmed is the last entry handed to skim, scope the bindings it was
	// handed (shared while they do not change).
	skimmed int
	scope   []string
	// skew is how many bytes newConverter dropped before data (a
	// byte-order mark), so that the spans handed over count from the
	// caller's first byte.
	skew int64
}

// binding is one xmlns or xmlns:prefix attribute in scope.
type binding struct {
	prefix, url string
	depth       int // the index in open of the element declaring it
}

// maxDepth bounds element nesting so that no document can exhaust the stack
// (FHIR resources nest a few dozen levels; encoding/json stops at 10,000).
const maxDepth = 1000

func newConverter(data []byte, ix *elements.Index, lines map[string]int) *converter {
	skew := int64(len(data))
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark is allowed
	skew -= int64(len(data))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true // and no Entity map: XML declares five entities, FHIR XML no more
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: FHIR XML must be UTF-8", charset)
	}
	return &converter{data: data, dec: dec, ix: ix, lines: lines, paths: lines != nil, open: make([]xml.Name, 0, 16), skew: skew, skimmed: -1}
}

// issue records one Issue at path on the current line.
func (c *converter) issue(path, code, msg string) {
	if c.inEntry {
		return // reading the entry alone reports it
	}
	c.issues = append(c.issues, Issue{Line: c.line(), Path: path, Code: code, Msg: msg})
}

func (c *converter) line() int {
	l, _ := c.dec.InputPos()
	return l
}

func (c *converter) fail(err error) error {
	if errors.Is(err, errWhole) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return malformed(se)
	}
	var fe *SyntaxError
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, io.EOF) {
		return &SyntaxError{Line: c.line(), Msg: "truncated XML: the input ends inside an element"}
	}
	return &SyntaxError{Line: c.line(), Msg: err.Error()}
}

// malformed words an error of the XML decoder.
func malformed(se *xml.SyntaxError) *SyntaxError {
	msg := "malformed XML: " + se.Msg
	if strings.HasPrefix(se.Msg, "invalid character entity &") {
		msg += " (XML declares only &lt; &gt; &amp; &quot; &apos;, and FHIR XML no others: write a character reference such as &#160;)"
	}
	return &SyntaxError{Line: se.Line, Msg: msg}
}

// refuseDirective is the error for a <!DOCTYPE …> or other markup declaration:
// FHIR XML has none, and one is refused unread, as the reference validator
// refuses it, so that no entity it declares (a file, a URL, a billion laughs)
// is ever expanded.
func refuseDirective(line int, d xml.Directive) error {
	what := "a markup declaration <!…>"
	if f := bytes.Fields(d); len(f) > 0 && string(f[0]) == "DOCTYPE" {
		what = "a DOCTYPE"
	} else if len(f) > 0 {
		what = "a markup declaration <!" + truncate(string(f[0])) + " …>"
	}
	return &SyntaxError{Line: line, Msg: what + " is not allowed in FHIR XML: it is refused without being read, so no entity it declares is expanded"}
}

type tokenKind int

const (
	otherToken tokenKind = iota // comment, the XML declaration
	startToken
	endToken
	textToken
	instructionToken // a processing instruction other than the XML declaration
)

// token is what the converter needs of an XML token: the start tag with its
// raw names and the namespace its element is in, or the text.
type token struct {
	kind  tokenKind
	start xml.StartElement
	space string
	text  []byte
}

// next reads a token with the checks and namespaces of Decoder.Token, and its
// errors: end tags must match their start tags, the input must not end inside
// an element.
func (c *converter) next() (token, error) {
	if c.stopAtIssue && len(c.issues) > 0 {
		return token{}, errIssue
	}
	c.at = c.dec.InputOffset()
	t, err := c.dec.RawToken()
	if t == nil {
		if err == io.EOF && len(c.open) > 0 {
			err = &xml.SyntaxError{Msg: "unexpected EOF", Line: c.line()}
		}
		return token{}, err
	}
	switch t := t.(type) {
	case xml.StartElement:
		normalizeAttrs(c.data[c.at:c.dec.InputOffset()], t.Attr)
		depth := len(c.open)
		for _, a := range t.Attr {
			if a.Name.Space == "xmlns" {
				c.ns = append(c.ns, binding{a.Name.Local, a.Value, depth})
			}
			if a.Name.Space == "" && a.Name.Local == "xmlns" {
				c.ns = append(c.ns, binding{"", a.Value, depth})
			}
		}
		c.open = append(c.open, t.Name)
		return token{kind: startToken, start: t, space: c.space(t.Name, true)}, nil
	case xml.EndElement:
		return token{kind: endToken}, c.close(t.Name)
	case xml.CharData:
		return token{kind: textToken, text: t}, nil
	case xml.ProcInst:
		if t.Target != "xml" {
			return token{kind: instructionToken, text: []byte(t.Target)}, nil
		}
	case xml.Directive:
		return token{}, refuseDirective(c.line(), t)
	}
	return token{kind: otherToken}, nil
}

// normalizeAttrs gives attribute values the normalisation every XML parser
// applies and encoding/xml leaves out (XML 1.0 §3.3.3): a tab, line feed or
// carriage return written literally in a value is a space (a CR LF pair one
// space), while the same characters written as character references stay.
// So "en<LF>GB" is the code "en GB", as the reference validator reads it.
// tag is the start tag's text; attrs, its attributes in order, are changed
// in place, and only when a value holds one of those characters.
func normalizeAttrs(tag []byte, attrs []xml.Attr) {
	need := false
	for _, a := range attrs {
		if strings.ContainsAny(a.Value, "\t\n\r") {
			need = true
			break
		}
	}
	if !need {
		return
	}
	// the decoder accepted the tag: each attribute is name="value" or
	// name='value', in the order of attrs
	i := 0
	for k := range attrs {
		start, end := quotedValue(tag, i)
		if start < 0 {
			return
		}
		if strings.ContainsAny(attrs[k].Value, "\t\n\r") {
			attrs[k].Value = normalized(tag[start:end])
		}
		i = end + 1
	}
}

// quotedValue finds the next attribute value of tag from i: where the text
// between its quotes starts and ends, or -1.
func quotedValue(tag []byte, i int) (int, int) {
	eq := bytes.IndexByte(tag[i:], '=')
	if eq < 0 {
		return -1, -1
	}
	i += eq + 1
	for i < len(tag) && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\n' || tag[i] == '\r') {
		i++
	}
	if i >= len(tag) || (tag[i] != '"' && tag[i] != '\'') {
		return -1, -1
	}
	end := bytes.IndexByte(tag[i+1:], tag[i])
	if end < 0 {
		return -1, -1
	}
	return i + 1, i + 1 + end
}

// normalized is an attribute value's text normalised: literal white space
// characters are spaces, references are resolved.
func normalized(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			b.WriteByte(' ')
		case '\n', '\t':
			b.WriteByte(' ')
		case '&':
			end := bytes.IndexByte(raw[i:], ';')
			if end < 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteString(reference(string(raw[i+1 : i+end])))
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// reference resolves an entity or character reference the decoder accepted.
func reference(name string) string {
	switch name {
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "amp":
		return "&"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	base, digits := 10, strings.TrimPrefix(name, "#")
	if hex, ok := strings.CutPrefix(digits, "x"); ok {
		base, digits = 16, hex
	}
	if n, err := strconv.ParseUint(digits, base, 32); err == nil && strings.HasPrefix(name, "#") {
		return string(rune(n))
	}
	return "&" + name + ";"
}

// cdata reports whether the text token just read is a CDATA section.
func (c *converter) cdata() bool {
	return bytes.HasPrefix(c.data[c.at:], []byte("<![CDATA["))
}

// node records the issue of a processing instruction or a CDATA section read
// inside the element at path; other tokens are no issue.
func (c *converter) node(tok token, path string) {
	switch {
	case tok.kind == instructionToken:
		c.issue(path, CodeNode, fmt.Sprintf("the processing instruction <?%s?>: FHIR XML allows none, before, in or after the resource", truncate(string(tok.text))))
	case tok.kind == textToken && c.cdata():
		c.issue(path, CodeNode, "a CDATA section: FHIR XML does not use them (values are in value attributes)")
	}
}

// close ends the innermost open element, failing as Decoder.Token does when
// name does not end it.
func (c *converter) close(name xml.Name) error {
	if len(c.open) == 0 {
		return &xml.SyntaxError{Msg: "unexpected end element </" + name.Local + ">", Line: c.line()}
	}
	top := len(c.open) - 1
	s := c.open[top]
	switch {
	case s.Local != name.Local:
		return &xml.SyntaxError{Msg: "element <" + s.Local + "> closed by </" + name.Local + ">", Line: c.line()}
	case s.Space != name.Space:
		ns := name.Space
		if ns == "" {
			ns = `""`
		}
		return &xml.SyntaxError{Msg: "element <" + s.Local + "> in space " + s.Space +
			" closed by </" + name.Local + "> in space " + ns, Line: c.line()}
	}
	c.open = c.open[:top]
	for len(c.ns) > 0 && c.ns[len(c.ns)-1].depth >= top {
		c.ns = c.ns[:len(c.ns)-1]
	}
	return nil
}

// space is the namespace of a raw name as Decoder.Token translates it: an
// unknown prefix stands for itself, the default namespace applies only to
// elements.
func (c *converter) space(n xml.Name, element bool) string {
	switch {
	case n.Space == "xmlns":
		return n.Space
	case n.Space == "" && !element:
		return ""
	case n.Space == "xml":
		n.Space = "http://www.w3.org/XML/1998/namespace"
	case n.Space == "" && n.Local == "xmlns":
		return ""
	}
	for i := len(c.ns) - 1; i >= 0; i-- {
		if c.ns[i].prefix == n.Space {
			return c.ns[i].url
		}
	}
	return n.Space
}

// attr finds an attribute in no namespace.
func (c *converter) attr(start xml.StartElement, name string) *xml.Attr {
	for i := range start.Attr {
		if a := &start.Attr[i]; a.Name.Local == name && c.space(a.Name, false) == "" {
			return a
		}
	}
	return nil
}

// document reads the root resource.
func (c *converter) document() (map[string]any, error) {
	for {
		tok, err := c.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, &SyntaxError{Line: c.line(), Msg: "empty: no XML element"}
			}
			return nil, c.fail(err)
		}
		switch tok.kind {
		case startToken:
			if c.skim != nil {
				c.skimRoot(tok)
			}
			res, err := c.resource(tok, "")
			if err != nil {
				return nil, c.fail(err)
			}
			if err := c.trailing(); err != nil {
				return nil, err
			}
			return res, nil
		case textToken:
			if len(bytes.TrimSpace(tok.text)) > 0 {
				return nil, &SyntaxError{Line: c.line(), Msg: "text before the root element"}
			}
		case instructionToken:
			c.node(tok, "")
		}
	}
}

func (c *converter) trailing() error {
	for {
		tok, err := c.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return c.fail(err)
		}
		switch tok.kind {
		case startToken:
			return &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("unexpected element <%s> after the end of the resource", tok.start.Name.Local)}
		case textToken:
			if len(bytes.TrimSpace(tok.text)) > 0 {
				return &SyntaxError{Line: c.line(), Msg: "unexpected text after the end of the resource"}
			}
		case instructionToken:
			c.node(tok, "")
		}
	}
}

// resource converts a resource element (start already read).
func (c *converter) resource(start token, path string) (map[string]any, error) {
	name := start.start.Name.Local
	if start.space != Namespace {
		return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not in the FHIR namespace %s (found %q)", name, Namespace, start.space)}
	}
	if !c.ix.IsResource(name) {
		return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not a FHIR R4 resource type", name)}
	}
	if c.lines != nil {
		c.lines[path] = c.line() // the resource's own tag, not its wrapper
	}
	c.attributes(start.start, path, 0)
	// A resource element may be empty: R4 §2.6.1 asks content of the
	// elements in a resource, and a resource is no element (ele-1 is
	// Element's), so <Parameters/> is JSON's {"resourceType":"Parameters"}.
	res := map[string]any{"resourceType": name}
	if _, err := c.object(res, name, path); err != nil {
		return nil, err
	}
	return res, nil
}

// The attributes FHIR XML defines on an element, besides namespace
// declarations: R4 §2.6.1 writes a primitive's value, every element's id
// and an extension's url as attributes, and nothing else.
const (
	attrValue = 1 << iota
	attrID
	attrURL
)

// attributes records an issue for each attribute of start that FHIR does not
// define on it (allowed is a set of the attr constants).
func (c *converter) attributes(start xml.StartElement, path string, allowed int) {
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if c.space(a.Name, false) == "" {
			switch {
			case a.Name.Local == "value" && allowed&attrValue != 0,
				a.Name.Local == "id" && allowed&attrID != 0,
				a.Name.Local == "url" && allowed&attrURL != 0:
				continue
			}
		}
		name := a.Name.Local
		if a.Name.Space != "" {
			name = a.Name.Space + ":" + name
		}
		c.issue(path, CodeAttribute, fmt.Sprintf("the attribute %s is not defined on <%s>: %s", name, start.Name.Local, allowedAttributes(allowed)))
	}
}

func allowedAttributes(allowed int) string {
	switch allowed {
	case attrValue | attrID:
		return "a primitive element takes only value and id"
	case attrID | attrURL:
		return "an extension takes only id and url"
	case attrID:
		return "this element takes only id"
	}
	return "a resource element takes no attributes besides namespace declarations (its id is an element)"
}

func (c *converter) mark(path string) {
	if _, seen := c.lines[path]; !seen {
		c.lines[path] = c.line()
	}
}

// object reads child elements into obj until the end of the current element
// and returns obj; a nil obj is made on the first child, so that the many
// primitives without children cost no map. defPath is where the children are
// defined; path, the element's path, is kept only when locating.
func (c *converter) object(obj map[string]any, defPath, path string) (map[string]any, error) {
	if c.depth++; c.depth > maxDepth {
		return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("elements nested more than %d levels deep", maxDepth)}
	}
	defer func() { c.depth-- }()
	var primitiveArrays []string
	var prev previous
	for {
		tok, err := c.next()
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case startToken:
			if obj == nil {
				obj = map[string]any{}
			}
			name, isArray, err := c.child(obj, defPath, path, tok, &prev)
			if err != nil {
				return nil, err
			}
			if isArray && obj["_"+name] != nil {
				primitiveArrays = append(primitiveArrays, name)
			}
		case endToken:
			tidy(obj, primitiveArrays)
			return obj, nil
		case textToken:
			if text := trimSpace(tok.text); len(text) > 0 {
				// the decoder is past the text: count back to where it started
				line := c.line() - bytes.Count(text, []byte{'\n'})
				return nil, &SyntaxError{Line: line, Msg: fmt.Sprintf("unexpected text %q in a FHIR element", truncate(strings.TrimSpace(string(tok.text))))}
			}
			c.node(tok, path)
		case instructionToken:
			c.node(tok, path)
		}
	}
}

// previous is the last child element of an element that its definition
// knows, and the name it was written with.
type previous struct {
	el   *elements.Element
	name string
}

// order records an issue when el, written as name at path, comes after a
// sibling that its definition puts after it, and makes it the previous one.
func (c *converter) order(el *elements.Element, name, path string, prev *previous) {
	if prev.el != nil && el.Precedes(prev.el) {
		c.issue(path, CodeOrder, fmt.Sprintf("<%s> is out of order: FHIR XML writes elements in the order of their definition, which puts <%s> before <%s>", name, name, prev.name))
	}
	prev.el, prev.name = el, name
}

// attributeElement reports whether el is one that FHIR XML writes as an
// attribute: the id of an element that is not a resource, or an extension's
// url.
func attributeElement(ix *elements.Index, el *elements.Element) bool {
	switch {
	case el.Path == "Extension.url":
		return true
	case strings.HasSuffix(el.Path, ".id"):
		return !ix.IsResource(strings.TrimSuffix(el.Path, ".id"))
	}
	return false
}

// trimSpace drops the XML white space that starts text (bytes.TrimLeft does
// the same at several times the cost).
func trimSpace(text []byte) []byte {
	for i, b := range text {
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return text[i:]
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// tidy drops "_name" arrays of repeating primitives that hold no extension.
func tidy(obj map[string]any, names []string) {
	for _, n := range names {
		exts, _ := obj["_"+n].([]any)
		keep := false
		for _, e := range exts {
			if e != nil {
				keep = true
				break
			}
		}
		if !keep {
			delete(obj, "_"+n)
		}
		vals, _ := obj[n].([]any)
		empty := true
		for _, v := range vals {
			if v != nil {
				empty = false
				break
			}
		}
		if empty {
			delete(obj, n)
		}
	}
}

// child converts one child element into obj and reports its name and whether
// it repeats.
func (c *converter) child(obj map[string]any, defPath string, path string, tok token, prev *previous) (string, bool, error) {
	start := tok.start
	name := start.Name.Local
	isDiv := name == "div" && tok.space == xhtmlNamespace
	el, typ, childPath := (*elements.Element)(nil), "", ""
	if defPath != "" {
		el, typ, childPath = c.ix.Resolve(defPath, name)
	}
	// a narrative div in another namespace is the narrative check's to
	// report, naming the namespace
	if tok.space != Namespace && !isDiv && typ != "xhtml" {
		return "", false, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not in the FHIR namespace", name)}
	}
	isArray := el != nil && el.IsArray()
	if el != nil && !isArray {
		// A single-valued element written twice: keep both as JSON would
		// hold them (an array), so that validation reports the repeat
		// instead of one value silently replacing the other.
		prev, hasPrev := obj[name]
		prevExt, hasPrevExt := obj["_"+name]
		if hasPrev || hasPrevExt {
			isArray = true
			if hasPrev {
				obj[name] = []any{prev}
			}
			if hasPrevExt {
				obj["_"+name] = []any{prevExt}
			}
		}
	}
	if el == nil {
		// unknown to the definitions: keep it, so validators can report it;
		// a repeated unknown element becomes an array
		_, isArray = obj[name].([]any)
		if prev, seen := obj[name]; seen && !isArray {
			obj[name] = []any{prev}
			isArray = true
		}
	}
	rootEntry := c.depth == 1 && name == "entry" && defPath == "Bundle"
	if rootEntry {
		arr, _ := obj[name].([]any)
		c.entry = len(arr)
		if c.skimming && c.entry == 0 && c.apart != nil && !c.apart(obj) {
			return "", false, errWhole
		}
	}
	elPath := ""
	if c.paths {
		elPath = joinPath(path, name)
		if isArray {
			arr, _ := obj[name].([]any)
			elPath += "[" + strconv.Itoa(len(arr)) + "]"
		}
		if c.lines != nil {
			c.mark(elPath)
		}
	}
	if el != nil {
		c.order(el, name, elPath, prev)
		if (name == "id" || name == "url") && attributeElement(c.ix, el) {
			c.issue(elPath, CodeAttribute, fmt.Sprintf("<%s> is written as an element: FHIR XML writes %s as an attribute of the element it belongs to", name, name))
		}
	}

	var value any
	var ext map[string]any
	var err error
	kind := ""
	if typ != "" {
		if def := c.ix.Definition(typ); def != nil {
			kind = def.Kind
		}
	}
	switch {
	case typ == "xhtml" || isDiv:
		value, err = c.xhtml(tok)
	case typ == "Resource" || kind == "resource":
		var line int
		entry := c.depth == 2 && name == "resource" && defPath == "Bundle.entry" && !isArray
		var res map[string]any
		res, line, err = c.wrapped(elPath, entry && c.skimming)
		if entry {
			c.entries.Set(c.entry, line)
		}
		if res != nil {
			value = res // not a skimmed entry's, which the tree leaves out
		}
	case kind == "primitive-type":
		c.attributes(start, elPath, attrValue|attrID)
		value, ext, err = c.primitive(start, typ, elPath)
	case el == nil && c.attr(start, "value") != nil:
		value, ext, err = c.primitive(start, "string", elPath)
	default:
		if el != nil {
			allowed := attrID
			if typ == "Extension" {
				allowed |= attrURL
			}
			c.attributes(start, elPath, allowed)
		}
		m := map[string]any{}
		for _, a := range start.Attr {
			if (a.Name.Local == "id" || a.Name.Local == "url") && c.space(a.Name, false) == "" {
				m[a.Name.Local] = a.Value
			}
		}
		value, err = c.object(m, childPath, elPath)
	}
	if err != nil {
		return "", false, err
	}
	if rootEntry && c.dropEntries {
		value = nil
	}
	if isArray {
		arr, _ := obj[name].([]any)
		if ext != nil || obj["_"+name] != nil {
			exts, _ := obj["_"+name].([]any)
			for len(exts) < len(arr) {
				exts = append(exts, nil)
			}
			if ext != nil {
				exts = append(exts, ext)
			} else {
				exts = append(exts, nil)
			}
			obj["_"+name] = exts
		}
		obj[name] = append(arr, value)
		return name, true, nil
	}
	if value != nil {
		obj[name] = value
	}
	if ext != nil {
		obj["_"+name] = ext
	}
	return name, false, nil
}

// primitive converts a primitive element: its value attribute, typed as JSON
// would type it, and its id and extensions.
func (c *converter) primitive(start xml.StartElement, typ, path string) (any, map[string]any, error) {
	var value any
	valued := false
	if a := c.attr(start, "value"); a != nil {
		value, valued = typed(a.Value, typ), true
	}
	var ext map[string]any
	if a := c.attr(start, "id"); a != nil {
		ext = map[string]any{"id": a.Value}
	}
	inner, err := c.object(nil, "Element", path)
	if err != nil {
		return nil, nil, err
	}
	if len(inner) > 0 {
		if ext == nil {
			ext = inner
		} else {
			for k, v := range inner {
				ext[k] = v
			}
		}
	}
	if !valued && ext == nil {
		// <active/>: an element with neither value nor children is, in the
		// JSON model, "_active": {}, which ele-1 rejects in either format
		ext = map[string]any{}
	}
	return value, ext, nil
}

// typed gives a primitive's value the JSON type FHIR JSON uses; a value that
// does not fit its type stays a string for validators to report.
func typed(v, typ string) any {
	switch elements.JSONKind(typ) {
	case "boolean":
		switch v {
		case "true":
			return true
		case "false":
			return false
		}
	case "number":
		if json.Valid([]byte(v)) && v != "" && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
			return json.Number(v)
		}
	}
	return v
}

// wrapped converts <contained><Patient>…</Patient></contained>, and returns
// the line of the resource's own tag (where resource locates it). A root
// Bundle entry's resource that is skimmed (skim) is handed over and not
// returned.
func (c *converter) wrapped(path string, skim bool) (map[string]any, int, error) {
	var res map[string]any
	line := 0
	for {
		tok, err := c.next()
		if err != nil {
			return nil, 0, err
		}
		switch tok.kind {
		case startToken:
			if res != nil || line > 0 {
				return nil, 0, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("a resource wrapper holds more than one resource (<%s>)", tok.start.Name.Local)}
			}
			line = c.line()
			if skim {
				if err := c.skimEntry(tok, path, line); err != nil {
					return nil, 0, err
				}
				continue
			}
			r, err := c.resource(tok, path)
			if err != nil {
				return nil, 0, err
			}
			res = r
		case endToken:
			if res == nil && line == 0 {
				return nil, 0, &SyntaxError{Line: c.line(), Msg: "empty resource wrapper"}
			}
			return res, line, nil
		case textToken:
			if len(bytes.TrimSpace(tok.text)) > 0 {
				return nil, 0, &SyntaxError{Line: c.line(), Msg: "unexpected text in a resource wrapper"}
			}
			c.node(tok, path)
		case instructionToken:
			c.node(tok, path)
		}
	}
}

// xhtml returns the narrative div (its start tag just read) as the XML text
// it was written as, made to stand alone: a div whose namespace is declared
// on an ancestor gets that declaration, so the narrative is read in the
// namespace it is in.
func (c *converter) xhtml(div token) (string, error) {
	end := c.dec.InputOffset()
	// the start tag ends at end; find where it began
	begin := bytes.LastIndexByte(c.data[:end], '<')
	for depth := 0; ; {
		tok, err := c.next()
		if err != nil {
			return "", err
		}
		switch tok.kind {
		case startToken:
			depth++
		case endToken:
			if depth == 0 {
				return standalone(c.data[begin:c.dec.InputOffset()], div.start, div.space), nil
			}
			depth--
		}
	}
}

// standalone gives the text of an element whose start tag is start and whose
// namespace is space the declaration of its prefix, when the tag itself does
// not declare it and the prefix is bound (an unbound prefix stands for itself).
//
// A div that undeclares the default namespace (xmlns="") is in no
// namespace, which a div standing alone is without saying so: the empty
// declaration is dropped, so that FHIR JSON's "<div>" and the XML Encode
// writes for it read the same.
func standalone(text []byte, start xml.StartElement, space string) string {
	prefix := start.Name.Space
	for _, a := range start.Attr {
		if prefix == "" && a.Name.Space == "" && a.Name.Local == "xmlns" {
			if a.Value == "" {
				return noEmptyNamespace(string(text))
			}
			return string(text)
		}
		if prefix != "" && a.Name.Space == "xmlns" && a.Name.Local == prefix {
			return string(text)
		}
	}
	if space == "" || space == prefix {
		return string(text)
	}
	decl := " xmlns"
	if prefix != "" {
		decl += ":" + prefix
	}
	var v strings.Builder
	xml.EscapeText(&v, []byte(space))
	decl += `="` + v.String() + `"`
	at := 1 + len(start.Name.Local) // after "<name" or "<prefix:name"
	if prefix != "" {
		at += len(prefix) + 1
	}
	return string(text[:at]) + decl + string(text[at:])
}

// emptyNamespace is an empty default namespace declaration.
var emptyNamespace = regexp.MustCompile(`\s+xmlns\s*=\s*(""|'')`)

// noEmptyNamespace drops the empty default namespace declaration of an
// element's start tag, the first in its text (the caller knows the start
// tag has one).
func noEmptyNamespace(text string) string {
	loc := emptyNamespace.FindStringIndex(text)
	if loc == nil {
		return text
	}
	return text[:loc[0]] + text[loc[1]:]
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// Document is one XML source document whose path→line index is built on the
// first request.
type Document = lineindex.Document

// NewDocument wraps XML whose first byte is on line baseLine of its file.
func NewDocument(raw []byte, baseLine int) *Document {
	return lineindex.New(raw, baseLine, xmlLines)
}

// linesIn is the Build of a document read in the namespace bindings ns
// (an entry's, DecodeEntry): it converts the document once more,
// recording where each element starts; a broken document keeps the lines
// found before the error. A root Bundle's entry resources are converted
// without paths and dropped once read: each entry's record, when it is
// read alone, has its own (DecodeBundle), and a record of one held in the
// tree locates its elements through this index only when it has findings.
func linesIn(ns []binding) lineindex.Build { return lineBuild(ns, false) }

// lineBuild is linesIn, and with skeleton the Build of a Bundle whose
// entries are read one at a time (DecodeBundle): the paths of the Bundle
// itself and the line of each entry's resource, none inside one (each
// entry's record locates its own).
func lineBuild(ns []binding, skeleton bool) lineindex.Build {
	return func(raw []byte) lineindex.Index {
		lines := lineindex.Lines{}
		ix, err := elements.R4()
		if err != nil {
			return lines
		}
		c := newConverter(raw, ix, lines)
		c.ns = ns
		if skeleton {
			c.skim = func(Entry) bool { return true }
		}
		c.dropEntries = true
		c.document()
		return lines
	}
}

// xmlLines is the Build of a document read from its first byte.
func xmlLines(raw []byte) lineindex.Index { return linesIn(nil)(raw) }
