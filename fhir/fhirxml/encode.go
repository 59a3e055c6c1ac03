package fhirxml

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir/elements"
)

// EncodeError says why a resource cannot be written as FHIR XML: Path is
// where, as a Document locates elements ("name[0].given[1]"; "" for the
// resource itself).
type EncodeError struct {
	Path string
	Msg  string
}

func (e *EncodeError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Encode writes a resource held in the JSON form (as fhir.Decode gives it:
// objects, arrays, strings, booleans, json.Number) as FHIR R4 XML, as R4
// §2.6.1 describes it: the resource in the FHIR namespace, elements in the
// order of their definition (the order Decode checks), primitives as value
// attributes with the id and extensions of their "_name" object, the id of
// an element and the url of an extension as attributes, resources in
// contained, Bundle entries and Parameters wrapped in an element of their
// type, numbers exactly as given, and the narrative div as its XML text.
//
// The div is written as the data it is, never repaired, so that its XML
// gets the verdict its JSON gets: a div that declares no namespace is in
// none, and is written so (xmlns=""), not put in the XHTML namespace; one
// that uses an entity HTML defines but XML does not (&nbsp;) has no FHIR
// XML form (FHIR XML declares no entities, and a character reference would
// be other, valid, data), so it is refused, as is a div that is not
// well-formed XML.
//
// The XML is read back with Decode before it is returned, and must give the
// resource it was written from (with the div as written): what FHIR XML
// cannot hold as the JSON holds it (a string where the definition has a
// boolean, an array of one for an element that does not repeat, a control
// character, an element name XML does not allow) is refused with an
// *EncodeError naming the first such path, never written wrong.
func Encode(res map[string]any) ([]byte, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, err
	}
	e := &encoder{ix: ix, divs: map[string]string{}}
	e.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	if err := e.resource(res, "", true); err != nil {
		return nil, err
	}
	out := e.b.Bytes()
	back, err := Decode(out)
	if err != nil {
		return nil, fmt.Errorf("fhirxml: the XML written does not read back: %w", err)
	}
	if path, want, got := e.difference(res, back, ""); path != "" || want != "" {
		return nil, &EncodeError{Path: path, Msg: fmt.Sprintf("FHIR XML cannot hold it as given: %s would read back as %s", want, got)}
	}
	return out, nil
}

type encoder struct {
	ix *elements.Index
	b  bytes.Buffer
	// divs are the narrative divs as written, by path, for the check that
	// the XML reads back as the resource.
	divs map[string]string
}

func fail(path, format string, args ...any) error {
	return &EncodeError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// resource writes a resource element; root declares the FHIR namespace.
func (e *encoder) resource(res map[string]any, path string, root bool) error {
	typ, _ := res["resourceType"].(string)
	switch {
	case typ == "":
		return fail(path, "no resourceType: a resource needs one to be written as FHIR XML")
	case !e.ix.IsResource(typ):
		return fail(path, "%q is not a FHIR R4 resource type", typ)
	}
	e.b.WriteString("<" + typ)
	if root {
		e.b.WriteString(` xmlns="` + Namespace + `"`)
	}
	return e.content(res, typ, path, typ, true)
}

// content writes the child elements of obj (defined at defPath; "" when
// unknown) and closes the element name whose start tag is open.
func (e *encoder) content(obj map[string]any, defPath, path, name string, isResource bool) error {
	names, err := e.order(obj, defPath, path, isResource)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		e.b.WriteString("/>")
		return nil
	}
	e.b.WriteString(">")
	for _, n := range names {
		if err := e.child(obj, defPath, path, n); err != nil {
			return err
		}
	}
	e.b.WriteString("</" + name + ">")
	return nil
}

// child is one name of an object: the element definition it resolves to.
type child struct {
	name string
	el   *elements.Element
}

// order lists the names of obj's child elements in the order FHIR XML
// writes them: by their definition, then names the definitions do not know
// in alphabetical order. A primitive's "_name" joins its "name"; the
// resourceType of a resource, and what is written as an attribute, are left
// out.
func (e *encoder) order(obj map[string]any, defPath, path string, isResource bool) ([]string, error) {
	seen := map[string]bool{}
	var kids []child
	for k := range obj {
		if k == "resourceType" && isResource {
			continue
		}
		name := strings.TrimPrefix(k, "_")
		if seen[name] {
			continue
		}
		seen[name] = true
		if !xmlName(name) {
			return nil, fail(joinPath(path, k), "%q is not a name an XML element can have", k)
		}
		var el *elements.Element
		if defPath != "" {
			el, _, _ = e.ix.Resolve(defPath, name)
		}
		if el != nil && attributeElement(e.ix, el) {
			continue
		}
		kids = append(kids, child{name, el})
	}
	sort.Slice(kids, func(i, j int) bool {
		a, b := kids[i], kids[j]
		switch {
		case a.el != nil && b.el == nil:
			return true
		case a.el == nil && b.el != nil:
			return false
		case a.el != nil && a.el.Precedes(b.el):
			return true
		case a.el != nil && b.el.Precedes(a.el):
			return false
		}
		return a.name < b.name
	})
	names := make([]string, len(kids))
	for i, k := range kids {
		names[i] = k.name
	}
	return names, nil
}

// attributes writes the id (and, for an extension, url) attributes of a
// complex element from obj, with its start tag; order leaves them out of the
// child elements.
func (e *encoder) attributes(obj map[string]any, defPath, path string) error {
	for _, name := range []string{"id", "url"} {
		v, has := obj[name]
		_, hasExt := obj["_"+name]
		if defPath == "" || (!has && !hasExt) {
			continue
		}
		el, _, _ := e.ix.Resolve(defPath, name)
		if el == nil || !attributeElement(e.ix, el) {
			continue
		}
		if hasExt {
			return fail(joinPath(path, "_"+name), "FHIR XML writes %s as an attribute, which cannot carry an id or extensions", name)
		}
		s, ok := v.(string)
		if !ok {
			return fail(joinPath(path, name), "FHIR XML writes %s as an attribute, so it must be a string, not %s", name, describe(v))
		}
		if err := e.attribute(name, s, joinPath(path, name)); err != nil {
			return err
		}
	}
	return nil
}

// attribute writes name="value", escaped so that XML reads back the same
// characters (white space as character references, which attribute
// normalisation keeps).
func (e *encoder) attribute(name, value, path string) error {
	e.b.WriteString(" " + name + `="`)
	for i := 0; i < len(value); {
		r, size := utf8.DecodeRuneInString(value[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return fail(path, "the value is not UTF-8 text")
		case r == '&':
			e.b.WriteString("&amp;")
		case r == '<':
			e.b.WriteString("&lt;")
		case r == '>':
			e.b.WriteString("&gt;")
		case r == '"':
			e.b.WriteString("&quot;")
		case r == '\t':
			e.b.WriteString("&#9;")
		case r == '\n':
			e.b.WriteString("&#10;")
		case r == '\r':
			e.b.WriteString("&#13;")
		case !xmlChar(r):
			return fail(path, "the value holds the character U+%04X, which XML 1.0 cannot carry", r)
		default:
			e.b.WriteString(value[i : i+size])
		}
		i += size
	}
	e.b.WriteByte('"')
	return nil
}

// xmlChar reports whether XML 1.0 allows r in a document (its Char rule).
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// xmlName reports whether a JSON name can be an XML element name in FHIR's
// namespace: a letter, then letters, digits, '-', '_' or '.' (no ':',
// which would make it a prefixed name).
func xmlName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if i == 0 && !letter {
			return false
		}
		if !letter && !(r >= '0' && r <= '9') && r != '-' && r != '_' && r != '.' {
			return false
		}
	}
	return !strings.HasPrefix(strings.ToLower(s), "xml")
}

