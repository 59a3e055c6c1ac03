// Package elements is a compact index of the FHIR R4 core element definitions
// (the snapshots of the embedded StructureDefinitions in fhir/r4core): for a
// path such as "Patient.name.given" or "Observation.value[x]" it gives the
// cardinality, types, binding, constraints and whether the element is a choice,
// resolving paths through complex datatypes (Patient.name is a HumanName, so
// Patient.name.given is HumanName.given) and content references.
//
// The index is built once, on first use, and is immutable afterwards: share
// it between goroutines freely. It also implements fhirpath.Model.
package elements

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir/r4core"
)

// Element is one element definition of a base type or resource.
type Element struct {
	// Path is the definition path: "Patient.name", "Observation.value[x]".
	Path string `json:"p"`
	// Min and Max are the cardinality; Max is -1 for "*".
	Min int `json:"n,omitempty"`
	Max int `json:"x"`
	// Types are the allowed types; more than one only for choice elements.
	Types []Type `json:"t,omitempty"`
	// Binding is set for coded elements.
	Binding *Binding `json:"b,omitempty"`
	// Choice marks a value[x] element.
	Choice bool `json:"-"`
	// ContentReference is the path whose definition this element reuses
	// ("Questionnaire.item" for Questionnaire.item.item), or "".
	ContentReference string `json:"r,omitempty"`
	// Constraints are the invariants declared on the element.
	Constraints []Constraint `json:"c,omitempty"`
	// IsModifier and IsSummary are the flags of the definition.
	IsModifier bool `json:"m,omitempty"`
	IsSummary  bool `json:"s,omitempty"`
	// hasChildren is true when the definition declares elements below this
	// one (backbone elements), so navigation stays in this definition.
	hasChildren bool
	// order is the element's position in its definition's snapshot, which
	// lists siblings in the order FHIR XML must write them.
	order int
}

// Name is the last segment of the path without "[x]": "value", "given".
func (e *Element) Name() string {
	n := e.Path[strings.LastIndexByte(e.Path, '.')+1:]
	return strings.TrimSuffix(n, "[x]")
}

// Precedes reports whether e comes before o in the order of their common
// definition, the order FHIR XML writes sibling elements in (R4 §2.6.1).
// Elements of different parents are not ordered against each other.
func (e *Element) Precedes(o *Element) bool {
	return e.order < o.order && parentPath(e.Path) == parentPath(o.Path)
}

// IsArray reports whether the element repeats (max > 1 or "*"), which makes it
// a JSON array.
func (e *Element) IsArray() bool { return e.Max < 0 || e.Max > 1 }

// TypeCode is the single type code of a non-choice element, or "".
func (e *Element) TypeCode() string {
	if len(e.Types) == 1 {
		return e.Types[0].Code
	}
	return ""
}

// Type is one allowed type of an element.
type Type struct {
	// Code is a FHIR type name ("HumanName", "string", "Reference"). For the
	// id and value of primitives, whose definitions use System types, it is
	// the FHIR type their JSON uses ("string", "boolean", ...).
	Code           string   `json:"c"`
	Profiles       []string `json:"p,omitempty"`
	TargetProfiles []string `json:"t,omitempty"`
}

// Binding is the value set binding of a coded element.
type Binding struct {
	Strength string `json:"s"` // required, extensible, preferred, example
	ValueSet string `json:"v,omitempty"`
}

// Constraint is an invariant of an element.
type Constraint struct {
	Key        string `json:"k"`
	Severity   string `json:"s"`
	Human      string `json:"h"`
	Expression string `json:"e,omitempty"`
	Source     string `json:"o,omitempty"`
}

// Definition is one base type or resource: its kind and its elements.
type Definition struct {
	Name     string     `json:"n"` // "Patient", "HumanName", "string"
	Kind     string     `json:"k"` // primitive-type, complex-type, resource, logical
	Abstract bool       `json:"a,omitempty"`
	Base     string     `json:"b,omitempty"` // the base type name: "DomainResource", "Element"
	URL      string     `json:"u"`
	Elements []*Element `json:"e,omitempty"`
}

// Index holds the definitions by name. Each definition's elements are
// decoded on first use: validating one Patient reads the few types it meets,
// not the 650 definitions of the core.
type Index struct {
	defs map[string]*lazyDefinition
	// holds memoises HoldsResources by definition path: derived from the
	// immutable definitions, so every caller sees the same answers.
	holds sync.Map
}

