// Package structure checks the shape of FHIR R4 JSON against the official R4 JSON
// schema, with github.com/xeipuuv/gojsonschema. The schema is read once per run
// and shared by every worker; each resource is validated against its own
// type's definition (never the schema's 146-way oneOf), and resources held in
// it (wherever the schema's definitions reach its list of resources:
// contained, a parameter's resource, the entries of a Bundle held in a
// parameter) against theirs. A type's
// definition is compiled on first use with only the definitions it reaches
// (about a twentieth of the schema), so a run over a few types never compiles
// the rest; a run that meets many types compiles the whole schema once.
//
// Most records are valid, and gojsonschema is slow to say so: a quick walk
// (quick.go) over the same definitions first decides whether gojsonschema
// could find anything at all. Only records it cannot prove valid go to
// gojsonschema, so every finding is still gojsonschema's, and a type whose
// records are all valid is never compiled.
//
// When the profile engine walks the same records in the run, the quick walk
// is spared too: the engine's walk of a record against its base type proves
// it well shaped where the two share the rules, and holds each primitive
// string to the schema's own rules through Judge (judge.go, package shape).
// Only the records it does not prove are walked here.
package structure

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/fhir/r4core"
)

// Register adds the structure checks to a registry.
func Register(reg *check.Registry) {
	check.Define(reg, "fhir-resource-type", "the record is a JSON object whose resourceType FHIR R4 defines", check.NoParams{}, newResourceTypeCheck)
	check.Define(reg, "fhir-json-schema", "each resource validates against the FHIR R4 JSON schema of its type", check.NoParams{}, newSchemaCheck)
}

// eachTypeLimit is how many types are compiled one by one before the whole
// schema is compiled instead: the per-type schemas repeat the data types
// (about 1.5 MiB each against 31 MiB for the whole), so past a few dozen
// types one whole compilation is smaller.
const eachTypeLimit = 16

// Schema is the FHIR R4 JSON schema, compiled per type on first use.
type Schema struct {
	// header holds the schema's $schema and id; raw each definition,
	// decompressed and decoded when a compilation first reaches it. Both are
	// read-only.
	header map[string]any
	raw    map[string]r4core.SchemaPart
	// types are the resource types the schema defines.
	types map[string]bool
	// patterns maps a primitive type's regular expression to its FHIR name, so
	// messages can say "not a valid date" rather than quote a regex.
	patterns map[string]string
	// published maps a primitive type that has a lexical rule to the
	// pattern the schema publishes for it (holdToRules); read-only after
	// LoadSchema.
	published map[string]string

	mu sync.Mutex
	// defs are the definitions decoded so far, repaired.
	defs   map[string]map[string]any
	byType map[string]*typeSchema
	// whole, once compiled, serves every type compiled after it.
	whole *typeSchema
	// holders maps a definition to its properties that hold whole
	// resources, directly or through the definitions they refer to
	// (heldIn).
	holders map[string][]holder

	// quickMu guards quick, the definitions compiled for the quick walk
	// (quick.go). Every node quick holds is complete, and never changed
	// again, once quickMu is released: a definition is compiled, with all it
	// reaches, inside one quickFor.
	quickMu sync.Mutex
	quick   *quickCompiler
	// quickTypes holds the compiled node of each resource type asked for,
	// stored once complete, so that a record takes no lock to find it.
	quickTypes sync.Map
	// judged are the elements the profile engine's walk asked about
	// (judge.go).
	judged judged
}

// resourceList is the schema's reference to any resource.
const resourceList = "#/definitions/ResourceList"