// child writes the element name of obj (and its "_name"), each value of an
// array as an element of its own.
func (e *encoder) child(obj map[string]any, defPath, path, name string) error {
	val, hasVal := obj[name]
	ext, hasExt := obj["_"+name]
	if val == nil && ext == nil {
		// FHIR JSON forbids a null member, and no XML element is one: left
		// out, the XML would hold other data than the JSON (valid where the
		// JSON is not), so it is refused like any value XML cannot hold.
		return fail(joinPath(path, name), "null: FHIR JSON allows null only in a repeating primitive's arrays, and FHIR XML has no element for it")
	}
	var el *elements.Element
	typ, childPath, kind := "", "", ""
	if defPath != "" {
		el, typ, childPath = e.ix.Resolve(defPath, name)
	}
	if typ != "" {
		if def := e.ix.Definition(typ); def != nil {
			kind = def.Kind
		}
	}
	primitive := kind == "primitive-type" || (el == nil && (hasExt || scalar(val)))
	switch {
	case typ == "xhtml":
		if hasExt {
			return fail(joinPath(path, "_"+name), "the narrative div is XHTML: FHIR XML gives it no id or extensions")
		}
		s, ok := val.(string)
		if !ok {
			return fail(joinPath(path, name), "the narrative div must be XHTML text, not %s", describe(val))
		}
		return e.div(s, joinPath(path, name))
	case el != nil && el.Choice && typ == "" && (hasExt || scalar(val)):
		// a choice named without its type; an object so named is written
		// as Decode reads one, its children unknown
		return fail(joinPath(path, name), "a choice element is named with its type (%sString, %sQuantity ...)", name, name)
	case primitive:
		return e.primitives(name, val, ext, hasVal, hasExt, path)
	case hasExt:
		return fail(joinPath(path, "_"+name), "%q is not a primitive element: only primitives have a \"_%s\" object", name, name)
	}
	items, isArray := val.([]any)
	if !isArray {
		items = []any{val}
	}
	for i, item := range items {
		p := joinPath(path, name)
		if isArray {
			p += "[" + strconv.Itoa(i) + "]"
		}
		m, ok := item.(map[string]any)
		if !ok {
			what := "an object"
			if typ != "" {
				what = "a " + typ
				if strings.ContainsRune("AEIOU", rune(typ[0])) {
					what = "an " + typ
				}
			}
			return fail(p, "%s where FHIR defines %s", describe(item), what)
		}
		e.b.WriteString("<" + name)
		if typ == "Resource" || kind == "resource" {
			e.b.WriteString(">")
			if err := e.resource(m, p, false); err != nil {
				return err
			}
			e.b.WriteString("</" + name + ">")
			continue
		}
		if err := e.attributes(m, childPath, p); err != nil {
			return err
		}
		if err := e.content(m, childPath, p, name, false); err != nil {
			return err
		}
	}
	return nil
}

