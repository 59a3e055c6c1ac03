package profile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/coded"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// Codes of the findings the profile validator raises.
const (
	CodeUnknownElement = "profile.unknown-element"
	CodeCardinality    = "profile.cardinality"
	CodeType           = "profile.type"
	CodeFormat         = "profile.format"
	CodeFixed          = "profile.fixed"
	CodePattern        = "profile.pattern"
	CodeMaxLength      = "profile.max-length"
	// CodeMinLength is a string shorter than its profile's minLength.
	CodeMinLength = "profile.min-length"
	// CodeValueAbsent is a primitive without a value where its profile
	// requires one (mustHaveValue) or names the extensions that may stand
	// in for it (valueAlternatives).
	CodeValueAbsent = "profile.value-absent"
	CodeBinding     = "profile.binding"
	CodeExtension   = "profile.extension"
	// CodeUnknownExtension is an extension whose definition is not loaded;
	// its evidence is the extension's url.
	CodeUnknownExtension = "profile.unknown-extension"
	CodeSlicing          = "profile.slicing"
	CodeReference        = "profile.reference"
	CodeInvariant        = "profile.invariant"
	CodeNotEvaluated     = "profile.invariant-not-evaluated"
	CodeProfile          = "profile.unknown-profile"
	// CodeGuideFileSkipped is a file of a loaded guide the definitions
	// loader could not read; CodeDependencyNotLoaded a package a guide
	// depends on that the run did not load as asked. Both are said once per
	// result: what they define is not decided, never the data's failure.
	CodeGuideFileSkipped    = "profile.guide-file-skipped"
	CodeDependencyNotLoaded = "profile.dependency-not-loaded"
	// CodeTypeProfile is a datatype value that conforms to none of the
	// profiles its element's type names (conformance.go).
	CodeTypeProfile = "profile.type-profile"
	CodeBundle      = "profile.bundle"
	CodeCoding      = "profile.coding"
	CodeNarrative   = "profile.narrative"
	CodeMarkdown    = "profile.markdown"
	// CodeSecurity is content a careless reader could execute (HTML in a
	// string), reported when security checks are on.
	CodeSecurity = "profile.security"
	// CodeDuplicate is a repeat in what must be a set: element ids,
	// contained resource ids, security labels (duplicates.go).
	CodeDuplicate = "profile.duplicate"
	// CodeCodeSystem is a CodeSystem whose content, count or supplement
	// disagree (codesystem.go).
	CodeCodeSystem = "profile.codesystem"
	// CodeAttachment is an Attachment whose size or hash disagrees with its
	// data (attachments.go).
	CodeAttachment = "profile.attachment"
)

// Sink collects what validating records produces besides findings: the
// invariants that could not be evaluated and must-support coverage.
type Sink struct {
	// Unevaluated maps an invariant key to why it could not be evaluated.
	Unevaluated map[string]string `json:"unevaluated,omitempty"`
	// Coverage maps a profile URL to its must-support coverage.
	Coverage map[string]*Coverage `json:"coverage,omitempty"`
	locals   localCache
}

// Coverage counts how many must-support elements the records validated
// against a profile populate.
type Coverage struct {
	Records   int64 `json:"records"`
	Elements  int64 `json:"elements"`  // must-support elements per record × records
	Populated int64 `json:"populated"` // of those, populated
}

// Merge adds another sink's contents.
func (s *Sink) Merge(o *Sink) {
	for k, v := range o.Unevaluated {
		if s.Unevaluated == nil {
			s.Unevaluated = map[string]string{}
		}
		if _, ok := s.Unevaluated[k]; !ok {
			s.Unevaluated[k] = v
		}
	}
	for k, v := range o.Coverage {
		if s.Coverage == nil {
			s.Coverage = map[string]*Coverage{}
		}
		c := s.Coverage[k]
		if c == nil {
			c = &Coverage{}
			s.Coverage[k] = c
		}
		c.Records += v.Records
		c.Elements += v.Elements
		c.Populated += v.Populated
	}
}

// walker validates one record against one compiled profile.
type walker struct {
	e        *Engine
	rec      *model.Record
	compiled *Compiled
	// res is the resource being walked (%resource); root the record's resource.
	res, root map[string]any
	out       []model.Finding
	sink      *Sink
	ms        []bool
	bundle    *localIndex
	div       *checkedDiv
	// ids maps the element ids of the resource being walked to the path of
	// the element that has each (duplicates.go).
	ids map[string]string
	// resPath is where res is in the record ("Patient.contained[0]").
	resPath string
	// resHolder is the resource res is held in (its container, the
	// Parameters or Bundle it is in), res itself at the record's root.
	resHolder map[string]any
	// extURL is the url of the extension whose content is being walked,
	// for extensions whose context is another extension.
	extURL string
	// extParent is the complex extension whose content is being walked (nil
	// outside extensions): its definition declares the relative urls of its
	// sub-extensions.
	extParent *extParent
	// segs are the steps of the paths of the values being walked (pathAt),
	// in segsBuf while they fit: few paths are deeper.
	segs    []pathSeg
	segsBuf [16]pathSeg
	// discBuf holds what the discriminators' paths select in the items
	// slice is assigning, while they fit; discLent says a slice call holds
	// it (one entered again before it returns uses the heap).
	discBuf  [16]any
	discLent bool
	// holder is the object whose properties are being walked: the element
	// an extension found among them is used on.
	holder holder
	// depth counts the conformance checks this walk is nested in (profile
	// discriminators, target profiles), which bounds cycles of references.
	depth int
	// found collects the record's coded values for the run's shelf, in a
	// walk against the record's base type; nil in other walks (coded.go).
	found *codedFinds
	// noFullURLSaid records that the walked resource's Bundle entry was
	// reported for lacking the fullUrl its references need (bundle_fullurl.go).
	noFullURLSaid bool
	// proof learns, in the same walk, whether the record is well shaped
	// for the JSON-schema check (shape.go); nil in other walks.
	proof *shapeProof
	// standingSaid records the definitions whose standing was noted
	// (definition_standing.go), to note each once per record.
	standingSaid map[string]bool
	// typesTogether is the choice element carried under two or more types
	// whose names are being walked one by one: no one name can tell
	// whether it meets a slice's minimum, which choiceSlices judges of them
	// together. Elements nested in the values keep their own minimums.
	typesTogether *node
}