// LoadSchema reads the embedded FHIR R4 JSON schema's list of definitions
// without decompressing them: a run decompresses and decodes only the
// definitions its resource types reach (the primitive types' too, for their
// patterns).
func LoadSchema() (*Schema, error) {
	topRaw, parts, err := r4core.SchemaParts()
	if err != nil {
		return nil, err
	}
	var top struct {
		Schema string `json:"$schema"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(topRaw, &top); err != nil {
		return nil, fmt.Errorf("fhir schema: %w", err)
	}
	s := &Schema{
		header: map[string]any{"$schema": top.Schema, "id": top.ID}, raw: parts, types: map[string]bool{}, patterns: map[string]string{}, published: map[string]string{},
		defs: map[string]map[string]any{}, byType: map[string]*typeSchema{}, holders: map[string][]holder{},
	}
	s.quick = &quickCompiler{s: s, defs: map[string]*quickNode{}}
	s.judged.nodes.Store(&map[elementKey]func(string) bool{})
	var list struct {
		OneOf []struct {
			Ref string `json:"$ref"`
		} `json:"oneOf"`
	}
	if part, ok := parts["ResourceList"]; ok {
		if raw, err := part.Bytes(); err == nil {
			err = json.Unmarshal(raw, &list)
		}
	}
	if len(list.OneOf) == 0 {
		return nil, fmt.Errorf("fhir schema: no ResourceList of resource types")
	}
	for _, r := range list.OneOf {
		s.types[strings.TrimPrefix(r.Ref, "#/definitions/")] = true
	}
	// Each primitive type's published pattern stands for its lexical rule
	// (holdToRules). Types that share a pattern may not share a rule
	// (string and markdown), so the rule is the type's, not the pattern's.
	for name, part := range parts {
		if lexical.Rule(name) == "" {
			continue
		}
		raw, err := part.Bytes()
		if err != nil {
			return nil, fmt.Errorf("fhir schema: definition %s: %w", name, err)
		}
		var def struct {
			Pattern string `json:"pattern"`
		}
		if err := json.Unmarshal(raw, &def); err != nil {
			return nil, fmt.Errorf("fhir schema: definition %s: %w", name, err)
		}
		if def.Pattern != "" {
			s.published[name] = def.Pattern
		}
	}
	// Primitive types (lower-case names) are few and small: read all their
	// patterns, so that one shared by several types names them all.
	names := map[string][]string{}
	for name := range parts {
		if name == "" || name[0] < 'a' || name[0] > 'z' {
			continue
		}
		def, err := s.def(name)
		if err != nil {
			return nil, err
		}
		if pat, ok := def["pattern"].(string); ok {
			names[pat] = append(names[pat], name)
		}
	}
	for pat, ns := range names {
		sort.Strings(ns)
		s.patterns[pat] = orList(ns)
	}
	return s, nil
}

// def returns a definition decoded and repaired, decoding it on first use.
func (s *Schema) def(name string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.defs[name]; ok {
		return d, nil
	}
	part, ok := s.raw[name]
	if !ok {
		return nil, nil
	}
	var d map[string]any
	if name == "ResourceList" {
		// Nested resources are validated on their own, against their own
		// type: the schema only needs to know they are objects naming a type.
		d = map[string]any{"type": "object", "required": []any{"resourceType"}}
	} else {
		raw, err := part.Bytes()
		if err != nil {
			return nil, fmt.Errorf("fhir schema: definition %s: %w", name, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("fhir schema: definition %s: %w", name, err)
		}
		addR4Version(d)
		addPrimitiveCompanions(d)
		s.holdToRules(name, d)
		if s.types[name] {
			addIDElement(d)
		}
		addObjectType(d)
	}
	s.defs[name] = d
	return d, nil
}

// holdToRules gives a definition's primitive values their types' lexical
// rules (lexical.Rule) for patterns, where the schema writes R4's (on the
// definition of a primitive type named name, and inline on the elements of
// a choice, whose names end in their type's): the rules the profile engine
// holds the same values to, which say R4's regular expressions as R4 says
// them in words where the published ones read otherwise (a control
// character in markdown; VT and FF whitespace in a code or uri; a code's
// words a tab apart; an empty uri).
func (s *Schema) holdToRules(name string, d map[string]any) {
	hold := func(typ string, m map[string]any) {
		if p, ok := m["pattern"].(string); ok && p != "" && p == s.published[typ] {
			m["pattern"] = lexical.Rule(typ)
		}
	}
	hold(name, d)
	props, _ := d["properties"].(map[string]any)
	for prop, p := range props {
		pm, _ := p.(map[string]any)
		typ := s.choiceType(prop)
		hold(typ, pm)
		if items, ok := pm["items"].(map[string]any); ok {
			hold(typ, items)
		}
	}
}

// choiceType returns the primitive type with a lexical rule whose name ends
// an element's, capitalised as a choice element's name ends (valueDateTime:
// dateTime, not time), or "" when none does.
func (s *Schema) choiceType(prop string) string {
	best := ""
	for typ := range s.published {
		if len(typ) > len(best) && len(prop) > len(typ) && prop[len(prop)-len(typ)] == typ[0]-'a'+'A' && prop[len(prop)-len(typ)+1:] == typ[1:] {
			best = typ
		}
	}
	return best
}

// holder is a property of a definition that holds whole resources: itself
// (def "") or, below it, the definition def's properties do.
type holder struct{ prop, def string }

// heldIn lists the properties of the definition name that hold whole
// resources, read from the schema's own definitions: a property referring
// to the list of resources, or to a definition from which that list can be
// reached, however deep (Bundle.entry.resource, Bundle.entry.response.outcome,
// Parameters.parameter.part.resource). The places are the definitions',
// not a list kept by hand; what cannot hold a resource is never walked.
func (s *Schema) heldIn(name string) []holder {
	s.mu.Lock()
	h, ok := s.holders[name]
	s.mu.Unlock()
	if ok {
		return h
	}
	for prop, ref := range s.refs(name) {
		switch {
		case ref == resourceList:
			h = append(h, holder{prop: prop})
		case s.holds(ref, map[string]bool{}):
			h = append(h, holder{prop: prop, def: strings.TrimPrefix(ref, "#/definitions/")})
		}
	}
	sort.Slice(h, func(i, j int) bool { return h[i].prop < h[j].prop })
	s.mu.Lock()
	s.holders[name] = h
	s.mu.Unlock()
	return h
}

// holds reports whether the list of resources can be reached from the
// definition ref refers to; seen stops the cycles of recursive definitions
// (Extension, Parameters_Parameter.part), each of which reaches nothing its
// first visit does not.
func (s *Schema) holds(ref string, seen map[string]bool) bool {
	if ref == resourceList {
		return true
	}
	name, ok := strings.CutPrefix(ref, "#/definitions/")
	if !ok || seen[name] || name == "" || name[0] >= 'a' && name[0] <= 'z' {
		return false // primitive types hold nothing
	}
	seen[name] = true
	for _, r := range s.refs(name) {
		if s.holds(r, seen) {
			return true
		}
	}
	return false
}

// refs maps each property of the definition name to the definition it (or
// each of its items) refers to.
func (s *Schema) refs(name string) map[string]string {
	d, err := s.def(name)
	if err != nil || d == nil {
		return nil
	}
	props, _ := d["properties"].(map[string]any)
	out := map[string]string{}
	for prop, p := range props {
		pm, _ := p.(map[string]any)
		if items, ok := pm["items"].(map[string]any); ok {
			pm = items
		}
		if ref, ok := pm["$ref"].(string); ok {
			out[prop] = ref
		}
	}
	return out
}

// quickFor returns the quick walk's node for a resource type, compiling it
// on first use.
func (s *Schema) quickFor(typ string) *quickNode {
	if n, ok := s.quickTypes.Load(typ); ok {
		return n.(*quickNode)
	}
	s.quickMu.Lock()
	defer s.quickMu.Unlock()
	n := s.quick.definition(typ)
	s.quickTypes.Store(typ, n)
	return n
}

// typeSchema is the schema compiled for some types, once.
type typeSchema struct {
	once     sync.Once
	compiled *gojsonschema.Schema
	err      error
}

// forType returns the compiled schema that validates typ, compiling it on
// first use (outside the lock: other types go on meanwhile).
func (s *Schema) forType(typ string) (*gojsonschema.Schema, error) {
	s.mu.Lock()
	ts := s.byType[typ]
	if ts == nil {
		if s.whole == nil && len(s.byType) >= eachTypeLimit {
			s.whole = &typeSchema{}
		}
		ts = s.whole
		if ts == nil {
			ts = &typeSchema{}
		}
		s.byType[typ] = ts
	}
	whole := ts == s.whole
	s.mu.Unlock()
	ts.once.Do(func() {
		var types []string
		if whole {
			types = s.ResourceTypes()
		} else {
			types = []string{typ}
		}
		ts.compiled, ts.err = s.compile(types)
	})
	return ts.compiled, ts.err
}

// compile compiles a root whose properties are the given types, with the
// definitions they reach: a record of type T is validated as {T: record}.
func (s *Schema) compile(types []string) (*gojsonschema.Schema, error) {
	defs := map[string]any{}
	rootProps := map[string]any{}
	for _, t := range types {
		rootProps[t] = map[string]any{"$ref": "#/definitions/" + t}
		s.reach(t, defs)
	}
	root := map[string]any{
		"$schema":     s.header["$schema"],
		"id":          s.header["id"],
		"definitions": defs,
		"type":        "object",
		"properties":  rootProps,
	}
	// goValue hands the decoded document over as it is; NewGoLoader would
	// marshal it and parse it again.
	compiled, err := gojsonschema.NewSchemaLoader().Compile(goValue{root})
	if err != nil {
		return nil, fmt.Errorf("fhir schema: compile %s: %w", strings.Join(types, ", "), err)
	}
	return compiled, nil
}

// reach adds a copy of the definition name, and of every definition it
// refers to, to defs. Copies, because gojsonschema rewrites the references of
// the document it compiles in place: the loaded definitions stay as read for
// the next compilation, which may run at the same time.
func (s *Schema) reach(name string, defs map[string]any) {
	if _, done := defs[name]; done {
		return
	}
	d, err := s.def(name)
	if err != nil || d == nil {
		return // the compilation reports the missing definition
	}
	defs[name] = nil // reached: a reference back to it must not recurse
	defs[name] = s.copyReaching(d, defs)
}

// copyReaching deep-copies a schema value, reaching the definitions it refers to.
func (s *Schema) copyReaching(v any, defs map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if ref, ok := e.(string); ok && k == "$ref" {
				if n, ok := strings.CutPrefix(ref, "#/definitions/"); ok {
					s.reach(n, defs)
				}
			}
			out[k] = s.copyReaching(e, defs)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.copyReaching(e, defs)
		}
		return out
	}
	return v
}

// runSchema is the run's compiled schema, compiled on first use.
var runSchema = check.NewService(func(*check.Env) (*Schema, error) { return LoadSchema() })

// IsResourceType reports whether FHIR R4 defines the resource type.
func (s *Schema) IsResourceType(t string) bool { return s.types[t] }

// ResourceTypes lists the resource types, sorted.
func (s *Schema) ResourceTypes() []string {
	out := make([]string, 0, len(s.types))
	for t := range s.types {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Validate checks one resource (whose type the schema defines) that is no
// reader's record, such as a body posted to a server, and every resource
// held in it, a Bundle's entries too: no record of their own checks them.
// path is the resource's own path ("Patient").
func (s *Schema) Validate(res map[string]any, path string, emit func(path, code, msg, evidence string)) {
	s.check(res, path, fhir.Wording{}, emit)
}

// ValidateWorded checks a record's resource, with findings worded for the
// format it was written in (fhir.WordingOf its record). The entries of a
// Bundle record are records of their own (fhir's reader makes them so),
// whose checks judge them: they are left out here.
func (s *Schema) ValidateWorded(res map[string]any, path string, words fhir.Wording, emit func(path, code, msg, evidence string)) {
	if fhir.ResourceType(res) == "Bundle" {
		res = withoutEntryRecords(res)
	}
	s.check(res, path, words, emit)
}

// check is Validate of what res holds.
func (s *Schema) check(res map[string]any, path string, words fhir.Wording, emit func(path, code, msg, evidence string)) {
	typ := fhir.ResourceType(res)
	// The quick walk also refuses a number boundNumbers would replace: a
	// record it passes needs neither that walk nor a second quick one.
	if s.quickFor(typ).valid(res) {
		s.validate(res, path, pass{words: words, proven: true}, emit)
		return
	}
	res, replaced := boundNumbers(res, path, words, emit)
	s.validate(res, path, pass{replaced: replaced, words: words}, emit)
}

// pass is what one Validate carries down to nested resources.
type pass struct {
	// replaced are the paths of the numbers boundNumbers replaced.
	replaced map[string]bool
	words    fhir.Wording
	// proven says the quick walk has passed the resource given to validate
	// (not its nested resources, which validate walks on their own).
	proven bool
}

// validate is Validate once numbers are bounded.
func (s *Schema) validate(res map[string]any, path string, in pass, emit func(path, code, msg, evidence string)) {
	typ := fhir.ResourceType(res)
	proven := in.proven
	in.proven = false
	// Most records are valid: the quick walk proves it without gojsonschema,
	// which then only ever sees the records it has something to say about.
	if !proven && !s.quickFor(typ).valid(res) {
		compiled, err := s.forType(typ)
		if err != nil {
			emit(path, "structure.internal", "schema validation failed: "+err.Error(), "")
			return
		}
		result, err := compiled.Validate(goValue{map[string]any{typ: res}})
		if err != nil {
			emit(path, "structure.internal", "schema validation failed: "+err.Error(), "")
			return
		}
		for _, e := range result.Errors() {
			if e.Type() == "invalid_type" && e.Value() == nil && alignedNull(res, e.Context().String()) {
				continue
			}
			p, code, msg, ev := s.describe(path, typ, in.words, e)
			if in.replaced[p] {
				continue
			}
			emit(p, code, msg, ev)
		}
	}
	// The entries of the record's own Bundle are records of their own, and
	// left out of res (withoutEntryRecords); those of a Bundle held in it
	// are walked here.
	s.validateHeld(res, typ, path, in, emit)
}

// validateHeld validates the resources held in v, a value of the
// definition def at path, against their own types.
func (s *Schema) validateHeld(v map[string]any, def, path string, in pass, emit func(path, code, msg, evidence string)) {
	for _, h := range s.heldIn(def) {
		at := path + "." + h.prop
		if h.def == "" {
			s.validateNested(v[h.prop], at, in, emit)
			continue
		}
		switch x := v[h.prop].(type) {
		case map[string]any:
			s.validateHeld(x, h.def, at, in, emit)
		case []any:
			for i, e := range x {
				if m, ok := e.(map[string]any); ok {
					s.validateHeld(m, h.def, fmt.Sprintf("%s[%d]", at, i), in, emit)
				}
			}
		}
	}
}

func (s *Schema) validateNested(v any, path string, in pass, emit func(path, code, msg, evidence string)) {
	switch x := v.(type) {
	case map[string]any:
		t := fhir.ResourceType(x)
		if t == "" {
			return // the holder's schema requires a resourceType and says so
		}
		if !s.types[t] {
			emit(path, "structure.resource-type", fmt.Sprintf("nested resource has unknown resourceType %q", t), "")
			return
		}
		s.validate(x, path, in, emit)
	case []any:
		for i, e := range x {
			s.validateNested(e, fmt.Sprintf("%s[%d]", path, i), in, emit)
		}
	}
}

// describe turns a gojsonschema error into a FHIR-flavoured finding.
func (s *Schema) describe(base, typ string, words fhir.Wording, e gojsonschema.ResultError) (path, code, msg, evidence string) {
	path = contextPath(base, typ, e.Context().String())
	details := e.Details()
	switch e.Type() {
	case "additional_property_not_allowed":
		prop := fmt.Sprint(details["property"])
		return joinElem(path, prop), "structure.unknown-element",
			fmt.Sprintf("unknown element %q: FHIR R4 does not define it here", prop), ""
	case "required":
		prop := fmt.Sprint(details["property"])
		return joinElem(path, prop), "structure.required",
			fmt.Sprintf("required element %q is missing", prop), ""
	case "invalid_type":
		return path, "structure.type",
			words.WrongType(fmt.Sprint(details["expected"]), fmt.Sprint(details["given"]), e.Value()), fhir.ValueText(e.Value())
	case "enum":
		return path, "structure.code",
			fmt.Sprintf("%s is not one of the allowed codes (%v)", words.Value(e.Value()), details["allowed"]), fhir.ValueText(e.Value())
	case "pattern":
		if name, ok := s.patterns[fmt.Sprint(details["pattern"])]; ok {
			return path, "structure.format", fmt.Sprintf("%s is not a valid FHIR %s", words.Value(e.Value()), name), fhir.ValueText(e.Value())
		}
		return path, "structure.format", "value does not match its required format: " + e.Description(), fhir.ValueText(e.Value())
	case "array_min_items":
		return path, "structure.cardinality", "array must not be empty: FHIR forbids empty arrays", ""
	case "const":
		return path, "structure.const", e.Description(), fhir.ValueText(e.Value())
	}
	return path, "structure." + e.Type(), e.Description(), fhir.ValueText(e.Value())
}

// alignedNull reports whether the null at gojsonschema's context ctx
// ("(root).Patient.name.0.given.1") is an item of a repeating primitive whose
// _x array holds that item's id or extensions: R4 JSON (§2.6.2) writes such
// an item, which has no value, as null; or is an item of a companion list
// (addObjectType), null where its value's item has no id or extensions.
// FHIR's JSON schema refuses every null, so the schema's error is dropped
// here; a null with nothing aligned in _x stays an error.
func alignedNull(res map[string]any, ctx string) bool {
	parts := strings.Split(ctx, ".")
	if len(parts) < 4 {
		return false
	}
	// parts[0] is "(root)", parts[1] the wrapper key (the type).
	steps, name, index := parts[2:len(parts)-2], parts[len(parts)-2], parts[len(parts)-1]
	i, err := strconv.Atoi(index)
	if err != nil {
		return false
	}
	if strings.HasPrefix(name, "_") {
		// A companion list's item is null where the value's item has no
		// id or extensions (§2.6.2); a value missing on both sides is the
		// value's error, above.
		return true
	}
	parent, _ := valueAt(res, steps).(map[string]any)
	companions, _ := parent["_"+name].([]any)
	if i < 0 || i >= len(companions) {
		return false
	}
	item, _ := companions[i].(map[string]any)
	return len(item) > 0
}

// valueAt returns the value at the steps of a gojsonschema context from
// res (names and list indexes), nil where there is none.
func valueAt(res map[string]any, steps []string) any {
	var at any = res
	for _, step := range steps {
		switch x := at.(type) {
		case map[string]any:
			at = x[step]
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(x) {
				return nil
			}
			at = x[n]
		default:
			return nil
		}
	}
	return at
}

// withoutEntryRecords returns a Bundle record's resource without the entry
// resources that are objects, each a record of its own (fhir's reader makes
// them so) whose checks judge it: the schema's reading of one on the Bundle
// (an object requiring resourceType, a number out of range) would report it
// a second time, and only when the profile engine had not proven the Bundle.
// Bundle.entry.resource is optional, so leaving it out takes no rule of the
// Bundle's own away. An entry resource that is not an object is no record
// and stays, the Bundle's error; a Bundle nested in a record (a Parameters'
// resource, contained) is walked whole, entries and all. The copy is
// shallow: only the entries that hold a resource are copied.
func withoutEntryRecords(res map[string]any) map[string]any {
	entries, _ := res["entry"].([]any)
	var kept []any
	for i, e := range entries {
		em, _ := e.(map[string]any)
		if _, isObject := em["resource"].(map[string]any); !isObject {
			continue
		}
		if kept == nil {
			kept = slices.Clone(entries)
		}
		em = maps.Clone(em)
		delete(em, "resource")
		kept[i] = em
	}
	if kept == nil {
		return res
	}
	res = maps.Clone(res)
	res["entry"] = kept
	return res
}

// contextPath converts gojsonschema's "(root).Patient.identifier.0.system" to
// "Patient.identifier[0].system", rooted at base.
func contextPath(base, typ, ctx string) string {
	parts := strings.Split(ctx, ".")
	// parts[0] is "(root)", parts[1] the wrapper key (the type).
	var b strings.Builder
	b.WriteString(base)
	for _, p := range parts[min(2, len(parts)):] {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		b.WriteString("." + strings.TrimPrefix(p, "_"))
	}
	return b.String()
}

func joinElem(path, prop string) string { return path + "." + strings.TrimPrefix(prop, "_") }

// goValue hands an already-decoded value to gojsonschema, which would otherwise
// marshal and re-parse it: records are parsed once.
type goValue struct{ v any }

func (g goValue) JsonSource() any        { return g.v }
func (g goValue) LoadJSON() (any, error) { return g.v, nil }
func (g goValue) LoaderFactory() gojsonschema.JSONLoaderFactory {
	return gojsonschema.DefaultJSONLoaderFactory{}
}
func (g goValue) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

// addR4Version repairs a known defect of the published R4 JSON schema: its
// FHIRVersion enumerations stop at 4.0.0, so any resource stating the R4
// release it was written for, "4.0.1" (CapabilityStatement and
// StructureDefinition once, ImplementationGuide as a list), would be
// rejected although R4's own FHIR-version code system holds 4.0.1.
func addR4Version(def map[string]any) {
	props, _ := def["properties"].(map[string]any)
	for _, p := range props {
		pm, _ := p.(map[string]any)
		addVersion(pm)
		// A repeating element enumerates its values under items.
		items, _ := pm["items"].(map[string]any)
		addVersion(items)
	}
}

// addVersion adds 4.0.1 to an enumeration of FHIR versions that has 4.0.0.
func addVersion(schema map[string]any) {
	enum, _ := schema["enum"].([]any)
	has400, has401 := false, false
	for _, e := range enum {
		has400 = has400 || e == "4.0.0"
		has401 = has401 || e == "4.0.1"
	}
	if has400 && !has401 {
		schema["enum"] = append(enum, "4.0.1")
	}
}

// addPrimitiveCompanions repairs another defect of the published R4 JSON
// schema: R4 JSON gives every element of a primitive type a companion named
// with a leading underscore for its id and extensions (§2.6.2.2; a list's
// companion is a list of the same length), and the schema leaves it out for
// every element of type canonical (StructureDefinition.baseDefinition,
// ElementDefinition.type.profile, Meta.profile...), so such an extension was
// "unknown element _baseDefinition". Element ids and xhtml take no
// companion: an element's id is an attribute in XML, and the xhtml type
// takes no extensions.
func addPrimitiveCompanions(def map[string]any) {
	props, _ := def["properties"].(map[string]any)
	for name, p := range props {
		if name == "id" || strings.HasPrefix(name, "_") || props["_"+name] != nil {
			continue
		}
		pm, _ := p.(map[string]any)
		items, _ := pm["items"].(map[string]any)
		switch {
		case primitiveRef(pm["$ref"]):
			props["_"+name] = map[string]any{"$ref": "#/definitions/Element"}
		case items != nil && primitiveRef(items["$ref"]):
			props["_"+name] = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/Element"}}
		}
	}
}

// primitiveRef reports whether a schema reference names a FHIR primitive
// type (the schema names them in lower case) that takes extensions.
func primitiveRef(ref any) bool {
	name, ok := strings.CutPrefix(fmt.Sprint(ref), "#/definitions/")
	return ok && name != "" && name[0] >= 'a' && name[0] <= 'z' && name != "xhtml"
}

// addObjectType repairs a third defect of the published R4 JSON schema: its
// complex types, backbone elements and resources declare their properties
// but not that they are objects, and JSON schema applies "properties" to
// objects only, so a string, number or list where R4 JSON writes an object
// passed unseen ("_birthDate": "x", "maritalStatus": "M"): the profile
// engine refused it, the schema check did not. A null item of a list's
// companion stays allowed (alignedNull).
func addObjectType(def map[string]any) {
	if _, ok := def["properties"].(map[string]any); ok && def["type"] == nil && def["$ref"] == nil {
		def["type"] = "object"
	}
}

// addIDElement gives a resource's id the _id companion R4 JSON gives every
// primitive element (§2.6.2), which the published schema leaves out. An
// extension there is refused, but by the rule's one home, the profile
// engine (a resource id takes no extensions): the schema calling _id an
// unknown element reported the same problem a second time.
func addIDElement(def map[string]any) {
	props, _ := def["properties"].(map[string]any)
	if props["id"] != nil && props["_id"] == nil {
		props["_id"] = map[string]any{"$ref": "#/definitions/Element"}
	}
}

// orList joins sorted names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