// scalar reports whether v is a JSON string, number or boolean, or an array
// of them (nulls aside): the values of primitives.
func scalar(v any) bool {
	switch v := v.(type) {
	case string, bool, json.Number, float64, int, int64:
		return true
	case []any:
		some := false
		for _, x := range v {
			if x == nil {
				continue
			}
			if !scalar(x) {
				return false
			}
			if _, nested := x.([]any); nested {
				return false
			}
			some = true
		}
		return some
	}
	return false
}

// primitives writes a primitive element, or each of a repeating one with
// its "_name" entry at the same index.
func (e *encoder) primitives(name string, val, ext any, hasVal, hasExt bool, path string) error {
	vals, valArray := val.([]any)
	exts, extArray := ext.([]any)
	if !valArray && !extArray {
		return e.primitive(name, val, ext, joinPath(path, name), joinPath(path, "_"+name))
	}
	if (hasVal && !valArray) || (hasExt && !extArray) {
		return fail(joinPath(path, name), "%s is an array and _%s not, or the other way round: FHIR JSON gives both as arrays of the same length", name, name)
	}
	if hasVal && hasExt && len(vals) != len(exts) {
		return fail(joinPath(path, "_"+name), "%d value(s) in %s and %d in _%s: FHIR JSON gives both arrays the same length", len(vals), name, len(exts), name)
	}
	for i := range max(len(vals), len(exts)) {
		var v, x any
		if i < len(vals) {
			v = vals[i]
		}
		if i < len(exts) {
			x = exts[i]
		}
		at := "[" + strconv.Itoa(i) + "]"
		if v == nil && x == nil {
			return fail(joinPath(path, name)+at, "null in %s and in _%s: FHIR XML has no element without a value, id or extension", name, name)
		}
		if err := e.primitive(name, v, x, joinPath(path, name)+at, joinPath(path, "_"+name)+at); err != nil {
			return err
		}
	}
	return nil
}