// lazyDefinition is one definition: its header at once, its elements and
// their lookups once something asks for them.
type lazyDefinition struct {
	head Definition
	file *zip.File

	once sync.Once
	def  *Definition
	// paths indexes the elements by definition path; kids by parent path and
	// name (without [x]), so that navigation looks up without building path
	// strings.
	paths map[string]*Element
	kids  map[string]map[string]*Element
}

// R4 returns the index of the embedded R4 core definitions, built on first
// use. The result is cached: it is derived from embedded constant data and
// immutable, so all callers share it as they would a constant.
func R4() (*Index, error) { return r4() }

// Load builds a new index of the embedded R4 core definitions, for a program
// that wants its own rather than the shared one.
func Load() (*Index, error) { return build() }

var r4 = r4Builder()

// r4Builder returns a function that builds the index once.
func r4Builder() func() (*Index, error) {
	return sync.OnceValues(build)
}

// indexFile lists the definitions' headers in the embedded archive; each
// definition's elements are the entry named after it.
const indexFile = "index.json"

func build() (*Index, error) {
	zr, err := zip.NewReader(bytes.NewReader(compactR4), int64(len(compactR4)))
	if err != nil {
		return nil, fmt.Errorf("elements: embedded index: %w", err)
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[f.Name] = f
	}
	raw, err := readEntry(files[indexFile])
	if err != nil {
		return nil, err
	}
	var heads []Definition
	if err := json.Unmarshal(raw, &heads); err != nil {
		return nil, fmt.Errorf("elements: embedded index: %w", err)
	}
	ix := &Index{defs: make(map[string]*lazyDefinition, len(heads))}
	for _, h := range heads {
		f := files[h.Name+".json"]
		if f == nil {
			return nil, fmt.Errorf("elements: embedded index: no elements for %s", h.Name)
		}
		ix.defs[h.Name] = &lazyDefinition{head: h, file: f}
	}
	return ix, nil
}

func readEntry(f *zip.File) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("elements: embedded index: no %s", indexFile)
	}
	b, err := r4core.ReadEntry(f)
	if err != nil {
		return nil, fmt.Errorf("elements: embedded index: %w", err)
	}
	return b, nil
}

// load decodes the definition's elements once. The archive is embedded and
// checked by the package's specs entry by entry, so a failure here is a broken
// build, not bad input: it panics rather than answer as if the type had no
// elements.
func (d *lazyDefinition) load() *lazyDefinition {
	d.once.Do(func() {
		raw, err := readEntry(d.file)
		var els []*Element
		if err == nil {
			err = json.Unmarshal(raw, &els)
		}
		if err != nil {
			panic(fmt.Sprintf("elements: embedded definition %s: %v", d.head.Name, err))
		}
		def := d.head
		def.Elements = els
		d.paths = make(map[string]*Element, len(els))
		d.kids = map[string]map[string]*Element{}
		for i, el := range els {
			el.order = i
			el.Choice = strings.HasSuffix(el.Path, "[x]")
			parent := parentPath(el.Path)
			if p := d.paths[parent]; p != nil {
				p.hasChildren = true
			}
			d.paths[el.Path] = el
			if parent != "" {
				if d.kids[parent] == nil {
					d.kids[parent] = map[string]*Element{}
				}
				d.kids[parent][el.Name()] = el
			}
		}
		d.def = &def
	})
	return d
}

// definitionOf returns the loaded definition a definition path belongs to
// ("Patient" for "Patient.contact.name"), or nil.
func (ix *Index) definitionOf(path string) *lazyDefinition {
	name := path
	if i := strings.IndexByte(path, '.'); i >= 0 {
		name = path[:i]
	}
	d := ix.defs[name]
	if d == nil {
		return nil
	}
	return d.load()
}

// pathElement is the element declared at a definition path, or nil.
func (ix *Index) pathElement(path string) *Element {
	if d := ix.definitionOf(path); d != nil {
		return d.paths[path]
	}
	return nil
}

// kidsOf are the elements declared under a definition path, by name.
func (ix *Index) kidsOf(parent string) map[string]*Element {
	if d := ix.definitionOf(parent); d != nil {
		return d.kids[parent]
	}
	return nil
}

