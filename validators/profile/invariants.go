package profile

import (
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/lexical"
)

// Invariants compiles FHIRPath invariants (constraint.expression). The FHIRPath
// engine satisfies it through a small adapter; without one, the invariants
// carecert evaluates natively still run and every other one is reported once
// as not evaluated.
type Invariants interface {
	Compile(expression string) (Expression, error)
}

// Expression is a compiled invariant.
type Expression interface {
	// Holds evaluates the expression on a focus and reports whether it is
	// true (an empty result counts as false). An error means it could not be
	// evaluated.
	Holds(f Focus) (bool, error)
}

// Selector is an Invariants that also compiles expressions selecting
// elements, such as the fhirpath contexts of extension definitions.
type Selector interface {
	Selection(expression string) (Selection, error)
}

// Selection is a compiled selecting expression.
type Selection interface {
	// Select evaluates the expression on a focus found at path and returns
	// the paths of what it selects ("Patient.contact[0].name").
	Select(f Focus, path string) ([]string, error)
}

// Focus is the element an invariant is evaluated on, with what FHIRPath
// needs to type it.
type Focus struct {
	Value any
	// Ext is the "_name" object of a primitive, or nil.
	Ext map[string]any
	// Type is the FHIR type ("HumanName", "Patient", "BackboneElement").
	Type string
	// DefPath is where the element's children are defined: the type name,
	// or the element path for backbone elements ("Patient.contact").
	DefPath string
	// Resource is %resource; Root is %rootResource.
	Resource, Root map[string]any
	// MemberOf decides memberOf(valueSet); nil leaves it unevaluated.
	MemberOf func(value any, valueSet string) (member, known bool, err error)
	// Resolve answers resolve() for a reference that is not to a contained
	// resource: the resource carried with the record that it names, and
	// whether that answer is known (false when the resource may exist
	// where carecert cannot read it, such as on a server). nil resolves
	// nothing beyond contained resources.
	Resolve func(ref string) (res map[string]any, known bool)
}

// invariant is one compiled constraint of an element.
type invariant struct {
	key     string
	warning bool
	advice  bool
	human   string
	expr    string
	source  string
	native  func(focus any, w *walker) bool
	// quick decides the common cases of a compiled invariant in Go, given
	// the focus and its FHIR type ("" for a resource's root); when it cannot
	// (decided false) the compiled expression is evaluated.
	quick func(focus any, typ string) (holds, decided bool)
	// entries decides an invariant of a Bundle from its entries' summaries
	// where the expression reads an entry's resource (firstEntryIs); when it
	// cannot, the compiled expression is evaluated.
	entries  func(focus map[string]any, w *walker) (holds, decided bool)
	compiled Expression
	// unusable says why the invariant cannot be evaluated, when it cannot.
	unusable string
}

// invariant compiles a constraint once per run (shared by every element and
// profile that carries the same key and expression).
func (e *Engine) invariant(k definitions.Constraint, profile string) *invariant {
	// A constraint a profile marks as best practice is a guideline, however
	// severe; the same key and expression without the mark is a rule.
	advice := k.Key == "dom-6" || k.BestPractice()
	cacheKey := k.Key + "\x00" + k.Expression
	if advice {
		cacheKey += "\x00advice"
	}
	if inv, ok := e.invariants[cacheKey]; ok {
		return inv
	}
	inv := &invariant{key: k.Key, warning: k.Severity == "warning", human: k.Human, expr: k.Expression, source: profile}
	// dom-6 (narrative) and the constraints marked with the bestpractice
	// extension are best-practice guidelines, not conformance rules: they
	// are evaluated only when asked for, and then at the level asked for
	// (the best-practice option), as the reference validator does.
	inv.advice = advice
	if inv.advice && e.bestPractice == BestPracticeIgnore {
		inv.native = func(any, *walker) bool { return true }
		e.invariants[cacheKey] = inv
		return inv
	}
	switch {
	case k.Expression == "":
		inv.unusable = "the constraint has no FHIRPath expression"
	case nativeInvariant(k.Key, k.Expression) != nil:
		inv.native = nativeInvariant(k.Key, k.Expression)
	case e.fhirpath == nil:
		inv.unusable = "no FHIRPath engine is configured"
	default:
		ex, err := e.fhirpath.Compile(correctedExpression(k.Key, k.Expression))
		if err != nil {
			inv.unusable = "FHIRPath: " + err.Error()
		} else {
			inv.compiled = ex
			inv.quick = quickInvariant(k.Key, k.Expression)
			inv.entries = entriesInvariant(k.Key, k.Expression)
		}
	}
	e.invariants[cacheKey] = inv
	return inv
}