// primitive writes one primitive element: its value attribute and, from its
// "_name" object, its id attribute and extensions.
func (e *encoder) primitive(name string, val, ext any, path, extPath string) error {
	var x map[string]any
	if ext != nil {
		m, ok := ext.(map[string]any)
		if !ok {
			return fail(extPath, "%s where the id and extensions of a primitive are due (an object)", describe(ext))
		}
		x = m
	}
	e.b.WriteString("<" + name)
	if id, has := x["id"]; has {
		s, ok := id.(string)
		if !ok {
			return fail(joinPath(extPath, "id"), "FHIR XML writes a primitive's id as an attribute, so it must be a string, not %s", describe(id))
		}
		if err := e.attribute("id", s, joinPath(extPath, "id")); err != nil {
			return err
		}
	}
	if val != nil {
		text, err := valueText(val, path)
		if err != nil {
			return err
		}
		if err := e.attribute("value", text, path); err != nil {
			return err
		}
	}
	rest := make(map[string]any, len(x))
	for k, v := range x {
		if k != "id" {
			rest[k] = v
		}
	}
	return e.content(rest, "Element", extPath, name, false)
}

// valueText is a primitive's value as its value attribute holds it:
// numbers exactly as written.
func valueText(v any, path string) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "", fail(path, "%v is not a number FHIR can hold", v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	}
	return "", fail(path, "%s where a primitive value is due", describe(v))
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// xmlEntities are the entities XML declares, which FHIR XML may use.
var xmlEntities = map[string]bool{"lt": true, "gt": true, "amp": true, "quot": true, "apos": true}

// div writes the narrative's XHTML as given; a div in no namespace is said
// to be in none, since the resource's element around it is in FHIR's.
func (e *encoder) div(text, path string) error {
	var b strings.Builder
	for i := 0; i < len(text); {
		// comments, CDATA sections and instructions are copied whole: an &
		// in them is no reference
		skipped := false
		for _, span := range [][2]string{{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}} {
			if strings.HasPrefix(text[i:], span[0]) {
				end := strings.Index(text[i+len(span[0]):], span[1])
				if end < 0 {
					return fail(path, "the narrative div is not well-formed XML: %s is not closed", span[0])
				}
				end += i + len(span[0]) + len(span[1])
				b.WriteString(text[i:end])
				i, skipped = end, true
				break
			}
		}
		if skipped {
			continue
		}
		if text[i] != '&' {
			b.WriteByte(text[i])
			i++
			continue
		}
		end := strings.IndexByte(text[i:], ';')
		if end < 0 {
			return fail(path, "the narrative div is not well-formed XML: an & that starts no reference")
		}
		name := text[i+1 : i+end]
		switch {
		case xmlEntities[name] || strings.HasPrefix(name, "#"):
			b.WriteString(text[i : i+end+1])
		case xml.HTMLEntity[name] != "":
			return fail(path, "the narrative div uses the HTML entity &%s;, which FHIR XML does not declare: written as it is the XML would not be well-formed, and as a character reference it would be other data than the JSON's", name)
		default:
			return fail(path, "the narrative div uses the entity &%s;, which neither XML nor HTML defines", name)
		}
		i += end + 1
	}
	written, readBack, err := divOwnNamespace(b.String())
	if err != nil {
		return fail(path, "the narrative div cannot be written as FHIR XML: %v", err)
	}
	e.divs[path] = readBack
	e.b.WriteString(written)
	return nil
}