// head is a definition's header (name, kind, base), or nil.
func (ix *Index) head(name string) *Definition {
	if d := ix.defs[name]; d != nil {
		return &d.head
	}
	return nil
}

// compactR4 is the R4 core element index, generated from fhir/r4core by
// "go generate" (see gen.go): a zip archive of the definitions' headers
// (index.json) and one entry of elements per definition. Decoding the full
// definitions takes most of a second, the whole index tens of milliseconds,
// and one type's entry well under one.
//
//go:embed r4.zip
var compactR4 []byte

// MustR4 is R4 for programs whose embedded data cannot be broken.
func MustR4() *Index {
	ix, err := R4()
	if err != nil {
		panic(err)
	}
	return ix
}

type jsonSD struct {
	ResourceType   string `json:"resourceType"`
	ID             string `json:"id"`
	URL            string `json:"url"`
	Kind           string `json:"kind"`
	Abstract       bool   `json:"abstract"`
	Type           string `json:"type"`
	Derivation     string `json:"derivation"`
	BaseDefinition string `json:"baseDefinition"`
	Snapshot       struct {
		Element []jsonElement `json:"element"`
	} `json:"snapshot"`
}

type jsonElement struct {
	Path             string `json:"path"`
	Min              int    `json:"min"`
	Max              string `json:"max"`
	ContentReference string `json:"contentReference"`
	IsModifier       bool   `json:"isModifier"`
	IsSummary        bool   `json:"isSummary"`
	Type             []struct {
		Code      string `json:"code"`
		Extension []struct {
			URL      string `json:"url"`
			ValueURL string `json:"valueUrl"`
		} `json:"extension"`
		Profile       []string `json:"profile"`
		TargetProfile []string `json:"targetProfile"`
	} `json:"type"`
	Binding *struct {
		Strength string `json:"strength"`
		ValueSet string `json:"valueSet"`
	} `json:"binding"`
	Constraint []struct {
		Key        string `json:"key"`
		Severity   string `json:"severity"`
		Human      string `json:"human"`
		Expression string `json:"expression"`
		Source     string `json:"source"`
	} `json:"constraint"`
}

// FromBundles reads Bundles of StructureDefinitions (FHIR JSON, such as
// profiles-types.json) and returns the base definitions (derivation
// "specialization") with their snapshots.
func FromBundles(bundles ...[]byte) ([]*Definition, error) {
	var defs []*Definition
	for i, data := range bundles {
		var b struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, fmt.Errorf("bundle %d: %w", i+1, err)
		}
		for _, e := range b.Entry {
			if !bytes.Contains(e.Resource[:min(len(e.Resource), 200)], []byte(`"StructureDefinition"`)) {
				continue
			}
			var sd jsonSD
			if err := json.Unmarshal(e.Resource, &sd); err != nil {
				return nil, fmt.Errorf("bundle %d: %w", i+1, err)
			}
			if sd.ResourceType != "StructureDefinition" || sd.Derivation == "constraint" || len(sd.Snapshot.Element) == 0 {
				continue
			}
			defs = append(defs, definition(&sd))
		}
	}
	return defs, nil
}

func definition(sd *jsonSD) *Definition {
	def := &Definition{Name: sd.ID, Kind: sd.Kind, Abstract: sd.Abstract, URL: sd.URL}
	def.Base = sd.BaseDefinition[strings.LastIndexByte(sd.BaseDefinition, '/')+1:]
	def.Elements = make([]*Element, 0, len(sd.Snapshot.Element))
	for i := range sd.Snapshot.Element {
		je := &sd.Snapshot.Element[i]
		el := &Element{Path: je.Path, Min: je.Min, Max: parseMax(je.Max), IsModifier: je.IsModifier, IsSummary: je.IsSummary}
		if je.ContentReference != "" {
			el.ContentReference = strings.TrimPrefix(je.ContentReference, "#")
		}
		for _, t := range je.Type {
			code := t.Code
			for _, x := range t.Extension {
				if x.URL == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type" {
					code = x.ValueURL
				}
			}
			el.Types = append(el.Types, Type{Code: code, Profiles: t.Profile, TargetProfiles: t.TargetProfile})
		}
		if je.Binding != nil {
			el.Binding = &Binding{Strength: je.Binding.Strength, ValueSet: je.Binding.ValueSet}
		}
		for _, c := range je.Constraint {
			el.Constraints = append(el.Constraints, Constraint{Key: c.Key, Severity: c.Severity, Human: c.Human, Expression: c.Expression, Source: c.Source})
		}
		def.Elements = append(def.Elements, el)
	}
	return def
}

