package fhirpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carecert/carecert/fhir/elements"
)

// item is one value of a collection. FHIR values (from the resource) keep the
// JSON value, the primitive's "_element" sibling and their FHIR type; system
// values (literals and computed results) have fhir=false.
type item struct {
	v    any
	ext  map[string]any // the "_name" object of a FHIR primitive: id, extension
	t    string         // FHIR type name: "HumanName", "date", "Patient"; "" if unknown
	p    string         // definition path for the children: "Patient.contact", "HumanName"
	fhir bool
	loc  string // where the element is ("Patient.name[0].given[1]"), when tracked
}

// Model supplies FHIR type information for navigation and is/as/ofType.
// fhir/elements provides the R4 core model; without a model, types are known
// only for resources and choice elements.
type Model interface {
	// Child describes element name under the element at definition path parent
	// ("Patient", "Patient.contact", "HumanName"). typ is the FHIR type code;
	// path is where the child's own children are defined. choice reports a
	// choice element (value[x]), whose type comes from the JSON name.
	Child(parent, name string) (typ, path string, choice, ok bool)
}

// Env is the evaluation environment: constants, hooks and the model. An Env
// may be shared by concurrent evaluations as long as nobody modifies it.
type Env struct {
	// Model gives element types; nil means the FHIR R4 core model
	// (fhir/elements).
	Model Model
	// Resource is %resource; RootResource is %rootResource. Both default to
	// the input of Evaluate.
	Resource, RootResource any
	// Vars holds further external constants, named without '%'.
	Vars map[string]any
	// Now fixes now(), today() and timeOfDay(); zero means the clock.
	Now time.Time
	// Resolve implements resolve() of a reference that is not to a contained
	// resource: the resource it points to, or nil. Without it resolve()
	// returns contained resources and the entries of a Bundle root by
	// fullUrl or Type/id.
	Resolve func(ref string) map[string]any
	// MemberOf implements memberOf(valueSet) for a code, Coding or
	// CodeableConcept value; ok=false means "unknown" (empty result).
	MemberOf func(value any, valueSet string) (member, ok bool, err error)
	// ConformsTo implements conformsTo(profile).
	ConformsTo func(resource any, profile string) (bool, error)
	// Trace receives trace() output; nil discards it.
	Trace func(name string, values []any)
	// Strict makes mistakes the model can see evaluation errors instead of
	// empty results: an element the type does not have ("name.given1"), a
	// choice element named with its type ("valueQuantity": write
	// "value.ofType(Quantity)"), and a path for another resource type
	// ("Encounter.name" on a Patient). Off by default: invariants and search
	// expressions rely on the lenient reading.
	Strict bool
}

// Expr is a compiled FHIRPath expression. It is immutable and safe for
// concurrent use.
type Expr struct {
	src       string
	root      node
	memoSlots int
	// plain is the expression as a plain path, walked directly by Select;
	// nil for any other expression.
	plain *plainPath
	// direct holds, per definition path of an input, the expression
	// compiled to a direct check (direct.go), or a nil check when it does
	// not compile; EvaluateBool uses it on the R4 core model.
	direct sync.Map
}

// Compile parses and checks an expression (syntax, function names and arity).
func Compile(src string) (*Expr, error) {
	root, slots, err := parse(src)
	if err != nil {
		return nil, err
	}
	return &Expr{src: src, root: root, memoSlots: slots, plain: compilePlain(src)}, nil
}