// divOwnNamespace checks that text is one well-formed element named div and
// makes it keep its own namespace inside the FHIR XML around it: a div that
// declares none is in none (xmlns=""). readBack is the text Decode gives
// for the div written, which drops an empty declaration.
func divOwnNamespace(text string) (written, readBack string, err error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = true
	var root *xml.StartElement
	var open []xml.Name
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(open) == 0 && root != nil {
				return "", "", fmt.Errorf("it holds a second element <%s> after the div", t.Name.Local)
			}
			if len(open) == 0 {
				s := t.Copy()
				root = &s
			}
			open = append(open, t.Name)
		case xml.EndElement:
			// RawToken leaves the matching of tags to its caller
			if len(open) == 0 || open[len(open)-1] != t.Name {
				return "", "", fmt.Errorf("the end tag </%s> closes no element it should (not well-formed XML)", qualified(t.Name))
			}
			open = open[:len(open)-1]
		case xml.Directive:
			return "", "", fmt.Errorf("it holds a markup declaration <!…>, which FHIR XML does not allow")
		case xml.CharData:
			if len(open) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return "", "", fmt.Errorf("it holds text outside the div")
			}
		}
	}
	if root == nil || root.Name.Local != "div" {
		return "", "", fmt.Errorf("it is not one element named div")
	}
	if len(open) != 0 {
		return "", "", fmt.Errorf("the text ends inside <%s> (not well-formed XML)", qualified(open[len(open)-1]))
	}
	if root.Name.Space != "" {
		return text, text, nil // prefixed: its prefix says where it is
	}
	for _, a := range root.Attr {
		if a.Name.Space == "" && a.Name.Local == "xmlns" {
			if a.Value == "" {
				return text, noEmptyNamespace(text), nil
			}
			return text, text, nil
		}
	}
	at := strings.Index(text, "<div") + len("<div")
	return text[:at] + ` xmlns=""` + text[at:], text, nil
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// difference finds the first path (names in order) where got, the resource
// read back from the XML, is not want, the resource written: the values
// there, or "" for none. Numbers compare by their text, a div by the text
// written, and an array of nulls as no array, which is how Decode gives it.
func (e *encoder) difference(want, got any, path string) (string, string, string) {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k, v := range wm {
			if !allNull(v) {
				keys[k] = true
			}
		}
		for k := range gm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			w := wm[k]
			if allNull(w) {
				w = nil
			}
			if p, a, b := e.difference(w, gm[k], joinPath(path, k)); p != "" || a != "" {
				return p, a, b
			}
		}
		return "", "", ""
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok {
		for i := range max(len(wl), len(gl)) {
			p := path + "[" + strconv.Itoa(i) + "]"
			var w, g any
			if i < len(wl) {
				w = wl[i]
			}
			if i < len(gl) {
				g = gl[i]
			}
			if i >= len(wl) || i >= len(gl) {
				return p, describeAll(w), describeAll(g)
			}
			if d, a, b := e.difference(w, g, p); d != "" || a != "" {
				return d, a, b
			}
		}
		return "", "", ""
	}
	if div, ok := e.divs[path]; ok {
		want = div
	}
	if sameValue(want, got) {
		return "", "", ""
	}
	return path, describeAll(want), describeAll(got)
}

func describeAll(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case []any:
		return "an array"
	}
	return describe(v)
}

func allNull(v any) bool {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return false
	}
	for _, x := range list {
		if x != nil {
			return false
		}
	}
	return true
}

// sameValue compares two JSON values that are not both objects or arrays;
// a number given as float64 or int equals the json.Number of its text.
func sameValue(want, got any) bool {
	if n, ok := got.(json.Number); ok {
		switch w := want.(type) {
		case float64, int, int64:
			text, err := valueText(w, "")
			return err == nil && text == n.String()
		}
	}
	return reflect.DeepEqual(want, got)
}