// Compact writes definitions in the form the embedded index uses: a zip
// archive of their headers and one entry of elements per definition, with no
// timestamps, so the same definitions always give the same bytes.
func Compact(defs []*Definition) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	heads := make([]Definition, len(defs))
	for i, d := range defs {
		heads[i] = *d
		heads[i].Elements = nil
	}
	if err := writeEntry(zw, indexFile, heads); err != nil {
		return nil, err
	}
	for _, d := range defs {
		if err := writeEntry(zw, d.Name+".json", d.Elements); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeEntry(zw *zip.Writer, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '.'); i > 0 {
		return p[:i]
	}
	return ""
}

func parseMax(s string) int {
	if s == "*" {
		return -1
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Definition returns a base type or resource by name ("Patient", "HumanName").
func (ix *Index) Definition(name string) *Definition {
	if d := ix.defs[name]; d != nil {
		return d.load().def
	}
	return nil
}

// Names lists the names of all definitions (types and resources).
func (ix *Index) Names() []string {
	out := make([]string, 0, len(ix.defs))
	for n := range ix.defs {
		out = append(out, n)
	}
	return out
}

// IsResource reports whether name is a resource type.
func (ix *Index) IsResource(name string) bool {
	d := ix.head(name)
	return d != nil && d.Kind == "resource"
}

// IsPrimitive reports whether name is a primitive type ("date", "code").
func (ix *Index) IsPrimitive(name string) bool {
	d := ix.head(name)
	return d != nil && d.Kind == "primitive-type"
}

// Element returns the definition of a path, following datatypes and content
// references: "Patient.name.given" gives HumanName.given. Choice elements can
// be named with or without "[x]" ("Observation.value" or
// "Observation.value[x]"), and a typed choice name such as
// "Observation.valueQuantity" gives Observation.value[x]. Returns nil for an
// unknown path.
func (ix *Index) Element(path string) *Element {
	if el := ix.pathElement(path); el != nil {
		return el
	}
	segs := strings.Split(path, ".")
	if len(segs) < 2 {
		return nil
	}
	parent := segs[0]
	var el *Element
	chosen := ""
	for _, seg := range segs[1:] {
		if el != nil {
			parent = chosen
			if parent == "" {
				parent = ix.childPath(el)
			}
			if parent == "" {
				return nil
			}
		}
		seg = strings.TrimSuffix(seg, "[x]")
		el, chosen = ix.child(parent, seg)
		if el == nil {
			return nil
		}
	}
	return el
}

// child finds element name under the definition path parent, including a
// choice element named by its typed JSON name.
// choice element named by its typed JSON name; chosen is then the type.
func (ix *Index) child(parent, name string) (el *Element, chosen string) {
	kids := ix.kidsOf(parent)
	if el := kids[name]; el != nil {
		return el, ""
	}
	// valueQuantity → value[x]
	for i := len(name) - 1; i > 0; i-- {
		if name[i] >= 'A' && name[i] <= 'Z' {
			if el := kids[name[:i]]; el != nil && el.Choice {
				if t := typeFromSuffix(name[i:]); el.allows(t) {
					return el, t
				}
			}
		}
	}
	return nil, ""
}

func (e *Element) allows(code string) bool {
	for _, t := range e.Types {
		if t.Code == code || (t.Code == "*") {
			return true
		}
	}
	return false
}

// typeFromSuffix turns a choice suffix into a type code: "Quantity" stays,
// "String" becomes "string", "DateTime" becomes "dateTime".
func typeFromSuffix(s string) string {
	lower := strings.ToLower(s[:1]) + s[1:]
	switch lower {
	case "boolean", "integer", "string", "decimal", "uri", "url", "canonical", "base64Binary", "instant",
		"date", "dateTime", "time", "code", "oid", "id", "markdown", "unsignedInt", "positiveInt", "uuid", "xhtml":
		return lower
	}
	return s
}

// childPath is the definition path under which el's children are defined: el's
// own path for backbone elements, the referenced path for content references,
// or its datatype's name.
func (ix *Index) childPath(el *Element) string {
	switch {
	case el.ContentReference != "":
		return el.ContentReference
	case el.hasChildren:
		return el.Path
	case len(el.Types) == 1:
		return el.Types[0].Code
	}
	return ""
}

// Child implements fhirpath.Model: the type of element name under the
// definition path parent and the definition path of its own children.
func (ix *Index) Child(parent, name string) (typ, path string, choice, ok bool) {
	el := ix.kidsOf(parent)[name]
	if el == nil {
		// a resource's path may be asked as its base type: Resource.id on a Patient
		if def := ix.head(parent); def != nil && def.Base != "" && def.Base != parent {
			return ix.Child(def.Base, name)
		}
		return "", "", false, false
	}
	if el.Choice {
		return "", "", true, true
	}
	if len(el.Types) == 1 {
		typ = el.Types[0].Code
	}
	if el.ContentReference != "" {
		if ref := ix.pathElement(el.ContentReference); ref != nil && len(ref.Types) == 1 {
			typ = ref.Types[0].Code
		}
	}
	return typ, ix.childPath(el), false, true
}

// JSONKind is how a primitive type is written in FHIR JSON: "boolean",
// "number" or "string".
func JSONKind(typeCode string) string {
	switch typeCode {
	case "boolean":
		return "boolean"
	case "integer", "positiveInt", "unsignedInt", "decimal", "integer64":
		return "number"
	}
	return "string"
}

// Resolve describes the child called name (a JSON or XML element name, so
// "valueQuantity" for a choice) of the element at definition path parent. typ
// is the child's type code (for a choice, the type its name selects) and
// childPath the definition path of the child's own children. el is nil for an
// unknown child.
func (ix *Index) Resolve(parent, name string) (el *Element, typ, childPath string) {
	el, chosen := ix.child(parent, name)
	if el == nil {
		if def := ix.head(parent); def != nil && def.Base != "" && def.Base != parent {
			return ix.Resolve(def.Base, name)
		}
		return nil, "", ""
	}
	if chosen != "" {
		return el, chosen, chosen
	}
	if el.Choice {
		return el, "", ""
	}
	typ = el.TypeCode()
	if el.ContentReference != "" {
		if ref := ix.pathElement(el.ContentReference); ref != nil {
			typ = ref.TypeCode()
		}
	}
	return el, typ, ix.childPath(el)
}

// HoldsResources reports whether an element at or below the definition path
// (a type's name or a backbone element's path) can hold a resource: whether
// an element typed Resource or a resource type (DomainResource.contained,
// Bundle.entry.resource, Bundle.entry.response.outcome,
// Parameters.parameter.resource) is reached through its children's
// types, content references and the type's bases. A walk looking for held
// resources skips what cannot hold one, and the places it finds them are
// the definitions' own, not a list kept by hand.
func (ix *Index) HoldsResources(path string) bool {
	if v, ok := ix.holds.Load(path); ok {
		return v.(bool)
	}
	h := ix.holdsResources(path, map[string]bool{})
	ix.holds.Store(path, h)
	return h
}

// holdsResources is HoldsResources without the memo; seen stops cycles
// (Extension.extension, Identifier.assigner's Reference.identifier), each
// of which adds no element its first visit did not explore.
func (ix *Index) holdsResources(path string, seen map[string]bool) bool {
	for p := path; p != "" && !seen[p]; {
		seen[p] = true
		for _, el := range ix.kidsOf(p) {
			var next []string
			switch {
			case el.ContentReference != "":
				next = []string{el.ContentReference}
			case el.hasChildren:
				next = []string{el.Path}
			}
			for _, t := range el.Types {
				if t.Code == "Resource" || ix.IsResource(t.Code) {
					return true
				}
				if !el.hasChildren && el.ContentReference == "" {
					next = append(next, t.Code)
				}
			}
			for _, n := range next {
				if ix.holdsResources(n, seen) {
					return true
				}
			}
		}
		// A resource's own elements are declared on its bases too
		// (DomainResource.contained).
		d := ix.head(p)
		if d == nil || d.Base == p {
			break
		}
		p = d.Base
	}
	return false
}

// HasType reports whether name is a type or resource of the index.
func (ix *Index) HasType(name string) bool { return ix.defs[name] != nil }