// holder is an element being walked, with its definition and type (t is
// nil for a resource's root).
type holder struct {
	value map[string]any
	n     *node
	t     *typeInfo
}

// Validate checks a record's resource against a compiled profile and returns the findings;
// sink (which may be nil) collects unevaluated invariants and coverage.
func (e *Engine) Validate(rec *model.Record, p *Compiled, sink *Sink) []model.Finding {
	return e.validate(rec, p, sink, false)
}

// validate is Validate; with shelve, it puts the coded values the walk
// finds on the engine's shelf (coded.go).
func (e *Engine) validate(rec *model.Record, p *Compiled, sink *Sink, shelve bool) []model.Finding {
	if !p.IsCore && rec.Type == "Bundle" && rec.Entries != nil {
		// A Bundle whose entries are records of their own is walked
		// without them against its base type, whose rules on entries read
		// their summaries; a profile beyond it may judge each entry's
		// resource (entry slices, types, cardinality), so it walks the
		// whole Bundle.
		whole, err := fhir.WholeBundle(rec)
		if err != nil {
			return []model.Finding{rec.Finding(model.Warning, CodeProfile, rec.Type, "not checked against profile "+p.URL+": "+err.Error())}
		}
		rec = whole
	}
	res := rec.Resource()
	if res == nil {
		return nil
	}
	if sink == nil {
		sink = &Sink{}
	}
	w := &walker{e: e, rec: rec, compiled: p, res: res, root: res, sink: sink}
	w.segs = w.segsBuf[:0]
	if len(p.mustSupport) > 0 {
		w.ms = make([]bool, len(p.mustSupport))
	}
	if rec.Container != nil && rec.Container.Type == "Bundle" {
		w.bundle = e.bundleIndex(rec.Container)
	}
	typ := fhir.ResourceType(res)
	var paths *coded.PathBuffer
	if msg := wrongType(typ, p); msg != "" {
		w.add(model.Error, CodeType, typ, msg, "")
		return w.out
	}
	if shelve {
		// most records hold a dozen or two coded values
		w.found = &codedFinds{vals: make([]coded.Value, 0, 16)}
		paths = e.pathBuffers.Get().(*coded.PathBuffer)
		w.found.paths.WriteIn(paths)
		w.proof = newShapeProof(e.proofs)
	}
	w.resource(res, p, typ)
	if shelve {
		w.found.paths.Seal(paths)
		e.pathBuffers.Put(paths)
	}
	if shelve && !w.found.partial {
		e.shelf.Put(rec, w.found.vals)
	}
	if w.proof != nil {
		e.proofs.Put(rec, w.proof.holds(w.out))
	}
	if len(w.ms) > 0 {
		sink.covered(p.URL, w.ms)
	}
	return w.out
}

// covered counts one record's must-support coverage of a profile: ms says
// which of its must-support elements the record populated.
func (s *Sink) covered(url string, ms []bool) {
	c := s.coverage(url)
	c.Records++
	c.Elements += int64(len(ms))
	for _, b := range ms {
		if b {
			c.Populated++
		}
	}
}

func (s *Sink) coverage(url string) *Coverage {
	if s.Coverage == nil {
		s.Coverage = map[string]*Coverage{}
	}
	c := s.Coverage[url]
	if c == nil {
		c = &Coverage{}
		s.Coverage[url] = c
	}
	return c
}

func (w *walker) add(sev model.Severity, code, path, msg, evidence string) {
	f := w.rec.Finding(sev, code, path, msg)
	f.Evidence = evidence
	f.Sensitive = personal.FHIRPath(path)
	w.out = append(w.out, f)
}

// resource walks a (possibly contained) resource against a compiled profile.
func (w *walker) resource(m map[string]any, p *Compiled, path string) {
	saved, savedIDs, savedPath, savedHolder := w.res, w.ids, w.resPath, w.resHolder
	w.res, w.ids, w.resPath, w.resHolder = m, nil, path, saved
	w.object(m, p.root, nil, path, true)
	w.invariants(p.root, nil, m, nil, path)
	w.uniqueSets(m, path)
	w.resourceRules(m, p.Type, path)
	w.res, w.ids, w.resPath, w.resHolder = saved, savedIDs, savedPath, savedHolder
}

// object validates the properties of a JSON object against the children of
// node n (for a value of type t).
func (w *walker) object(m map[string]any, n *node, t *typeInfo, path string, isResource bool) {
	w.objectOn(m, n, t, path, isResource, hostElem{n: n, t: t})
}

// hostElem is the element whose properties are being walked, which the
// extensions among them are used on. Its text ("path|type", or a literal) is
// built only for an extension that asks: a walk meets many objects and few
// extensions.
type hostElem struct {
	n *node
	// t is the element's type, nil for a resource's root.
	t *typeInfo
	// literal is the whole text when n is nil.
	literal string
}

func (h hostElem) String() string {
	switch {
	case h.n == nil:
		return h.literal
	case h.t == nil:
		return h.n.path
	}
	return h.n.path + "|" + h.t.code
}

// objectOn is object with the host (element path and type, "a.b|T") that
// extensions found in m are used on.
func (w *walker) objectOn(m map[string]any, n *node, t *typeInfo, path string, isResource bool, host hostElem) {
	at := w.pathRoot(path)
	w.objectAt(m, n, t, at, isResource, host)
	w.pathEnd(at)
}