// nativeInvariant returns a Go implementation of a core invariant that holds on
// (nearly) every element, where a FHIRPath evaluation would dominate the cost
// of validation. Only the exact core expressions are replaced.
func nativeInvariant(key, expr string) func(any, *walker) bool {
	if f := narrativeInvariant(key, expr); f != nil {
		return f
	}
	switch {
	case key == "bdl-3" || key == "bdl-4" || key == "bdl-7":
		// Checked by bundleRules, which names the offending entry.
		return func(any, *walker) bool { return true }
	case key == "ref-1" && strings.HasPrefix(expr, "reference.startsWith('#').not() or "):
		// A local reference names a contained resource: checked where
		// references are resolved (references.go), which names the
		// reference. The R4 expression fails a Reference with only an
		// identifier or display, and "#" (the container), both valid.
		return func(any, *walker) bool { return true }
	case key == "ele-1" && expr == "hasValue() or (children().count() > id.count())":
		return func(focus any, w *walker) bool {
			m, ok := focus.(map[string]any)
			if !ok {
				return true
			}
			for k := range m {
				if k != "id" {
					return true
				}
			}
			// an entry whose resource is a record of its own has that child
			return w.resourceLeftOut(m)
		}
	case key == "ext-1" && expr == "extension.exists() != value.exists()":
		return func(focus any, _ *walker) bool {
			m, ok := focus.(map[string]any)
			if !ok {
				return true
			}
			// A value of a primitive type with extensions but no value
			// is present by its companion alone (_valueCode).
			hasValue := false
			for k := range m {
				if strings.HasPrefix(strings.TrimPrefix(k, "_"), "value") {
					hasValue = true
				}
			}
			_, hasExt := m["extension"]
			return hasExt != hasValue
		}
	case key == "dom-2" && expr == "contained.contained.empty()":
		return func(focus any, _ *walker) bool {
			for _, c := range containedOf(focus) {
				if _, ok := c["contained"]; ok {
					return false
				}
			}
			return true
		}
	case key == "dom-4" && expr == "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()":
		return func(focus any, _ *walker) bool {
			for _, c := range containedOf(focus) {
				if meta, ok := c["meta"].(map[string]any); ok {
					if meta["versionId"] != nil || meta["lastUpdated"] != nil {
						return false
					}
				}
			}
			return true
		}
	case key == "dom-5" && expr == "contained.meta.security.empty()":
		return func(focus any, _ *walker) bool {
			for _, c := range containedOf(focus) {
				if meta, ok := c["meta"].(map[string]any); ok && meta["security"] != nil {
					return false
				}
			}
			return true
		}
	case key == "dom-6" && expr == "text.`div`.exists()":
		// Asked of a resource that is its own root (a record, a Bundle
		// entry, a parameter's resource), as the reference validator
		// evaluates it: a contained resource is part of its container,
		// whose narrative covers it.
		return func(focus any, w *walker) bool {
			if containedAt(w.resPath) {
				return true
			}
			m, _ := focus.(map[string]any)
			text, _ := m["text"].(map[string]any)
			return text["div"] != nil
		}
	case questionnaireInvariant(key, expr) != nil:
		return questionnaireInvariant(key, expr)
	case key == "dom-3" && strings.HasPrefix(expr, "contained.where((('#'+id in (%resource.descendants().reference"):
		return func(focus any, _ *walker) bool {
			cs := containedOf(focus)
			if len(cs) == 0 {
				return true
			}
			refs := map[string]bool{}
			collectLocalRefs(focus, refs)
			return containedReferenced(cs, refs)
		}
	}
	return nil
}

// containedReferenced is dom-3 given the local references of the whole
// resource (collectLocalRefs): every contained resource is referred to, or
// something refers to the container ("#"). The stream path gathers the
// references as it scans.
func containedReferenced(cs []map[string]any, refs map[string]bool) bool {
	if refs["#"] {
		return true
	}
	for _, c := range cs {
		id, _ := c["id"].(string)
		if !refs["#"+id] {
			return false
		}
	}
	return true
}

func containedOf(focus any) []map[string]any {
	m, _ := focus.(map[string]any)
	return objects(m["contained"])
}

