package fhirxml

// This file keeps the converter as it was before it moved to RawToken, so that
// the specs and benchmarks can compare the two on real files: the same
// resources, the same errors, the same lines.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/elements"
)

// legacyDecode converts one FHIR XML document holding a resource. Errors are
// *SyntaxError with the 1-based line (relative to data).
func legacyDecode(data []byte) (map[string]any, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, err
	}
	c := newLegacyConverter(data, ix, nil)
	return c.document()
}

type legacyConverter struct {
	data  []byte
	dec   *xml.Decoder
	ix    *elements.Index
	lines map[string]int // element path → line, only when locating
	depth int
	// normalNS maps a namespace as Decoder.Token resolved it (from the
	// declaration's value before normalisation) to the normalised value
	// the converter binds, as XML makes the namespace name.
	normalNS map[string]string
}

// legacyMaxDepth bounds element nesting so that no document can exhaust the stack
// (FHIR resources nest a few dozen levels; encoding/json stops at 10,000).
const legacyMaxDepth = 1000

func newLegacyConverter(data []byte, ix *elements.Index, lines map[string]int) *legacyConverter {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark is allowed
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "utf8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: FHIR XML must be UTF-8", charset)
	}
	return &legacyConverter{data: data, dec: dec, ix: ix, lines: lines}
}

// token is Decoder.Token refusing a DOCTYPE, as the converter does since
// DOCTYPEs and entities beyond XML's own are refused.
// It also normalises attribute values, as the converter does since it
// applies XML's attribute-value normalisation.
func (c *legacyConverter) token() (xml.Token, error) {
	at := c.dec.InputOffset()
	t, err := c.dec.Token()
	if d, ok := t.(xml.Directive); ok && err == nil {
		return nil, refuseDirective(c.line(), d)
	}
	if s, ok := t.(xml.StartElement); ok && err == nil {
		raw := make([]string, len(s.Attr))
		for i, a := range s.Attr {
			raw[i] = a.Value
		}
		normalizeAttrs(c.data[at:c.dec.InputOffset()], s.Attr)
		for i, a := range s.Attr {
			if (a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns") && raw[i] != a.Value {
				if c.normalNS == nil {
					c.normalNS = map[string]string{}
				}
				c.normalNS[raw[i]] = a.Value
			}
		}
		if ns, ok := c.normalNS[s.Name.Space]; ok {
			s.Name.Space = ns
		}
		for i := range s.Attr {
			if ns, ok := c.normalNS[s.Attr[i].Name.Space]; ok {
				s.Attr[i].Name.Space = ns
			}
		}
		return s, nil
	}
	return t, err
}

func (c *legacyConverter) line() int {
	l, _ := c.dec.InputPos()
	return l
}

func (c *legacyConverter) fail(err error) error {
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

// document reads the root resource.
func (c *legacyConverter) document() (map[string]any, error) {
	for {
		tok, err := c.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, &SyntaxError{Line: c.line(), Msg: "empty: no XML element"}
			}
			return nil, c.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			res, err := c.resource(t, "")
			if err != nil {
				return nil, c.fail(err)
			}
			if err := c.trailing(); err != nil {
				return nil, err
			}
			return res, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, &SyntaxError{Line: c.line(), Msg: "text before the root element"}
			}
		}
	}
}

func (c *legacyConverter) trailing() error {
	for {
		tok, err := c.token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return c.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("unexpected element <%s> after the end of the resource", t.Name.Local)}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return &SyntaxError{Line: c.line(), Msg: "unexpected text after the end of the resource"}
			}
		}
	}
}

// resource converts a resource element (start already read).
func (c *legacyConverter) resource(start xml.StartElement, path string) (map[string]any, error) {
	name := start.Name.Local
	if start.Name.Space != Namespace {
		return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not in the FHIR namespace %s (found %q)", name, Namespace, start.Name.Space)}
	}
	if !c.ix.IsResource(name) {
		return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not a FHIR R4 resource type", name)}
	}
	if c.lines != nil {
		c.lines[path] = c.line() // the resource's own tag, not its wrapper
	}
	res := map[string]any{"resourceType": name}
	if err := c.object(res, name, path); err != nil {
		return nil, err
	}
	return res, nil
}

func (c *legacyConverter) mark(path string) {
	if c.lines != nil {
		if _, seen := c.lines[path]; !seen {
			c.lines[path] = c.line()
		}
	}
}

// object reads child elements into obj until the end of the current element.
// defPath is where the children are defined.
func (c *legacyConverter) object(obj map[string]any, defPath, path string) error {
	if c.depth++; c.depth > legacyMaxDepth {
		return &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("elements nested more than %d levels deep", legacyMaxDepth)}
	}
	defer func() { c.depth-- }()
	var primitiveArrays []string
	for {
		tok, err := c.token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name, isArray, err := c.child(obj, defPath, path, t)
			if err != nil {
				return err
			}
			if isArray && obj["_"+name] != nil {
				primitiveArrays = append(primitiveArrays, name)
			}
		case xml.EndElement:
			legacyTidy(obj, primitiveArrays)
			return nil
		case xml.CharData:
			if text := bytes.TrimLeft(t, " \t\r\n"); len(text) > 0 {
				// the decoder is past the text: count back to where it started
				line := c.line() - bytes.Count(text, []byte{'\n'})
				return &SyntaxError{Line: line, Msg: fmt.Sprintf("unexpected text %q in a FHIR element", legacyTruncate(strings.TrimSpace(string(t))))}
			}
		}
	}
}

func legacyTruncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// legacyTidy drops "_name" arrays of repeating primitives that hold no extension.
func legacyTidy(obj map[string]any, names []string) {
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
func (c *legacyConverter) child(obj map[string]any, defPath string, path string, start xml.StartElement) (string, bool, error) {
	name := start.Name.Local
	el, typ, childPath := (*elements.Element)(nil), "", ""
	if defPath != "" {
		el, typ, childPath = c.ix.Resolve(defPath, name)
	}
	// since the converter leaves a div in another namespace to the
	// narrative check, the oracle does too
	if start.Name.Space != Namespace && !(name == "div" && start.Name.Space == xhtmlNamespace) && typ != "xhtml" {
		return "", false, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("<%s> is not in the FHIR namespace", name)}
	}
	isArray := el != nil && el.IsArray()
	if el != nil && !isArray {
		// Since 723a7a0 the converter keeps a single-valued element written
		// twice as a repeat (for validation to report); the oracle follows.
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
	elPath := legacyJoinPath(path, name)
	if isArray {
		arr, _ := obj[name].([]any)
		elPath += "[" + strconv.Itoa(len(arr)) + "]"
	}
	c.mark(elPath)

	var value any
	var ext map[string]any
	var err error
	switch {
	case typ == "xhtml" || (name == "div" && start.Name.Space == xhtmlNamespace):
		value, err = c.xhtml(start)
	case typ == "Resource" || (typ != "" && c.ix.IsResource(typ)):
		value, err = c.wrapped(elPath)
	case typ != "" && c.ix.IsPrimitive(typ):
		value, ext, err = c.primitive(start, typ, elPath)
	case el == nil && legacyAttr(start, "value") != nil:
		value, ext, err = c.primitive(start, "string", elPath)
	default:
		m := map[string]any{}
		for _, a := range start.Attr {
			if a.Name.Space == "" && (a.Name.Local == "id" || a.Name.Local == "url") {
				m[a.Name.Local] = a.Value
			}
		}
		err = c.object(m, childPath, elPath)
		value = m
	}
	if err != nil {
		return "", false, err
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

func legacyAttr(start xml.StartElement, name string) *xml.Attr {
	for i := range start.Attr {
		if start.Attr[i].Name.Local == name && start.Attr[i].Name.Space == "" {
			return &start.Attr[i]
		}
	}
	return nil
}

// primitive converts a primitive element: its value attribute, typed as JSON
// would type it, and its id and extensions.
func (c *legacyConverter) primitive(start xml.StartElement, typ, path string) (any, map[string]any, error) {
	var value any
	valued := false
	if a := legacyAttr(start, "value"); a != nil {
		value, valued = legacyTyped(a.Value, typ), true
	}
	var ext map[string]any
	if a := legacyAttr(start, "id"); a != nil {
		ext = map[string]any{"id": a.Value}
	}
	inner := map[string]any{}
	if err := c.object(inner, "Element", path); err != nil {
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
		ext = map[string]any{} // the converter's "_name": {} since ele-1 applies to XML too
	}
	return value, ext, nil
}

// legacyTyped gives a primitive's value the JSON type FHIR JSON uses; a value that
// does not fit its type stays a string for validators to report.
func legacyTyped(v, typ string) any {
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

// wrapped converts <contained><Patient>…</Patient></contained>.
func (c *legacyConverter) wrapped(path string) (map[string]any, error) {
	var res map[string]any
	for {
		tok, err := c.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if res != nil {
				return nil, &SyntaxError{Line: c.line(), Msg: fmt.Sprintf("a resource wrapper holds more than one resource (<%s>)", t.Name.Local)}
			}
			r, err := c.resource(t, path)
			if err != nil {
				return nil, err
			}
			res = r
		case xml.EndElement:
			if res == nil {
				return nil, &SyntaxError{Line: c.line(), Msg: "empty resource wrapper"}
			}
			return res, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, &SyntaxError{Line: c.line(), Msg: "unexpected text in a resource wrapper"}
			}
		}
	}
}

// xhtml returns the narrative div as the XML text it was written as.
func (c *legacyConverter) xhtml(start xml.StartElement) (string, error) {
	end := c.dec.InputOffset()
	// the start tag ends at end; find where it began
	begin := bytes.LastIndexByte(c.data[:end], '<')
	for depth := 0; ; {
		tok, err := c.token()
		if err != nil {
			return "", err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth == 0 {
				return c.standalone(c.data[begin:c.dec.InputOffset()], start), nil
			}
			depth--
		}
	}
}

// standalone is the converter's standalone for a start tag read by Token,
// whose names are resolved: the raw prefix is read from the text.
func (c *legacyConverter) standalone(text []byte, start xml.StartElement) string {
	raw := start
	tag := string(text[1:])
	if i := strings.IndexAny(tag, " \t\r\n/>"); i >= 0 {
		tag = tag[:i]
	}
	raw.Name = xml.Name{Local: tag}
	if p, local, ok := strings.Cut(tag, ":"); ok {
		raw.Name = xml.Name{Space: p, Local: local}
	}
	return standalone(text, raw, start.Name.Space)
}

func legacyJoinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// legacyLines converts the document once more, recording where each element
// starts; a broken document keeps the lines found before the error.
func legacyLines(raw []byte) map[string]int {
	lines := map[string]int{}
	ix, err := elements.R4()
	if err != nil {
		return lines
	}
	c := newLegacyConverter(raw, ix, lines)
	c.document()
	return lines
}