// objectAt is objectOn at a path built only when needed.
func (w *walker) objectAt(m map[string]any, n *node, t *typeInfo, at pathAt, isResource bool, host hostElem) {
	saved := w.holder
	w.holder = holder{value: m, n: n, t: t}
	lay := n.layoutFor(t)
	if lay == nil {
		lay = &layout{} // no children: every key is unknown
	}
	// The children m has, with their values, found in one pass over its
	// keys: a value holds few of the elements its type defines, and a small
	// map answers a lookup of an absent key slowly, so neither each
	// definition nor "id" is looked up in m. where maps a slot of the layout
	// to its entry in present (0: absent).
	var onStack [24]presentChild
	present := onStack[:0]
	var whereOnStack [128]uint16
	where := whereOnStack[:0]
	if lay.slots <= len(whereOnStack) {
		where = whereOnStack[:lay.slots]
	} else {
		where = make([]uint16, lay.slots) // wider than any R4 type
	}
	entry := func(slot int) *presentChild {
		if where[slot] == 0 {
			present = append(present, presentChild{})
			where[slot] = uint16(len(present))
		}
		return &present[where[slot]-1]
	}
	id, hasID, hasType := "", false, false
	for key, val := range m {
		switch key {
		case "id":
			id, hasID = val.(string)
		case "resourceType":
			hasType = true
		}
		r := lay.role(key)
		if r == nil {
			continue
		}
		if r.plain >= 0 {
			entry(r.plain).set(val, r.companion)
		}
		for i := range r.choices {
			c := &r.choices[i]
			e := entry(c.slot)
			e.set(val, r.companion)
			if e.choice != nil && e.choice.name != c.name {
				e.several = true
			}
			e.choice = c
		}
	}
	if hasID && !isResource {
		w.elementID(id, w.pathText(at))
	}
	seen := 0
	for i, k := range lay.kids {
		var c *presentChild
		if s := lay.kidSlot[i]; s >= 0 && where[s] != 0 {
			c = &present[where[s]-1]
		}
		if k.choice {
			if c != nil && !c.several {
				seen += c.count()
				w.property(c.choice.name, c.member, k, c.choice.t, at, host)
				if underOtherType(m, k) {
					w.carriedTwice(m, k, at)
				}
				continue
			}
			found := ""
			if c != nil { // several types: each checked, in name order
				outer := w.typesTogether
				w.typesTogether = k
				for _, name := range choiceNames(m, k) {
					kt := k.typeBySuffix(name[len(k.name):])
					v, hasV := m[name]
					ev, hasE := m["_"+name]
					if hasV {
						seen++
					}
					if hasE {
						seen++
					}
					if found != "" && found != name {
						w.add(model.Error, CodeCardinality, w.pathText(at)+"."+name, fmt.Sprintf("only one %s[x] is allowed, but both %s and %s are present", k.name, found, name), "")
					}
					found = name
					w.property(name, member{v: v, ev: ev, hasV: hasV, hasE: hasE}, k, kt, at, host)
				}
				w.typesTogether = outer
				w.choiceSlices(m, k, at)
			}
			// A value under a type the base allows and k does not is there:
			// its type is the one fault (unknown reports it), so neither k's
			// minimum nor a slice's (a type slice on value[x]) says it is
			// absent too.
			elsewhere := found == "" && underOtherType(m, k)
			if found == "" && k.min > 0 && !elsewhere {
				w.add(model.Error, CodeCardinality, w.pathText(at)+"."+k.name+"[x]", fmt.Sprintf("%s[x] is required (minimum %d) but absent", k.name, k.min), "")
			}
			if found == "" && len(k.slices) > 0 && !elsewhere {
				w.absentSlices(k, w.pathText(at)+"."+k.name+"[x]")
			}
			continue
		}
		if c == nil {
			if k.min > 0 {
				w.add(model.Error, CodeCardinality, w.pathText(at)+"."+k.name, fmt.Sprintf("%s is required (minimum %d) but absent", k.name, k.min), "")
			}
			if len(k.slices) > 0 { // the path is built only when needed
				w.absentSlices(k, w.pathText(at)+"."+k.name)
			}
			continue
		}
		seen += c.count()
		var kt *typeInfo
		if len(k.types) > 0 {
			kt = k.types[0]
		}
		w.property(k.name, c.member, k, kt, at, host)
	}
	if isResource && hasType {
		seen++
	}
	if seen < len(m) {
		w.unknown(m, lay.kids, lay.index, w.pathText(at), isResource)
	}
	w.holder = saved // objectOn has no other way out
}

// carriedTwice reports choice k carried under a type k allows and also
// under one only the base allows (valueQuantity and valueString where a
// profile allows Quantity alone): one value[x] too many, as the base walk
// says it and the reference counts both names against the element's
// maximum, besides the forbidden type (unknown).
func (w *walker) carriedTwice(m map[string]any, k *node, at pathAt) {
	var names []string
	for key := range m {
		name := strings.TrimPrefix(key, "_")
		rest, ok := strings.CutPrefix(name, k.name)
		if !ok || rest == "" || k.typeBySuffix(rest) == nil && !baseAllows(k, rest) || slices.Contains(names, name) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		w.add(model.Error, CodeCardinality, w.pathText(at)+"."+names[i], fmt.Sprintf("only one %s[x] is allowed, but both %s and %s are present", k.name, names[i-1], names[i]), "")
	}
}

// choiceSlices judges the slices' minimums of choice k carried under two
// or more types at once (valueQuantity and valueString, which is itself an
// error): a slice is met when any of them is its value, as the element is
// one value carried twice, not two values that each miss the others' slices.
func (w *walker) choiceSlices(m map[string]any, k *node, at pathAt) {
	if len(k.slices) == 0 || k.slicing == nil {
		return
	}
	names := choiceNames(m, k)
	for _, s := range k.slices {
		if s.min == 0 {
			continue
		}
		met := false
		for _, name := range names {
			// A name given by its "_" companion alone is a value without
			// one, sliced as nil as property slices it (choiceNames keeps
			// only names m holds a value or a companion under).
			v := m[name]
			t := k.typeBySuffix(name[len(k.name):])
			_, paths := w.selectedPaths(nil, nil, v, k.slicing.Discriminator, t)
			if matched, _ := w.sliceMatch(v, paths, k, s, t); matched {
				met = true
				break
			}
		}
		if !met {
			w.add(model.Error, CodeSlicing, w.pathText(at)+"."+k.name+"[x]", fmt.Sprintf("slice %q of %s[x] requires at least %d value(s) but none of %s is one", s.sliceName, k.name, s.min, strings.Join(names, ", ")), "")
		}
	}
}