// collectLocalRefs gathers every string starting with '#' in v: references,
// canonicals and uris that point at contained resources.
func collectLocalRefs(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			collectLocalRefs(e, into)
		}
	case []any:
		for _, e := range x {
			collectLocalRefs(e, into)
		}
	case string:
		if strings.HasPrefix(x, "#") {
			into[x] = true
		}
		if strings.HasPrefix(x, "<div") {
			narrativeRefs(x, into)
		}
	}
}

// narrativeRefs gathers the local references of a narrative: links
// (href="#id") and images (src="#id") that point at contained resources
// count for dom-3 as references from the resource do.
func narrativeRefs(div string, into map[string]bool) {
	for _, attr := range []string{"href=", "src="} {
		for rest := div; ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			if len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') || rest[1] != '#' {
				continue
			}
			if end := strings.IndexByte(rest[1:], rest[0]); end > 0 {
				into[rest[1:1+end]] = true
			}
		}
	}
}

// correctedExpression returns the expression to evaluate for an R4 core
// constraint. A constraint holds only when it evaluates to true, and a few R4
// expressions give an empty result on valid data: later FHIR versions (R4B,
// R5) restate them, and those restatements are evaluated instead.
func correctedExpression(key, expr string) string {
	switch {
	case strings.HasSuffix(key, "-0") && expr == "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')":
		// Canonical resources' computable name (cnl-0 in R5): optional,
		// and the whole name must be a machine-friendly identifier.
		return "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')"
	case key == "vs-1" && expr == "($this as dateTime).toString().length() >= 8":
		// Vital signs' effective time: a dateTime must give the day. Cast
		// to dateTime, an effectivePeriod is empty, so the R4 form fails
		// every Period although the profile allows one; the reference
		// validator evaluates the restated form, which asks only of a
		// dateTime.
		return "$this is dateTime implies $this.toString().length() >= 10"
	case key == "opd-3" && expr == "targetProfile.exists() implies (type = 'Reference' or type = 'canonical')":
		// An operation's parameter typed as a resource (a Bundle, a
		// Patient) may name the profile it conforms to; R5 says so, and the
		// reference validator holds R4 to it too.
		return "targetProfile.exists() implies (type = 'Reference' or type = 'canonical' or type.memberOf('http://hl7.org/fhir/ValueSet/resource-types'))"
	case key == "eld-19" || key == "eld-20":
		// Element paths: the pattern describes the whole path (R5
		// anchors it); matches() alone accepts any path containing a match.
		if strings.HasPrefix(expr, "path.matches('") && strings.HasSuffix(expr, "')") {
			return "path.matches('^" + strings.TrimSuffix(strings.TrimPrefix(expr, "path.matches('"), "')") + "$')"
		}
	}
	return expr
}

// quickInvariant returns a Go shortcut for per-1, which holds on nearly
// every Period in real data and compares dates, for vs-1, which every
// vital sign's dateTime is held to and which casts and converts it, and for
// bdl-5 and bdl-8, which every entry of every Bundle is held to: the FHIRPath
// engine's direct checks leave them to its evaluator. Only the exact core
// expressions get one.
func quickInvariant(key, expr string) func(any, string) (bool, bool) {
	switch {
	case key == "per-1" && expr == "start.hasValue().not() or end.hasValue().not() or (start <= end)":
		return func(focus any, _ string) (bool, bool) {
			m, ok := focus.(map[string]any)
			if !ok {
				return false, false
			}
			start, ok1 := m["start"].(string)
			end, ok2 := m["end"].(string)
			return periodOrdered(start, end, ok1, ok2)
		}
	case key == "bdl-5" && expr == "resource.exists() or request.exists() or response.exists()":
		// Every entry of every Bundle: an entry holding any of the three as
		// an object satisfies it. An entry with none, or with one written
		// otherwise (a null, or an array, which may be empty), is FHIRPath's.
		return func(focus any, _ string) (bool, bool) {
			m, ok := focus.(map[string]any)
			if !ok {
				return false, false
			}
			for _, k := range [...]string{"resource", "request", "response"} {
				if _, object := m[k].(map[string]any); object {
					return true, true
				}
			}
			return false, false
		}
	case key == "bdl-8" && expr == "fullUrl.exists() implies fullUrl.contains('/_history/').not()":
		// Every entry of every Bundle. A fullUrl written as a string, with
		// no "_fullUrl" (whose extensions make it exist without a value),
		// is decided by its text; anything else is FHIRPath's.
		return func(focus any, _ string) (bool, bool) {
			m, ok := focus.(map[string]any)
			if !ok {
				return false, false
			}
			if _, ext := m["_fullUrl"]; ext {
				return false, false
			}
			v, has := m["fullUrl"]
			if !has {
				return true, true
			}
			s, ok := v.(string)
			if !ok {
				return false, false
			}
			return !strings.Contains(s, "/_history/"), true
		}
	case key == "vs-1" && expr == "($this as dateTime).toString().length() >= 8":
		// Decides the restated form (correctedExpression): a valid
		// dateTime's text is 10 long or more exactly when it has a day
		// (YYYY-MM-DD...). Other types and malformed text are FHIRPath's.
		return func(focus any, typ string) (bool, bool) {
			s, ok := focus.(string)
			if !ok || typ != "dateTime" || !lexical.Valid("dateTime", s) || !validDay(s) {
				return false, false
			}
			return len(s) >= 10, true
		}
	}
	return nil
}