// MustCompile is Compile for expressions known to be valid; it panics otherwise.
func MustCompile(src string) *Expr {
	e, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the source of the expression.
func (e *Expr) String() string { return e.src }

// EvalError is a failure while evaluating, such as a type mismatch or a
// collection where a single value is required.
type EvalError struct {
	Expr string
	Msg  string
}

func (e *EvalError) Error() string { return fmt.Sprintf("fhirpath: %s (in %q)", e.Msg, e.Expr) }

type evalErr string

func (e evalErr) Error() string { return string(e) }

func errf(format string, a ...any) error { return evalErr(fmt.Sprintf(format, a...)) }

// evalCtx is the state of one evaluation. The top-level scope and input live
// in it, so that an evaluation allocates once for its state.
type evalCtx struct {
	env      *Env
	model    Model
	resource item
	root     item
	context  item
	now      time.Time
	top      scope
	input    [1]item
	// track makes navigation record each element's location (EvaluateTyped)
	track bool
	// memo holds the values of memoized subexpressions (see memoNode)
	memo      [][]item
	memoSlots int
	strict    bool
	// steps counts the work of the evaluation against the budget (see spend).
	steps int
}

// The evaluation budget. An expression comes from a suite or from an
// invariant of a supplier's guide, and FHIRPath can ask for exponential work
// in a few characters (repeat($this & $this) doubles a string each round):
// past the budget, evaluation stops with an error instead of exhausting
// memory. Real invariants take a few hundred steps on a large resource.
const (
	// MaxSteps bounds the function calls and operators evaluated, each
	// counted with the size of its result.
	MaxSteps = 2_000_000
	// MaxItems bounds one collection.
	MaxItems = 100_000
	// MaxString bounds one computed string, in bytes.
	MaxString = 1 << 20
)

// spend charges one step and the size of a result against the budget.
func (c *evalCtx) spend(out []item) error {
	c.steps += 1 + len(out)
	switch {
	case c.steps > MaxSteps:
		return errf("evaluation stopped after %d steps (carecert's budget for one expression on one input)", MaxSteps)
	case len(out) > MaxItems:
		return errf("evaluation stopped: a collection of %d items is more than carecert's budget of %d", len(out), MaxItems)
	}
	for _, it := range out {
		if str, ok := it.v.(string); ok && len(str) > MaxString {
			return errf("evaluation stopped: a computed string of %d bytes is more than carecert's budget of %d", len(str), MaxString)
		}
	}
	return nil
}

// scope holds $this, $index and $total inside function arguments.
type scope struct {
	this  []item
	index int
	total []item
}

// Evaluate runs the expression on input (a resource as map[string]any, any
// FHIR element or a slice of them) and returns the result collection as plain
// values: FHIR elements as they are in the resource (map[string]any, string,
// json.Number, bool), computed values as bool, int64, Decimal, string,
// Temporal or Quantity. env may be nil.
func (e *Expr) Evaluate(env *Env, input any) ([]any, error) {
	out, err := e.eval(env, input, false)
	if err != nil {
		return nil, err
	}
	res := make([]any, len(out))
	for i, it := range out {
		res[i] = it.v
	}
	return res, nil
}

// Value is one result with its type, from EvaluateTyped.
type Value struct {
	// V is the value as Evaluate returns it.
	V any
	// Type is the FHIR type name for elements of the resource ("date",
	// "HumanName"), or the System type name for computed values ("Boolean",
	// "Integer", "Decimal", "String", "Date", "DateTime", "Time", "Quantity").
	Type string
	// FHIR reports an element of the resource rather than a computed value.
	FHIR bool
	// Path locates an element of the input, FHIRPath-style with indexes
	// ("Patient.name[0].given[1]", "Observation.valueQuantity"); "" for
	// computed values, elements of resolve()d resources and elements under an
	// Element input given without At.
	Path string
	// it keeps the element's type context, so that a Value passed back to
	// Evaluate (an invariant on an element) navigates with its types.
	it item
}

// Element returns a FHIR element of the given type as an input for Evaluate:
// use it to evaluate an invariant on an element the caller found by walking a
// resource. defPath is where the element's children are defined: the type name
// for datatypes ("HumanName"), the element path for backbone elements
// ("Patient.contact"). ext is the primitive's "_name" object, or nil.
func Element(v any, ext map[string]any, typ, defPath string) Value {
	it := item{v: v, ext: ext, t: typ, p: defPath, fhir: true}
	return Value{V: v, Type: typ, FHIR: true, it: it}
}

// At returns the element with its location, so that the paths EvaluateTyped
// gives are complete ("Patient.contact[0]" + ".name.family").
func (v Value) At(path string) Value {
	v.Path, v.it.loc = path, path
	return v
}

// EvaluateTyped is Evaluate with the type of each result.
func (e *Expr) EvaluateTyped(env *Env, input any) ([]Value, error) {
	out, err := e.eval(env, input, true)
	if err != nil {
		return nil, err
	}
	res := make([]Value, len(out))
	for i, it := range out {
		t := it.t
		if !it.fhir || t == "" {
			t = systemType(it.v)
		}
		res[i] = Value{V: it.v, Type: t, FHIR: it.fhir, Path: it.loc, it: it}
	}
	return res, nil
}

// EvaluateBool evaluates an invariant-style expression: the result must be
// empty or one boolean (a single non-boolean value counts as true). ok is false
// when the result is empty.
func (e *Expr) EvaluateBool(env *Env, input any) (value, ok bool, err error) {
	if v, isValue := input.(Value); isValue {
		if value, ok, decided := e.directBool(env, v); decided {
			return value, ok, nil
		}
	}
	return e.evaluateBool(env, input)
}

// evaluateBool is EvaluateBool by the general evaluator.
func (e *Expr) evaluateBool(env *Env, input any) (value, ok bool, err error) {
	out, err := e.eval(env, input, false)
	if err != nil {
		return false, false, err
	}
	b, ok, err := singletonBool(out)
	if err != nil {
		return false, false, &EvalError{Expr: e.src, Msg: err.Error()}
	}
	return b, ok, nil
}

func (e *Expr) eval(env *Env, input any, track bool) (out []item, err error) {
	if env == nil {
		env = &Env{}
	}
	defer func() {
		// a bug in a function must cost one result, not the whole run
		if r := recover(); r != nil {
			out, err = nil, &EvalError{Expr: e.src, Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	model := env.Model
	if model == nil {
		ix, err := elements.R4()
		if err != nil {
			return nil, err
		}
		model = ix
	}
	c := &evalCtx{env: env, model: model, now: env.Now, track: track, memoSlots: e.memoSlots, strict: env.Strict}
	var in []item
	if one, ok := singleRoot(input); ok {
		if m, isMap := one.v.(map[string]any); track && isMap && one.loc == "" && m["resourceType"] != nil {
			one.loc = one.t // a resource: paths start with its type
		}
		c.input[0] = one
		in = c.input[:1:1]
	} else {
		in = rootItems(input, model)
	}
	if len(in) > 0 {
		c.context = in[0]
	}
	c.resource = c.context
	if env.Resource != nil {
		c.resource = rootItems(env.Resource, env.Model)[0]
	}
	c.root = c.resource
	if env.RootResource != nil {
		c.root = rootItems(env.RootResource, env.Model)[0]
	}
	c.top.this = in
	out, err = e.root.eval(c, &c.top, in)
	if err != nil {
		var ee evalErr
		if errors.As(err, &ee) {
			return nil, &EvalError{Expr: e.src, Msg: string(ee)}
		}
		return nil, err
	}
	return out, nil
}

// singleRoot converts the common inputs, a resource or one element, without
// allocating.
func singleRoot(input any) (item, bool) {
	switch v := input.(type) {
	case map[string]any:
		if rt, ok := v["resourceType"].(string); ok {
			return item{v: v, t: rt, p: rt, fhir: true}, true
		}
		return item{v: v, fhir: true}, true
	case Value:
		if v.it.v != nil || v.it.ext != nil {
			return v.it, true
		}
	}
	return item{}, false
}

func rootItems(input any, m Model) []item {
	switch v := input.(type) {
	case nil:
		return nil
	case []any:
		out := make([]item, 0, len(v))
		for _, x := range v {
			out = append(out, rootItems(x, m)...)
		}
		return out
	case map[string]any:
		if rt, ok := v["resourceType"].(string); ok {
			return []item{{v: v, t: rt, p: rt, fhir: true}}
		}
		return []item{{v: v, fhir: true}}
	case item:
		return []item{v}
	case Value:
		if v.it.v != nil || v.it.ext != nil {
			return []item{v.it}
		}
		return []item{{v: v.V, t: v.Type, fhir: v.FHIR}}
	case []Value:
		out := make([]item, 0, len(v))
		for _, x := range v {
			out = append(out, rootItems(x, m)...)
		}
		return out
	}
	return []item{{v: input, fhir: isFHIRPrimitive(input)}}
}

func isFHIRPrimitive(v any) bool {
	_, ok := v.(json.Number)
	return ok
}

// node is a compiled expression node. in is the focus collection.
type node interface {
	eval(c *evalCtx, s *scope, in []item) ([]item, error)
}

type literalNode struct{ val item }

func (n *literalNode) eval(*evalCtx, *scope, []item) ([]item, error) { return []item{n.val}, nil }

type emptyNode struct{}

func (emptyNode) eval(*evalCtx, *scope, []item) ([]item, error) { return nil, nil }

type parenNode struct{ inner node }

func (n *parenNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	return n.inner.eval(c, s, in)
}

type pathNode struct{ left, right node }

func (n *pathNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	l, err := n.left.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	if c.strict {
		if err := c.checkAfterType(n); err != nil {
			return nil, err
		}
	}
	return n.right.eval(c, s, l)
}

// checkAfterType reports, in strict mode, a name that the type selected just
// before it does not have ("(value as Period).unit"), even when nothing was
// selected.
func (c *evalCtx) checkAfterType(n *pathNode) error {
	m, ok := n.right.(*memberNode)
	if !ok || c.model == nil {
		return nil
	}
	t := staticType(n.left)
	if t == "" || systemTypeNames[t] {
		return nil
	}
	return c.checkMember(item{t: t, p: t, fhir: true}, m.name)
}

// staticType is the type an expression's result is known to have from its
// form: "x as T", "x.as(T)", "x.ofType(T)".
func staticType(n node) string {
	switch x := n.(type) {
	case *parenNode:
		return staticType(x.inner)
	case *typeOpNode:
		if x.op == "as" {
			return x.typ.name
		}
	case *funcNode:
		if x.name == "as" || x.name == "ofType" {
			return x.typ.name
		}
	case *pathNode:
		return staticType(x.right)
	}
	return ""
}

type indexNode struct{ left, index node }

func (n *indexNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	l, err := n.left.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	ix, err := n.index.eval(c, s, s.this)
	if err != nil {
		return nil, err
	}
	i, ok, err := singletonInt(ix)
	if err != nil || !ok {
		return nil, err
	}
	if i < 0 || int(i) >= len(l) {
		return nil, nil
	}
	return l[i : i+1], nil
}

type varNode struct{ name string }

func (n *varNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	switch n.name {
	case "$this":
		return s.this, nil
	case "$index":
		return []item{{v: int64(s.index)}}, nil
	}
	return s.total, nil
}

type externalNode struct{ name string }

func (n *externalNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	switch n.name {
	case "resource":
		return nonEmpty(c.resource), nil
	case "rootResource":
		return nonEmpty(c.root), nil
	case "context":
		return nonEmpty(c.context), nil
	case "ucum":
		return []item{{v: "http://unitsofmeasure.org"}}, nil
	case "sct":
		return []item{{v: "http://snomed.info/sct"}}, nil
	case "loinc":
		return []item{{v: "http://loinc.org"}}, nil
	}
	if v, ok := c.env.Vars[n.name]; ok {
		return rootItems(v, c.model), nil
	}
	if rest, ok := strings.CutPrefix(n.name, "vs-"); ok {
		return []item{{v: "http://hl7.org/fhir/ValueSet/" + rest}}, nil
	}
	if rest, ok := strings.CutPrefix(n.name, "ext-"); ok {
		return []item{{v: "http://hl7.org/fhir/StructureDefinition/" + rest}}, nil
	}
	return nil, errf("unknown external constant %%%s", n.name)
}

func nonEmpty(it item) []item {
	if it.v == nil {
		return nil
	}
	return []item{it}
}

// memberNode navigates to the children called name. As the first step of a
// path, a type name selects the input itself when it is of that type
// (Patient.name on a Patient).
type memberNode struct {
	name  string
	first bool
}

func (n *memberNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	if n.first && n.name != "" && n.name[0] >= 'A' && n.name[0] <= 'Z' {
		// element names start in lower case: this is a type name
		var out []item
		for _, it := range in {
			if it.fhir && (it.t == n.name || isResourceOfType(it, n.name)) {
				out = append(out, it)
			}
		}
		// another resource's type gives nothing ("Practitioner.name" on a
		// Patient, as in search parameter expressions)
		if len(out) == 0 && len(in) > 0 && c.strict && in[0].t != "" {
			return nil, errf("the expression is for %s, the input is a %s", n.name, in[0].t)
		}
		return out, nil
	}
	var out []item
	for _, it := range in {
		out = c.children(out, it, n.name)
		if c.strict {
			if err := c.checkMember(it, n.name); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// checkMember reports, in strict mode, a name the type of it does not have.
func (c *evalCtx) checkMember(it item, name string) error {
	if c.model == nil || it.p == "" || !it.fhir {
		return nil
	}
	if _, _, _, known := c.model.Child(it.p, name); known {
		return nil
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] >= 'A' && name[i] <= 'Z' {
			if _, _, choice, known := c.model.Child(it.p, name[:i]); known && choice {
				if t, ok := choiceType(name[i:]); ok {
					return errf("%s is a choice element: write %s.ofType(%s)", name, name[:i], t)
				}
			}
		}
	}
	return errf("%s has no element %q", it.t, name)
}

func isResourceOfType(it item, name string) bool {
	m, ok := it.v.(map[string]any)
	if !ok {
		return false
	}
	rt, ok := m["resourceType"].(string)
	if !ok {
		return false
	}
	return rt == name || name == "Resource" || (name == "DomainResource" && rt != "Bundle" && rt != "Parameters" && rt != "Binary")
}

// children appends the elements called name under it.
func (c *evalCtx) children(out []item, it item, name string) []item {
	m, ok := it.v.(map[string]any)
	if !ok {
		// a primitive's id and extensions live in its "_name" sibling
		if it.ext == nil {
			return out
		}
		m, it = it.ext, item{v: it.ext, t: "Element", p: "Element", fhir: true, loc: it.loc}
	}
	typ, path, choice, known := "", "", false, false
	if c.model != nil && it.p != "" {
		typ, path, choice, known = c.model.Child(it.p, name)
	}
	if !choice {
		v, has := m[name]
		ext, _ := m["_"+name]
		if has || ext != nil {
			if !known {
				typ, path = guessType(v)
			}
			return appendValues(out, v, ext, typ, path, c.locate(it, name))
		}
		if known {
			return out
		}
	}
	// a choice element: valueQuantity, valueString, ...
	var keys [4]string
	for _, k := range choiceKeys(m, name, keys[:0]) {
		t, _ := choiceType(k[len(name):])
		out = appendValues(out, m[k], m["_"+k], t, t, c.locate(it, k))
	}
	return out
}

// choiceKeys appends to found the JSON names that choice element name takes
// in m (valueQuantity, or valueString held only as _valueString). Valid data
// has one; invalid data with several gets them all, in a stable order.
func choiceKeys(m map[string]any, name string, found []string) []string {
	for k := range m {
		if len(k) > 0 && k[0] == '_' {
			if _, hasValue := m[k[1:]]; hasValue {
				continue
			}
			k = k[1:]
		}
		if len(k) <= len(name) || !strings.HasPrefix(k, name) || k[len(name)] < 'A' || k[len(name)] > 'Z' {
			continue
		}
		if _, ok := choiceType(k[len(name):]); ok {
			found = append(found, k)
		}
	}
	if len(found) > 1 {
		slices.Sort(found)
	}
	return found
}

// locate is the location of child name of it, when locations are tracked.
func (c *evalCtx) locate(it item, name string) string {
	if !c.track || it.loc == "" {
		return "" // not tracked, or not inside the input (resolve())
	}
	return it.loc + "." + name
}

func guessType(v any) (string, string) {
	if m, ok := v.(map[string]any); ok {
		if rt, ok := m["resourceType"].(string); ok {
			return rt, rt
		}
	}
	return "", ""
}

// appendValues appends the values of one JSON member (and of its "_name"
// sibling) as items; loc is the member's location, "" when not tracked.
func appendValues(out []item, v, ext any, typ, path, loc string) []item {
	values(v, ext, func(i int, x any, e map[string]any) {
		el := element(x, e, typ, path)
		if loc != "" {
			el.loc = loc
			if i >= 0 {
				el.loc = loc + "[" + strconv.Itoa(i) + "]"
			}
		}
		out = append(out, el)
	})
	return out
}

// values calls add for each value of one JSON member and its "_name"
// sibling: arrays element by element (i is the index), a single value with i
// -1, and a primitive with only extensions as a nil value.
func values(v, ext any, add func(i int, x any, e map[string]any)) {
	arr, isArr := v.([]any)
	exts, extArr := ext.([]any)
	if isArr || (v == nil && extArr) {
		for i := range max(len(arr), len(exts)) {
			var x any
			if i < len(arr) {
				x = arr[i]
			}
			var e map[string]any
			if i < len(exts) {
				e, _ = exts[i].(map[string]any)
			}
			if x == nil && e == nil {
				continue
			}
			add(i, x, e)
		}
		return
	}
	e, _ := ext.(map[string]any)
	if v == nil && e == nil {
		return
	}
	add(-1, v, e)
}

func element(v any, ext map[string]any, typ, path string) item {
	if m, ok := v.(map[string]any); ok {
		if rt, ok := m["resourceType"].(string); ok {
			typ, path = rt, rt
		}
	}
	return item{v: v, ext: ext, t: typ, p: path, fhir: true}
}

// choiceType maps a choice suffix to its FHIR type name ("Quantity",
// "String" → "string").
func choiceType(suffix string) (string, bool) {
	t, ok := choiceSuffixes[suffix]
	return t, ok
}

// choiceSuffixes maps each name choiceType knows to its type, computed once:
// the lookup runs for every key of an object that a choice element's name
// begins.
var choiceSuffixes = func() map[string]string {
	out := map[string]string{}
	for t := range primitiveTypes {
		out[t] = t
		out[strings.ToUpper(t[:1])+t[1:]] = t
	}
	for t := range complexTypes {
		out[t] = t
	}
	return out
}()

var primitiveTypes = map[string]bool{
	"boolean": true, "integer": true, "string": true, "decimal": true, "uri": true, "url": true,
	"canonical": true, "base64Binary": true, "instant": true, "date": true, "dateTime": true,
	"time": true, "code": true, "oid": true, "id": true, "markdown": true, "unsignedInt": true,
	"positiveInt": true, "uuid": true, "xhtml": true,
}

var complexTypes = map[string]bool{
	"Address": true, "Age": true, "Annotation": true, "Attachment": true, "CodeableConcept": true,
	"Coding": true, "ContactPoint": true, "Count": true, "Distance": true, "Duration": true,
	"HumanName": true, "Identifier": true, "Money": true, "Period": true, "Quantity": true,
	"Range": true, "Ratio": true, "Reference": true, "SampledData": true, "Signature": true,
	"Timing": true, "ContactDetail": true, "Contributor": true, "DataRequirement": true,
	"Expression": true, "ParameterDefinition": true, "RelatedArtifact": true,
	"TriggerDefinition": true, "UsageContext": true, "Dosage": true, "Meta": true,
	"SimpleQuantity": true, "MoneyQuantity": true,
}