// choiceNames returns the names m holds for choice k's types, sorted (for
// deterministic findings); a "_" companion counts with its value.
func choiceNames(m map[string]any, k *node) []string {
	var names []string
	for key := range m {
		name := strings.TrimPrefix(key, "_")
		rest, ok := strings.CutPrefix(name, k.name)
		if !ok || rest == "" || rest[0] < 'A' || rest[0] > 'Z' || k.typeBySuffix(rest) == nil {
			continue // not this element, or reported as unknown
		}
		if _, hasV := m[name]; key[0] == '_' && hasV {
			continue // handled with its value
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// underOtherType reports whether m holds choice k under a type the base
// definition of the element allows and k does not (a profile's
// valueString where it allows only valueQuantity). The element is then
// there, with the wrong type, which unknown reports: it is not absent too,
// and counts for k's minimum as the reference validator counts it. A name
// whose type the base does not allow either is no value of k (the
// reference's parser sets it aside): k stays absent.
func underOtherType(m map[string]any, k *node) bool {
	for key := range m {
		rest, ok := strings.CutPrefix(strings.TrimPrefix(key, "_"), k.name)
		if ok && rest != "" && k.typeBySuffix(rest) == nil && baseAllows(k, rest) {
			return true
		}
	}
	return false
}

// baseChoice is the R4 core definition of choice k (the element a profile
// constrains), or nil where the core does not define it (a logical model's).
func baseChoice(k *node) *elements.Element {
	ix, err := elements.R4()
	if err != nil {
		return nil // the embedded index is part of the build
	}
	if el := ix.Element(k.path); el != nil && el.Choice {
		return el
	}
	return nil
}

// baseAllows reports whether the core definition of choice k allows the
// type whose JSON suffix is suffix ("String", "Quantity").
func baseAllows(k *node, suffix string) bool {
	el := baseChoice(k)
	return el != nil && slices.ContainsFunc(el.Types, func(t elements.Type) bool {
		return t.Code == "*" || definitions.TypeSuffix(t.Code) == suffix
	})
}

// pathAt is where a value is in the record ("Patient.name[0].given"): an
// index into the walker's path segments, whose text is built only when asked
// for. A walk meets many elements and few findings, so most never need it.
type pathAt int

// pathSeg is one step of a path: ".name", or "[index]" for an item, below
// the segment before it; or, for a walk's start, the whole text.
type pathSeg struct {
	name  string
	index int32
	// kept is the step of this path in the shelved values' path tree,
	// plus one; 0 when not kept (coded.go).
	kept int32
	item bool
	// root marks a walk's start, whose text is given.
	root bool
	// text is the whole path, once built.
	text string
}

// pathRoot starts a path at the given text, above every segment in use; the
// caller ends it with pathEnd.
func (w *walker) pathRoot(text string) pathAt {
	w.segs = append(w.segs, pathSeg{text: text, root: true})
	return pathAt(len(w.segs) - 1)
}

// pathEnd drops the segments from at up, once a walk started with pathRoot
// is done.
func (w *walker) pathEnd(at pathAt) { w.segs = w.segs[:at] }

// pathChild is the path of a property or an item of the value at at. The
// segments above at belong to values walked before (siblings and theirs),
// which are done: the walk goes depth first.
func (w *walker) pathChild(at pathAt, name string, index int, item bool) pathAt {
	w.segs = append(w.segs[:at+1], pathSeg{name: name, index: int32(index), item: item})
	return at + 1
}

// pathText is the text of the path at at.
func (w *walker) pathText(at pathAt) string {
	s := &w.segs[at]
	if s.text == "" && !s.root {
		base := w.pathText(at - 1)
		s = &w.segs[at]
		if s.item {
			s.text = base + "[" + strconv.Itoa(int(s.index)) + "]"
		} else {
			s.text = base + "." + s.name
		}
	}
	return s.text
}

// presentChild is a child element an object has: its value and its "_"
// companion, as the object holds them; for a choice, the name it has
// (several: more than one of its types).
type presentChild struct {
	member
	choice  *choiceKey
	several bool
}

// member is one JSON property of an element as an object holds it: its
// value and its "_" companion, each with whether it is there (a JSON null
// is there).
type member struct {
	v, ev      any
	hasV, hasE bool
}

func (c *presentChild) set(val any, companion bool) {
	if companion {
		c.ev, c.hasE = val, true
	} else {
		c.v, c.hasV = val, true
	}
}

// count is how many of the object's keys the child accounts for.
func (c *presentChild) count() int {
	n := 0
	if c.hasV {
		n++
	}
	if c.hasE {
		n++
	}
	return n
}

func (n *node) typeBySuffix(suffix string) *typeInfo {
	for _, t := range n.types {
		if t.suffix == suffix {
			return t
		}
	}
	return nil
}

// unknown reports the properties no child element accounts for.
func (w *walker) unknown(m map[string]any, kids []*node, index map[string]*node, path string, isResource bool) {
	var bad []string
	for key := range m {
		if key == "resourceType" && isResource {
			continue
		}
		name := strings.TrimPrefix(key, "_")
		if index[name] != nil && !index[name].choice {
			continue
		}
		known := false
		for _, k := range kids {
			if k.choice {
				if rest, ok := strings.CutPrefix(name, k.name); ok && rest != "" && k.typeBySuffix(rest) != nil {
					known = true
					break
				}
			}
		}
		if !known {
			bad = append(bad, key)
		}
	}
	slices.Sort(bad)
	for _, key := range bad {
		msg := fmt.Sprintf("unknown element %q: the definition does not allow it here", key)
		for _, k := range kids {
			if rest, ok := strings.CutPrefix(strings.TrimPrefix(key, "_"), k.name); k.choice && ok && rest != "" {
				allowed := typeList(k)
				if base := baseChoice(k); base != nil && !baseAllows(k, rest) {
					// Unknown to the base definition too: said as the walk
					// against the base type says it, one finding for both.
					allowed = baseTypeList(base)
				}
				msg = fmt.Sprintf("%q: %s[x] does not allow the type %s (allowed: %s)", key, k.name, rest, allowed)
			}
		}
		w.add(model.Error, CodeUnknownElement, path+"."+strings.TrimPrefix(key, "_"), msg, "")
	}
}

// typeArticle names a complex type for a finding ("a CodeableConcept",
// "a backbone element" when the element has no type of its own).
func typeArticle(t *typeInfo) string {
	if t == nil || t.code == "" || t.code == "BackboneElement" || t.code == "Element" {
		return "a backbone element"
	}
	switch t.code[0] {
	case 'A', 'E', 'I', 'O', 'U':
		return "an " + t.code
	}
	return "a " + t.code
}

func baseTypeList(el *elements.Element) string {
	var s []string
	for _, t := range el.Types {
		s = append(s, t.Code)
	}
	return strings.Join(s, ", ")
}

func typeList(k *node) string {
	var s []string
	for _, t := range k.types {
		s = append(s, t.code)
	}
	return strings.Join(s, ", ")
}

// property validates one JSON property (value and "_" companion) of element k.
func (w *walker) property(name string, m member, k *node, t *typeInfo, at pathAt, host hostElem) {
	v, ev, hasV, hasE := m.v, m.ev, m.hasV, m.hasE
	pa := w.pathChild(at, name, 0, false)
	p := func() string { return w.pathText(pa) } // built only for a finding or a slicing
	if hasE && (t == nil || !t.primitive) {
		// JSON gives only primitives a "_" companion (R4 §2.6.2.3): a
		// complex value carries its id and extensions itself, so the
		// companion is an element nobody defines, as the reference's
		// parser reports it. The value, if any, is walked without it.
		if w.proof != nil {
			w.proof.companion(t)
		}
		w.add(model.Error, CodeUnknownElement, w.pathText(at)+"._"+name, fmt.Sprintf("unknown element \"_%s\": only primitive elements have a _ companion, and %s is %s", name, name, typeArticle(t)), "")
		if !hasV {
			return
		}
		ev, hasE = nil, false
	}
	items, isArr := v.([]any)
	if !isArr && hasV {
		items = []any{v}
	}
	exts, extArr := ev.([]any)
	if !extArr && hasE {
		exts = []any{ev}
	}
	if k.baseMax1 && (isArr || extArr) {
		w.add(model.Error, CodeCardinality, p(), fhir.WordingOf(w.rec).NotSingle(name), "")
		if hasV {
			w.missFinds()
		}
		return
	}
	if !k.baseMax1 && ((hasV && !isArr) || (hasE && !extArr)) {
		w.add(model.Error, CodeCardinality, p(), fhir.WordingOf(w.rec).NotRepeating(name), "")
		if hasV {
			w.missFinds()
		}
		return
	}
	if (hasV && isArr && len(items) == 0) || (hasE && extArr && len(exts) == 0) {
		w.add(model.Error, CodeCardinality, p(), fmt.Sprintf("%s is an empty array: omit the element instead", name), "")
		return
	}
	if hasV && hasE && len(items) != len(exts) && !k.baseMax1 {
		w.add(model.Error, CodeCardinality, p(), fmt.Sprintf("%s and _%s have different lengths (%d and %d)", name, name, len(items), len(exts)), "")
	}
	count := max(len(items), len(exts))
	if k.max >= 0 && count > k.max {
		if k.max == 0 {
			w.add(model.Error, CodeCardinality, p(), fmt.Sprintf("%s is not allowed by the profile (maximum 0)", name), "")
		} else {
			w.add(model.Error, CodeCardinality, p(), fmt.Sprintf("%s has %d values, more than the maximum %d", name, count, k.max), "")
		}
	}
	if count < k.min {
		w.add(model.Error, CodeCardinality, p(), fmt.Sprintf("%s has %d values, fewer than the minimum %d", name, count, k.min), "")
	}
	w.supported(k)
	if w.proof != nil && hasE {
		w.proof.companion(t)
	}
	var matched []*node
	if len(k.slices) > 0 && k.slicing != nil {
		// A primitive carried only by its "_" companion (a data-absent-reason
		// in place of the dateTime) is still a value of the element, and a
		// slice can claim it (by its type): every one of the count values is
		// sliced, those without a value as nil.
		values := items
		if len(values) < count {
			values = append(slices.Clip(values), make([]any, count-len(values))...)
		}
		matched = w.slice(values, k, t, p(), name)
	}
	for i := 0; i < count; i++ {
		ip := pa
		if !k.baseMax1 {
			ip = w.pathChild(pa, "", i, true)
		}
		var item, ext any
		if i < len(items) {
			item = items[i]
		}
		if i < len(exts) {
			ext = exts[i]
		}
		target := k
		if matched != nil && matched[i] != nil {
			target = matched[i]
			w.supported(target)
		}
		tt := t
		if target != k {
			tt = target.typeFor(t)
		}
		if f := w.found; f != nil {
			if hasV && i < len(items) {
				w.shelve(f, item, k, t, ip)
			}
			w.valueFinding(item, ext, t, target, tt, ip, host)
			continue
		}
		w.value(item, ext, target, tt, ip, host)
	}
}

// supported marks element k populated when it is one of the walked
// profile's must-support elements (k may come from a type's definition,
// whose index means nothing here).
func (w *walker) supported(k *node) {
	if k.ms >= 0 && w.ms != nil && k.ms < len(w.ms) && w.compiled.mustSupport[k.ms] == k.id {
		w.ms[k.ms] = true
	}
}

// typeFor returns the slice's type matching t (a slice may narrow a choice).
func (n *node) typeFor(t *typeInfo) *typeInfo {
	if t == nil {
		if len(n.types) > 0 {
			return n.types[0]
		}
		return nil
	}
	for _, x := range n.types {
		if x.code == t.code {
			return x
		}
	}
	return t
}

// value validates one value of element k (type t), at at.
func (w *walker) value(item, ext any, k *node, t *typeInfo, at pathAt, host hostElem) {
	if item == nil && ext == nil {
		w.add(model.Error, CodeType, w.pathText(at), fhir.WordingOf(w.rec).NoValue(), "")
		return
	}
	if t != nil && t.primitive {
		w.primitive(item, ext, k, t, at, host)
		return
	}
	m, ok := item.(map[string]any)
	if !ok {
		typ := ""
		if t != nil {
			typ = t.code
		}
		words := fhir.WordingOf(w.rec)
		w.add(model.Error, CodeType, w.pathText(at), words.NotObject(typ, item), words.Value(item))
		return
	}
	if t != nil && (t.code == "Resource" || t.code == "DomainResource" || t.compiled != nil && t.compiled.Kind == "resource") {
		w.nested(m, k, t, w.pathText(at))
		return
	}
	if k.controls != nil && t != nil && t.code == "Narrative" {
		// before the div is walked: its checks find it parsed here
		w.narrativeControls(k.controls, m, w.pathText(at))
	}
	switch {
	case t != nil && (t.code == "Extension"):
		w.extension(m, k, t, at, host)
	default:
		w.objectAt(m, k, t, at, false, hostElem{n: k, t: t})
		if t != nil && len(t.profiles) > 0 && t.code != "Reference" && t.compiled != nil && t.compiled.Kind == "complex-type" && t.elementIDs == nil {
			w.typeProfiles(m, t, w.pathText(at))
		}
	}
	w.valueConstraints(item, m, k, t, at)
	if t != nil && t.elementIDs != nil {
		w.namedElement(item, m, k, t, w.pathText(at))
	}
	if t != nil && t.code == "Reference" {
		w.reference(m, t, at)
	}
	if t != nil && t.code == "Coding" {
		w.coding(m, at)
	}
	if t != nil {
		switch t.code {
		case "Identifier":
			w.identifier(m, at)
		case "Attachment":
			w.attachment(m, w.pathText(at))
			w.dataSize(k.controls, m, "", w.pathText(at))
		}
		if coded.IsQuantity(t.code) {
			w.quantityAnnotation(m, at)
			if k.controls != nil {
				w.decimalPlaces(k.controls, m["value"], w.pathText(at)+".value")
			}
		}
	}
	w.checkAt(k.invariants, k, t, m, nil, at)
	if t != nil && len(t.invariants) > 0 {
		w.checkAt(t.invariants, k, t, m, nil, at)
	}
}

// valueConstraints checks what element k fixes of a complex value as a
// whole: a fixed or pattern value, a binding, bounds.
func (w *walker) valueConstraints(item any, m map[string]any, k *node, t *typeInfo, at pathAt) {
	if k.fixed != nil && !equalValue(k.fixed, item) {
		w.add(model.Error, CodeFixed, w.pathText(at), fmt.Sprintf("value must be exactly %s (fixed by the profile)", compact(k.fixed)), compact(item))
	}
	if k.pattern != nil && !matchesPattern(k.pattern, item) {
		w.add(model.Error, CodePattern, w.pathText(at), fmt.Sprintf("value must match the pattern %s", compact(k.pattern)), compact(item))
	}
	if k.binding != nil && t != nil {
		w.codedBinding(m, k, t, at)
	}
	if k.minValue != nil || k.maxValue != nil {
		w.bounds(m, k, w.pathText(at))
	}
}

// namedElement holds a value to the element of another profile that its
// type names through the profile-element extension (a document section
// library's section): what that element fixes of the value and its
// constraints. Its children are walked already, as the value's own
// (node.kids); constraints element k shares by key are evaluated once.
func (w *walker) namedElement(item any, m map[string]any, k *node, t *typeInfo, path string) {
	if t.alternatives != nil {
		w.elementAlternatives(item, m, t, path)
		return
	}
	if t.element == nil {
		w.add(model.Warning, CodeProfile, path, fmt.Sprintf("this %s was not checked against the element its profile names: %s", t.code, t.elementErr), "")
		return
	}
	if w.depth >= maxConformanceDepth {
		return
	}
	w.depth++
	defer func() { w.depth-- }()
	l := t.element.node
	lt := l.typeFor(t)
	at := w.pathRoot(path)
	w.valueConstraints(item, m, l, lt, at)
	w.pathEnd(at)
	var own []*invariant
	for _, inv := range l.invariants {
		if !slices.ContainsFunc(k.invariants, func(x *invariant) bool { return x.key == inv.key }) {
			own = append(own, inv)
		}
	}
	w.check(own, l, lt, m, nil, path)
	if lt != nil && lt.elementIDs != nil && lt != t {
		w.namedElement(item, m, l, lt, path)
	}
}

// resourceTypeOfProfiles checks a nested resource's type against the
// profiles its element's types name (type.profile on a resource element):
// the resource must be of a type one of them constrains, as a Bundle profile
// that admits only DocumentManifest entries says. A type given without
// profiles admits its own resources (Resource: any); profiles that are not
// loaded decide nothing (they are reported where they are used).
func (w *walker) resourceTypeOfProfiles(rt string, k *node, path string) {
	if rt == "" {
		return
	}
	var allowed []string
	for _, ti := range k.types {
		if len(ti.profiles) == 0 {
			if ti.code == rt || ti.code == "Resource" || ti.code == "DomainResource" {
				return
			}
			allowed = append(allowed, ti.code)
			continue
		}
		for _, prof := range ti.profiles {
			pp, err := w.e.Compiled(prof)
			if err != nil || pp.Type == rt {
				return
			}
			if !slices.Contains(allowed, pp.Type) {
				allowed = append(allowed, pp.Type)
			}
		}
	}
	if len(allowed) == 0 {
		return
	}
	w.add(model.Error, CodeType, path, fmt.Sprintf("this resource is a %s, but the profiles of this element allow only %s", rt, strings.Join(allowed, ", ")), "")
}

// nested validates a resource held inside another (contained, parameters).
func (w *walker) nested(m map[string]any, k *node, t *typeInfo, path string) {
	rt, _ := m["resourceType"].(string)
	w.resourceTypeOfProfiles(rt, k, path)
	if fhir.EntryIsRecord(path) {
		// Each entry of the record's Bundle is a record of its own,
		// checked against its type; a Bundle profile's entry profiles are
		// checked here, as only the Bundle's walk knows them. A Bundle
		// nested otherwise (a parameter's, contained) has its entries
		// walked here.
		// A Bundle record that is itself an entry was walked with its
		// container's index: its own entries are not that Bundle's.
		alternatives, unloaded := w.profilesOfType(t, rt, path)
		saved := w.bundle
		w.bundle = nil
		w.withoutFinds(func() {
			w.conformTo(m, slices.DeleteFunc(alternatives, func(p *Compiled) bool { return p.IsCore }), unloaded, path, rt)
		})
		w.bundle = saved
		return
	}
	if !w.e.IsResourceType(rt) {
		w.add(model.Error, CodeType, path, fmt.Sprintf("nested resource has unknown resourceType %q", rt), "")
		if rt != "" {
			w.missFinds()
		}
		return
	}
	p, err := w.e.CompiledType(rt)
	if err != nil {
		w.add(model.Error, CodeType, path, fmt.Sprintf("cannot validate nested %s: %v", rt, err), "")
		w.missFinds()
		return
	}
	if rt == "Bundle" {
		// Its entries, walked here, resolve their references among
		// themselves, as the entries of the record's Bundle do.
		saved := w.bundle
		w.bundle = indexBundleResource(w.rec, m)
		defer func() { w.bundle = saved }()
	}
	start := len(w.out)
	w.resource(m, p, path)
	alternatives, unloaded := w.profilesOfType(t, rt, path)
	w.withoutFinds(func() { w.conformTo(m, alternatives, unloaded, path, rt) })
	w.claimedProfiles(m, p, rt, path, start)
}

// wrongType says why a resource of type typ cannot be validated against
// profile p, or "" when it can: a resource profile constrains one type.
func wrongType(typ string, p *Compiled) string {
	if typ == p.Type || p.Kind != "resource" {
		return ""
	}
	return fmt.Sprintf("resource is a %s, but profile %s constrains %s", typ, p.URL, p.Type)
}

// claimedProfiles holds a nested resource (contained, a parameter's, an
// entry of a nested Bundle) to the profiles it must meet beyond its type,
// gathered as a record's are (heldTo): the global profiles of the guides
// loaded, the vital-sign profiles its code implies, the profiles its
// meta.profile claims, and those these impose. Each is walked on its own at
// the resource's path; a finding the walk against its type made (w.out from
// start) is not repeated.
func (w *walker) claimedProfiles(m map[string]any, base *Compiled, rt, path string, start int) {
	claimed := w.e.heldTo([]*Compiled{base}, rt, m, path, allClaims, func(at, msg string) {
		w.add(model.Warning, CodeProfile, at, msg, "")
	})[1:]
	if len(claimed) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, f := range w.out[start:] {
		seen[f.Code+"\x00"+f.Path+"\x00"+f.Message] = true
	}
	for _, p := range claimed {
		if msg := wrongType(rt, p); msg != "" {
			w.add(model.Error, CodeType, path, msg, "")
			continue
		}
		sub := w.subWalk(p)
		if sub == nil {
			return
		}
		sub.resource(m, p, path)
		w.sink.Merge(sub.sink)
		if msg := w.e.substitutedClaim(p, m); msg != "" {
			w.add(model.Warning, CodeDependencyNotLoaded, path, msg, "")
		}
		note := w.e.profileNote(p, rt, m, allClaims.implied)
		for _, f := range sub.out {
			key := f.Code + "\x00" + f.Path + "\x00" + f.Message
			if seen[key] {
				continue
			}
			seen[key] = true
			f.Message += note
			w.out = append(w.out, f)
		}
	}
}

// profilesOfType looks up the profiles an element's type gives a resource of
// type rt: the compiled profiles of those that constrain rt, and the URLs of those that
// could not be loaded, each said as a warning (carecert's limit, not the
// resource's failure).
func (w *walker) profilesOfType(t *typeInfo, rt, path string) (loaded []*Compiled, unloaded []string) {
	for _, prof := range t.profiles {
		pp, err := w.e.Compiled(prof)
		if err != nil {
			w.add(model.Warning, CodeProfile, path, fmt.Sprintf("profile %s of this resource is not loaded: %v", prof, err), "")
			unloaded = append(unloaded, prof)
			continue
		}
		if pp.Type == rt {
			loaded = append(loaded, pp)
		}
	}
	return loaded, unloaded
}

// conformTo checks a nested resource against the profiles its element
// names for its type. They are alternatives (R4 §5.1.0.9): the resource
// conforms to one of them; one that could not be loaded leaves it undecided.
func (w *walker) conformTo(m map[string]any, alternatives []*Compiled, unloaded []string, path, rt string) {
	if len(alternatives) == 1 && len(unloaded) == 0 {
		w.resource(m, alternatives[0], path)
		return
	}
	w.oneOf(w.profileCandidates(m, alternatives, path, true), unloaded, path, rt, model.Information)
}

func (w *walker) primitive(item, ext any, k *node, t *typeInfo, at pathAt, host hostElem) {
	if w.proof != nil {
		w.proof.primitive(k.path, t.code, item)
	}
	if item != nil {
		if msg := checkPrimitive(t.code, item, fhir.WordingOf(w.rec)); msg != "" {
			w.add(model.Error, CodeFormat, w.pathText(at), "value "+msg, fhir.ValueText(item))
		} else {
			if s, ok := item.(string); ok && k.maxLength > 0 && utf8.RuneCountInString(s) > k.maxLength {
				w.add(model.Error, CodeMaxLength, w.pathText(at), fmt.Sprintf("value is %d characters long, more than the maximum length %d", utf8.RuneCountInString(s), k.maxLength), "")
			}
			if k.fixed != nil && !equalValue(k.fixed, item) {
				w.add(model.Error, CodeFixed, w.pathText(at), fmt.Sprintf("value must be exactly %s (fixed by the profile)", compact(k.fixed)), compact(item))
			}
			if k.pattern != nil && !equalValue(k.pattern, item) {
				w.add(model.Error, CodePattern, w.pathText(at), fmt.Sprintf("value must be %s (pattern of the profile)", compact(k.pattern)), compact(item))
			}
			if k.minValue != nil || k.maxValue != nil {
				w.bounds(item, k, w.pathText(at))
			}
			if k.binding != nil && t.code == "code" {
				if s, ok := item.(string); ok {
					w.checkCode(k, "", s, at)
				}
			}
			if s, ok := item.(string); ok && t.code != "xhtml" {
				w.primitiveNotes(t.code, s, at)
			}
			switch s, _ := item.(string); t.code {
			case "string":
				if w.e.securityChecks {
					if tag := htmlTag(s); tag != "" {
						w.add(model.Error, CodeSecurity, w.pathText(at), fmt.Sprintf("the string embeds the HTML tag <%s>: a system that shows it without escaping would run it (security-checks is on)", tag), "")
					}
				}
			case "xhtml":
				w.xhtml(s, w.pathText(at))
			case "markdown":
				w.markdown(s, w.pathText(at))
			case "uri", "url", "canonical", "oid", "uuid":
				w.uriForm(s, t.code, k, at)
				w.exampleURI(s, t.code, k, at)
				w.definitionURL(s, t, k, at)
			}
		}
	}
	if ext != nil {
		m, ok := ext.(map[string]any)
		if !ok {
			path := w.pathText(at)
			w.add(model.Error, CodeType, path, fmt.Sprintf("the _%s companion must be an object, got %s", path[strings.LastIndexByte(path, '.')+1:], fhir.KindOf(ext)), "")
			return
		}
		if t.compiled != nil {
			// The primitive's extensions are used on it: on its element path,
			// its type, and its place in the parent's type ("ContactPoint.system").
			hostPath, hostType, _ := strings.Cut(host.String(), "|")
			parent := hostType
			if parent == "" || parent == "Element" || parent == "BackboneElement" {
				parent = hostPath
			}
			w.objectAt(m, t.compiled.root, nil, at, false, hostElem{literal: k.path + "|" + t.code + "|" + parent + "." + k.name})
		}
	}
	em, _ := ext.(map[string]any)
	if k.controls != nil {
		w.primitiveControls(k.controls, item, em, w.pathText(at))
	}
	switch {
	case len(k.invariants) > 0 && item != nil:
		w.checkAt(k.invariants, k, t, item, em, at)
	case item == nil && em != nil:
		// A primitive without a value must carry extensions: an id alone
		// says nothing (ele-1). Its other constraints are about a value.
		for _, inv := range k.invariants {
			if inv.key == "ele-1" {
				w.checkAt([]*invariant{inv}, k, t, em, nil, at)
			}
		}
	}
}

// invariants evaluates the constraints of n on one value of type t (nil for
// a resource's root).
func (w *walker) invariants(n *node, t *typeInfo, focus any, ext map[string]any, path string) {
	w.check(n.invariants, n, t, focus, ext, path)
}

// check evaluates constraints on one value of element n, type t.
func (w *walker) check(list []*invariant, n *node, t *typeInfo, focus any, ext map[string]any, path string) {
	at := w.pathRoot(path)
	w.checkAt(list, n, t, focus, ext, at)
	w.pathEnd(at)
}

// checkAt is check at a path built only for a finding.
func (w *walker) checkAt(list []*invariant, n *node, t *typeInfo, focus any, ext map[string]any, at pathAt) {
	for _, inv := range list {
		var ok bool
		switch {
		case inv.native != nil:
			ok = inv.native(focus, w)
		case inv.quick != nil && quickly(inv, focus, t, &ok):
		case inv.entries != nil && w.byEntries(inv, focus, &ok):
		case inv.compiled != nil:
			var err error
			ok, err = inv.compiled.Holds(w.focus(n, t, focus, ext))
			if err != nil {
				w.unevaluated(inv, "FHIRPath: "+err.Error())
				continue
			}
		default:
			w.unevaluated(inv, inv.unusable)
			continue
		}
		if !ok {
			sev := model.Error
			if inv.warning {
				sev = model.Warning
			}
			if inv.advice {
				sev = w.e.bestPractice.severity()
			}
			w.add(sev, CodeInvariant, w.pathText(at), fmt.Sprintf("constraint %s failed: %s", inv.key, inv.human), "")
		}
	}
}

// focus is the FHIRPath focus for one value of element n, type t (nil for a
// resource's root).
func (w *walker) focus(n *node, t *typeInfo, value any, ext map[string]any) Focus {
	f := Focus{Value: value, Ext: ext, Resource: w.res, Root: w.root, MemberOf: w.e.memberOfHook, Resolve: w.resolveCarried}
	switch {
	case t == nil:
		f.Type, f.DefPath = n.path, n.path
	case t.code == "BackboneElement" || t.code == "Element":
		f.Type, f.DefPath = t.code, n.path
	default:
		f.Type, f.DefPath = t.code, t.code
	}
	return f
}

// byEntries runs an invariant's Go form over a Bundle's entry summaries,
// reporting whether it decided.
func (w *walker) byEntries(inv *invariant, focus any, ok *bool) bool {
	b, isMap := focus.(map[string]any)
	if !isMap {
		return false
	}
	holds, decided := inv.entries(b, w)
	*ok = holds
	return decided
}

// quickly runs an invariant's Go shortcut, reporting whether it decided.
func quickly(inv *invariant, focus any, t *typeInfo, ok *bool) bool {
	typ := ""
	if t != nil {
		typ = t.code
	}
	holds, decided := inv.quick(focus, typ)
	*ok = holds
	return decided
}

func (w *walker) unevaluated(inv *invariant, why string) {
	if w.sink.Unevaluated == nil {
		w.sink.Unevaluated = map[string]string{}
	}
	if _, ok := w.sink.Unevaluated[inv.key]; !ok {
		w.sink.Unevaluated[inv.key] = fmt.Sprintf("%s (expression %q)", why, inv.expr)
	}
}

// equalValue compares JSON-model values exactly (numbers by value).
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !equalValue(v, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, e1 := x.Float64()
		fy, e2 := y.Float64()
		return e1 == nil && e2 == nil && fx == fy
	}
	return a == b
}

// matchesPattern reports whether v has at least the content of pattern: every
// property of an object pattern matches, every item of an array pattern
// matches some item of the value.
func matchesPattern(pattern, v any) bool {
	switch x := pattern.(type) {
	case map[string]any:
		y, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for k, pv := range x {
			if !matchesPattern(pv, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := v.([]any)
		if !ok {
			return false
		}
		for _, pi := range x {
			if !slices.ContainsFunc(y, func(e any) bool { return matchesPattern(pi, e) }) {
				return false
			}
		}
		return true
	}
	return equalValue(pattern, v)
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// objects returns the objects of a JSON array (nil for anything else).
func objects(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