// periodOrdered is per-1's shortcut on a Period's start and end texts
// (has: whether each has a value).
func periodOrdered(start, end string, hasStart, hasEnd bool) (holds, decided bool) {
	if !hasStart || !hasEnd {
		return true, true // a bound without a value
	}
	// Same length and the same zone: the text orders the instants.
	// Anything else (precisions or zones that differ) is FHIRPath's.
	if len(start) != len(end) || zone(start) != zone(end) {
		return false, false
	}
	return start <= end, true
}

// zone returns the time zone of a FHIR dateTime or instant ("Z", "-05:00"),
// or "" for none (a date, or a dateTime without a time).
func zone(s string) string {
	if len(s) <= 10 {
		return ""
	}
	if strings.HasSuffix(s, "Z") {
		return "Z"
	}
	if len(s) >= 6 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') {
		return s[len(s)-6:]
	}
	return "?" + s // no zone on a time: never compared as text
}

// entriesInvariant returns the Go form of bdl-11 and bdl-12, which read the
// first entry's resource, and of bdl-5, which asks whether an entry has one:
// a Bundle whose entries are records of their own holds only their
// summaries. Only the exact core expressions get one.
func entriesInvariant(key, expr string) func(map[string]any, *walker) (bool, bool) {
	switch {
	case key == "bdl-5" && expr == "resource.exists() or request.exists() or response.exists()":
		return entryHoldsResource
	case key == "bdl-11" && expr == "type = 'document' implies entry.first().resource.is(Composition)":
		return firstEntryIs("document", "Composition")
	case key == "bdl-12" && expr == "type = 'message' implies entry.first().resource.is(MessageHeader)":
		return firstEntryIs("message", "MessageHeader")
	}
	return nil
}

// firstEntryIs decides "type = bundleType implies entry.first().resource.is(rt)"
// for a type written as a plain string (or none) and a first entry that is
// an object holding a resource object; anything else (a type with
// extensions or not a string, a first entry without a resource or not an
// object) is left to FHIRPath, which reads those from the Bundle itself.
func firstEntryIs(bundleType, rt string) func(map[string]any, *walker) (bool, bool) {
	return func(b map[string]any, w *walker) (bool, bool) {
		v, has := b["type"]
		typ, ok := v.(string)
		if _, ext := b["_type"]; has && !ok || ext {
			return false, false
		}
		// Without a type, "type = …" is empty, and "{} implies x" holds
		// only where x does, as it does when the type is bundleType.
		if has && typ != bundleType {
			return true, true
		}
		entries := w.bundleIndexOf(b).entries
		if len(entries) == 0 || !entries[0].HasResource {
			return false, false
		}
		return entries[0].ResourceType == rt, true
	}
}

// entryHoldsResource decides bdl-5 for an entry of the record's Bundle whose
// resource its reader took out of the tree (the summary says it is there);
// every other entry is left to the shortcut and FHIRPath, which read it.
func entryHoldsResource(entry map[string]any, w *walker) (bool, bool) {
	if w.resourceLeftOut(entry) {
		return true, true
	}
	return false, false
}

// resourceLeftOut reports whether m is an entry object of the record's
// Bundle whose resource its reader left out of the tree, a record of its
// own (fhir.ReadFileApart): the entry's summary says it holds one. A rule
// that asks of the entry whether it has a resource or any child (bdl-5,
// ele-1) reads it here, not from the tree.
func (w *walker) resourceLeftOut(m map[string]any) bool {
	if _, written := m["resource"]; written || w.rec.Type != "Bundle" || w.rec.Entries == nil {
		return false
	}
	x := w.e.bundleIndex(w.rec)
	i, ok := x.entryAt(m)
	return ok && x.entries[i].HasResource && x.entries[i].Resource == nil
}
