package profile

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// slice assigns each repetition of a sliced element to the first slice whose
// discriminators it satisfies, checks slice cardinalities and the slicing
// rules (closed, ordered, open at end), and returns the slice of each item
// (nil for none). Messages name every slice tried and why it rejected the item.
func (w *walker) slice(items []any, k *node, t *typeInfo, path, name string) []*node {
	matched := make([]*node, len(items))
	var countsBuf [8]int
	counts := countsBuf[:0]
	if len(k.slices) > len(countsBuf) {
		counts = make([]int, len(k.slices))
	}
	counts = counts[:len(k.slices)]
	// misses[i*len(k.slices)+si] is why slice si rejected item i, kept for
	// every slice an item was tried against (slices are tried in order, up
	// to the one it matched): the findings below name them without asking
	// again, which for a profile discriminator is a walk of the profile.
	var missBuf [8]sliceMiss
	misses := missBuf[:0]
	if n := len(items) * len(k.slices); n > len(missBuf) {
		misses = make([]sliceMiss, n)
	} else {
		misses = misses[:n]
	}
	itemMisses := func(i int) []sliceMiss { return misses[i*len(k.slices) : (i+1)*len(k.slices)] }
	// paths[d] is what discriminator d's path selects in the item being
	// tried, read once however many slices try it; the misses keep them,
	// so each item's stay in arena until slice returns (the findings keep
	// them as strings).
	discriminators := k.slicing.Discriminator
	var pathsBuf [4][]any
	paths := pathsBuf[:0]
	// The walker's discBuf is lent to one slice call at a time: nothing
	// enters slice again on this walker before it returns today (a profile
	// discriminator walks its profile on a walker of its own), but a call
	// that did would overwrite the values the outer call's misses keep, so
	// it takes its arena from the heap instead.
	var arena []any
	if !w.discLent {
		w.discLent = true
		defer func() { w.discLent = false }()
		arena = w.discBuf[:0]
	}
	lastSlice := -1
	firstUnmatched := -1
	ordered := k.slicing.Ordered
	for i, item := range items {
		arena, paths = w.selectedPaths(arena, paths[:0], item, discriminators, t)
		// undecided says a slice could not tell whether the item is one
		// of its values (a profile discriminator's profile not loaded, a
		// binding's value set not expandable).
		undecided := false
		tried := itemMisses(i)
		for si, s := range k.slices {
			ok, why := w.sliceMatch(item, paths, k, s, t)
			tried[si] = why
			undecided = undecided || why.kind == missUndecided
			if ok {
				matched[i] = s
				counts[si]++
				if ordered && si < lastSlice {
					w.add(model.Error, CodeSlicing, itemPath(path, k, i), fmt.Sprintf("%s is in slice %q, which the ordered slicing puts before slice %q of an earlier item", name, s.sliceName, k.slices[lastSlice].sliceName), "")
				}
				lastSlice = max(lastSlice, si)
				break
			}
		}
		if matched[i] == nil {
			switch {
			case k.slicing.Rules == "closed" && undecided:
				w.add(model.Warning, CodeSlicing, itemPath(path, k, i), fmt.Sprintf("%s matches none of the slices carecert could decide, and the slicing is closed; whether it belongs to a slice carecert could not decide (a profile not loaded, a value set it cannot expand) was not decided; tried %s", name, strings.Join(rejections(k, tried), "; ")), "")
			case k.slicing.Rules == "closed":
				w.add(model.Error, CodeSlicing, itemPath(path, k, i), fmt.Sprintf("%s matches none of the slices and the slicing is closed; tried %s", name, strings.Join(rejections(k, tried), "; ")), "")
			}
		} else if k.slicing.Rules == "openAtEnd" && firstUnmatched >= 0 {
			w.add(model.Error, CodeSlicing, itemPath(path, k, firstUnmatched), fmt.Sprintf("%s matches no slice but comes before sliced items: the slicing is open only at the end", name), "")
			firstUnmatched = len(items) // report once
		}
		if matched[i] == nil && firstUnmatched < 0 {
			firstUnmatched = i
		}
	}
	for si, s := range k.slices {
		if counts[si] < s.min && w.typesTogether != k { // else choiceSlices judges it
			msg := fmt.Sprintf("slice %q of %s requires at least %d value(s) but %d matched", s.sliceName, name, s.min, counts[si])
			var tried []string
			maybe := 0 // items this slice could not decide on
			for i := range items {
				// Slices are tried in order: an item matched by a later
				// slice, or by none, was rejected by this one.
				if matched[i] == nil || slices.Index(k.slices, matched[i]) > si {
					why := itemMisses(i)[si]
					tried = append(tried, fmt.Sprintf("item %d rejected: %s", i, why.String()))
					if why.kind == missUndecided {
						maybe++
					}
				}
			}
			if len(tried) > 0 {
				msg += " (" + strings.Join(tried, "; ") + ")"
			}
			if counts[si]+maybe >= s.min {
				w.add(model.Warning, CodeSlicing, path, msg+": not decided, as carecert could not tell whether an item belongs to it", "")
			} else {
				w.add(model.Error, CodeSlicing, path, msg, "")
			}
		}
		if s.max >= 0 && counts[si] > s.max {
			w.add(model.Error, CodeSlicing, path, fmt.Sprintf("slice %q of %s allows at most %d value(s) but %d matched", s.sliceName, name, s.max, counts[si]), "")
		}
	}
	return matched
}

// rejections says why each slice of k rejected an item none matched, from
// what each said when the item was tried (misses, in k's slice order).
func rejections(k *node, misses []sliceMiss) []string {
	out := make([]string, 0, len(k.slices))
	for si, s := range k.slices {
		out = append(out, fmt.Sprintf("slice %q: %s", s.sliceName, misses[si].String()))
	}
	return out
}

// absentSlices reports the slices of an absent element that require values:
// a slice's minimum holds whether or not the sliced element is present (the
// reference validator counts each slice's matches among the element's
// children, none here), so a profile requiring a sub-extension, or an
// identifier of some system, is not met by leaving the element out.
func (w *walker) absentSlices(k *node, path string) {
	for _, s := range k.slices {
		if s.min > 0 {
			w.add(model.Error, CodeSlicing, path, fmt.Sprintf("slice %q of %s requires at least %d value(s) but %s is absent", s.sliceName, k.name, s.min, k.name), "")
		}
	}
}

func itemPath(path string, k *node, i int) string {
	if k.baseMax1 {
		return path
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

// selectedPaths appends to paths what each discriminator's path
// selects in item (of type t), the values kept in arena, and returns both.
func (w *walker) selectedPaths(arena []any, paths [][]any, item any, discriminators []definitions.Discriminator, t *typeInfo) ([]any, [][]any) {
	for _, d := range discriminators {
		var values []any
		if d.Type != "type" || d.Path != "$this" || t == nil { // discriminate reads the element's type
			start := len(arena)
			arena = w.evalPathTo(arena, item, d.Path)
			values = arena[start:len(arena):len(arena)]
		}
		paths = append(paths, values)
	}
	return arena, paths
}

// sliceMatch reports whether item satisfies every discriminator of slice s,
// paths holding what each discriminator's path selects in it; when not,
// what rejected it (rendered only for a finding: String).
func (w *walker) sliceMatch(item any, paths [][]any, k, s *node, t *typeInfo) (bool, sliceMiss) {
	if len(k.slicing.Discriminator) == 0 {
		return false, sliceMiss{kind: missNoDiscriminator}
	}
	var undecided sliceMiss // the first discriminator that could not tell
	for di, d := range k.slicing.Discriminator {
		ok, why := w.discriminate(item, paths[di], s, t, d)
		switch {
		case ok:
		case why.kind == missUndecided:
			// another discriminator may still reject the item for certain
			if undecided.kind != missUndecided {
				undecided = why
			}
		default:
			return false, why
		}
	}
	if undecided.kind == missUndecided {
		return false, undecided
	}
	return true, sliceMiss{}
}

// discriminate reports whether item meets discriminator d of slice s,
// values being what d's path selects in it (none read for a type on $this
// of an element whose type is known).
func (w *walker) discriminate(item any, values []any, s *node, t *typeInfo, d definitions.Discriminator) (bool, sliceMiss) {
	switch d.Type {
	case "value", "pattern":
		// A sure rejection by any expectation of the path wins over one
		// that could not tell (a binding carecert cannot expand), as across
		// discriminators in sliceMatch.
		var undecided sliceMiss
		for _, x := range s.expectations(d.Path) {
			if ok, why := w.meets(values, x, d.Path); !ok {
				if why.kind != missUndecided {
					return false, why
				}
				if undecided.kind != missUndecided {
					undecided = why
				}
			}
		}
		if undecided.kind == missUndecided {
			return false, undecided
		}
		// A slice that does not constrain this path lets any value through.
		return true, sliceMiss{}
	case "exists":
		n := descend(s, d.Path)
		if n == nil {
			return false, sliceMiss{kind: missUnconstrained, path: d.Path}
		}
		if n.min >= 1 && len(values) == 0 {
			return false, sliceMiss{kind: missRequired, path: d.Path}
		}
		if n.max == 0 && len(values) > 0 {
			return false, sliceMiss{kind: missForbidden, path: d.Path}
		}
		return true, sliceMiss{}
	case "type":
		got := ""
		if d.Path == "$this" && t != nil {
			got = t.code // the element's type, no value read
		} else if len(values) > 0 {
			if m, ok := values[0].(map[string]any); ok {
				got, _ = m["resourceType"].(string)
			}
			if got == "" {
				got = w.choiceType(item, d.Path)
			}
		}
		n := descend(s, d.Path)
		if n == nil || len(n.types) == 0 {
			return false, sliceMiss{kind: missTypeUnconstrained, path: d.Path}
		}
		var profs, unread []string
		for _, nt := range n.types {
			// A resolved target by the compiled target types, as a
			// reference is held to them: a versioned type, or a profile,
			// names the type it constrains.
			if nt.code == got || slices.Contains(nt.targets, got) || got != "" && nt.anyTarget() {
				return true, sliceMiss{}
			}
			profs = append(profs, nt.targetProfiles...)
			unread = append(unread, nt.unreadTargets...)
		}
		if got != "" && len(unread) > 0 {
			// a target profile carecert cannot read may constrain got's
			// type: carecert's limit, not the item's mismatch
			return false, sliceMiss{kind: missUndecided, path: d.Path, profiles: profs, unloaded: unread}
		}
		return false, sliceMiss{kind: missType, path: d.Path, got: got, n: n}
	case "profile":
		return w.profileDiscriminator(values, descend(s, d.Path), d.Path)
	}
	return false, sliceMiss{kind: missUnsupported, got: d.Type}
}

// sliceMiss is why a slice rejected an item, kept as what its message is
// made of: every item is tried against the slices before the one it
// matches, and the message is wanted only when a slicing rule fails.
type sliceMiss struct {
	kind missKind
	// path is the discriminator's path.
	path string
	// values are what the path selected; want the value the slice requires.
	values []any
	want   any
	// got is the type found (or the discriminator type not supported).
	got string
	// n is the slice's element at the path; profiles the profiles it gives
	// there; valueSet the required binding's.
	n        *node
	profiles []string
	valueSet string
	// unloaded are the profiles among them carecert could not load.
	unloaded []string
}

type missKind uint8

const (
	missNone missKind = iota // the slice took the item
	missNoDiscriminator
	missUnconstrained
	missRequired
	missForbidden
	missTypeUnconstrained
	missType
	missProfileAbsent
	missProfile
	// missUndecided: the slice's profile is not loaded, or its required
	// binding's value set cannot be expanded, so whether the item belongs
	// is not known (carecert's limit).
	missUndecided
	missUnsupported
	missValueForbidden
	missValueSet
	missValue
)

// String is the reason's message.
func (m sliceMiss) String() string {
	switch m.kind {
	case missNoDiscriminator:
		return "the slicing has no discriminator, so items cannot be assigned"
	case missUnconstrained:
		return fmt.Sprintf("the slice does not constrain %s", m.path)
	case missRequired:
		return fmt.Sprintf("%s is absent, the slice requires it", m.path)
	case missForbidden:
		return fmt.Sprintf("%s is present, the slice forbids it", m.path)
	case missTypeUnconstrained:
		return fmt.Sprintf("the slice does not constrain the type of %s", m.path)
	case missType:
		if strings.Contains(m.path, "resolve()") {
			// the slice's type is Reference: what it wants is the target
			return fmt.Sprintf("%s is of type %q, the slice requires a reference to %s", m.path, m.got, targetList(m.n))
		}
		return fmt.Sprintf("%s is of type %q, the slice requires %s", m.path, m.got, typeList(m.n))
	case missProfileAbsent:
		return fmt.Sprintf("%s is absent, the slice requires it to conform to %s", m.path, strings.Join(m.profiles, " or "))
	case missProfile:
		return fmt.Sprintf("%s does not conform to %s", m.path, strings.Join(m.profiles, " or "))
	case missUndecided:
		if m.valueSet != "" {
			return fmt.Sprintf("whether %s, %s, is in the value set %s was not decided: carecert cannot expand it offline", m.path, shownValues(m.values), m.valueSet)
		}
		return fmt.Sprintf("whether %s conforms to %s was not decided: %s not loaded", m.path, strings.Join(m.profiles, " or "), strings.Join(m.unloaded, ", "))
	case missUnsupported:
		return fmt.Sprintf("discriminator type %q is not supported", m.got)
	case missValueForbidden:
		return fmt.Sprintf("%s is %s, the slice forbids it", m.path, shownValues(m.values))
	case missValueSet:
		return fmt.Sprintf("%s is %s, not in the value set %s", m.path, shownValues(m.values), m.valueSet)
	case missValue:
		return fmt.Sprintf("%s is %s, the slice requires %s", m.path, shownValues(m.values), compact(m.want))
	}
	return ""
}

// anyTarget says a reference or canonical of this type may point at any
// resource: it names no target at all, or a target of type Resource
// (Reference(Resource), or a profile of it). A target profile carecert
// cannot read names a type it does not know, which is not any.
func (t *typeInfo) anyTarget() bool {
	if t.code != "Reference" && t.code != "canonical" {
		return false
	}
	return len(t.targets) == 0 && len(t.unreadTargets) == 0 || slices.Contains(t.targets, "Resource")
}

// targetTypes appends to s the types this type's targets name, each once,
// in the order the element gives them, leaving out Resource.
func (t *typeInfo) targetTypes(s []string) []string {
	for _, target := range t.targets {
		if target != "Resource" && !slices.Contains(s, target) {
			s = append(s, target)
		}
	}
	return s
}

// targetList lists the target types of element k's references, each once
// ("any resource" when a type allows any).
func targetList(k *node) string {
	var s []string
	for _, t := range k.types {
		s = t.targetTypes(s)
	}
	if len(s) == 0 {
		return "any resource"
	}
	return strings.Join(s, " or ")
}

// undecidedTargets says that whether a reference or canonical may point at
// what it names was not decided, because the target profiles carecert
// cannot read may allow it: carecert's limit, never the supplier's failure.
func (t *typeInfo) undecidedTargets(what string) string {
	msg := fmt.Sprintf("whether this element may refer to %s was not decided: target profile %s is not loaded, so what it allows is not known", what, strings.Join(t.unreadTargets, ", "))
	if s := t.targetTypes(nil); len(s) > 0 {
		msg += " (the element's other targets: " + strings.Join(s, ", ") + ")"
	}
	return msg
}

// profileDiscriminator reports whether some value at the path conforms to a
// profile the slice gives the element there (a type profile, or a target
// profile through resolve()). A slice that gives none does not constrain the
// path; a slice that does requires a value.
func (w *walker) profileDiscriminator(values []any, n *node, path string) (bool, sliceMiss) {
	var profs []string
	if n != nil {
		for _, nt := range n.types {
			if strings.Contains(path, "resolve()") {
				profs = append(profs, nt.targetProfiles...)
			} else {
				profs = append(profs, nt.profiles...)
			}
		}
	}
	if len(profs) == 0 {
		return true, sliceMiss{}
	}
	if len(values) == 0 {
		return false, sliceMiss{kind: missProfileAbsent, path: path, profiles: profs}
	}
	var unloaded []string
	for _, v := range values {
		for _, prof := range profs {
			p, err := w.e.Compiled(prof)
			if err != nil {
				if !slices.Contains(unloaded, prof) {
					unloaded = append(unloaded, prof)
				}
				continue
			}
			switch x := v.(type) {
			case map[string]any:
				if rt, ok := x["resourceType"].(string); ok && p.Kind == "resource" && rt != p.Type {
					continue
				}
				if !hasError(w.conformance(x, p, path, true)) {
					return true, sliceMiss{}
				}
			default:
				if primitiveConforms(x, p) {
					return true, sliceMiss{}
				}
			}
		}
	}
	if len(unloaded) > 0 {
		return false, sliceMiss{kind: missUndecided, path: path, profiles: profs, unloaded: unloaded}
	}
	return false, sliceMiss{kind: missProfile, path: path, profiles: profs}
}

// primitiveConforms checks a primitive value against what a profile of its
// type fixes on its root: a fixed or pattern value and a maximum length.
func primitiveConforms(v any, p *Compiled) bool {
	r := p.root
	if r == nil {
		return false
	}
	if r.fixed != nil && !equalValue(r.fixed, v) || r.pattern != nil && !equalValue(r.pattern, v) {
		return false
	}
	if s, ok := v.(string); ok && r.maxLength > 0 && len([]rune(s)) > r.maxLength {
		return false
	}
	return true
}

func hasError(fs []model.Finding) bool {
	for _, f := range fs {
		if f.Severity == model.Error {
			return true
		}
	}
	return false
}

// holdsCode says v, a code, Coding or CodeableConcept, gives a code. member
// answers "not decided" both for a coding carecert cannot decide (with none
// in: conceptMember's rule) and for a value with no code at all; only the
// first is carecert's limit, as a value without a code is in no value set,
// whatever carecert can expand.
func holdsCode(v any) bool {
	switch x := v.(type) {
	case string:
		return x != ""
	case map[string]any:
		if code, _ := x["code"].(string); code != "" {
			return true
		}
		for _, c := range objects(x["coding"]) {
			if code, _ := c["code"].(string); code != "" {
				return true
			}
		}
	}
	return false
}

func shownValues(vs []any) string {
	switch len(vs) {
	case 0:
		return "absent"
	case 1:
		return compact(vs[0])
	}
	return compact(vs)
}

// expectation is one thing a value or pattern discriminator requires of a
// slice: a value (fixed, or a pattern to match) or membership of a required
// binding, to be found among the values the discriminator path selects.
type expectation struct {
	want    any
	pattern bool
	binding *binding
	// absent: the slice forbids the element (max 0), so only an item
	// without it belongs.
	absent bool
}

// meets reports whether the values a discriminator path selected satisfy x.
func (w *walker) meets(values []any, x expectation, path string) (bool, sliceMiss) {
	if x.absent {
		if len(values) == 0 {
			return true, sliceMiss{}
		}
		return false, sliceMiss{kind: missValueForbidden, path: path, values: values}
	}
	if x.binding != nil {
		// A value set carecert cannot expand offline (not loaded, or
		// defined by what it does not hold), or a coding it cannot decide
		// with none in, leaves membership undecided: its limit, never the
		// item's rejection.
		undecided := false
		for _, v := range values {
			in, known := w.e.member(v, x.binding.valueSet)
			if in {
				return true, sliceMiss{}
			}
			undecided = undecided || !known && holdsCode(v)
		}
		if undecided {
			return false, sliceMiss{kind: missUndecided, path: path, values: values, valueSet: x.binding.valueSet}
		}
		return false, sliceMiss{kind: missValueSet, path: path, values: values, valueSet: x.binding.valueSet}
	}
	for _, v := range values {
		if (x.pattern && matchesPattern(x.want, v)) || (!x.pattern && equalValue(x.want, v)) {
			return true, sliceMiss{}
		}
	}
	return false, sliceMiss{kind: missValue, path: path, values: values, want: x.want}
}

// expectations returns (once per slice and path) what a value or pattern
// discriminator requires of slice s; every one must hold.
func (s *node) expectations(path string) []expectation {
	if v, ok := s.discriminated.Load(path); ok {
		return v.([]expectation)
	}
	inherited, pattern := s.fixedOrPattern()
	xs := expect(s, splitPath(path), inherited, pattern)
	s.discriminated.Store(path, xs)
	return xs
}

// fixedOrPattern is the value fixed on n, or else the pattern set on it
// (pattern true), or nil.
func (n *node) fixedOrPattern() (v any, pattern bool) {
	if n.fixed != nil {
		return n.fixed, false
	}
	return n.pattern, n.pattern != nil
}

// expect follows the discriminator path segs from n. What it requires is,
// in order of precedence: a fixed or pattern value on the element the path
// reaches, or the part of one set higher up; the profile URL of an
// extension slice; when the path runs through an element that is sliced
// again (a component slice's code.coding), what each of that element's
// required slices sets at the rest of the path; a required binding; or the
// pattern that fixed values on the reached element's children make up.
func expect(n *node, segs []string, inherited any, pattern bool) []expectation {
	for i, seg := range segs {
		if seg == "$this" {
			continue
		}
		if inherited != nil {
			inherited = valueAt(inherited, seg)
		}
		if seg == "url" && n != nil && len(n.types) == 1 && n.types[0].code == "Extension" && len(n.types[0].profiles) > 0 {
			if c := child(n, "url"); c == nil || (c.fixed == nil && c.pattern == nil) {
				u, _ := definitions.SplitCanonical(n.types[0].profiles[0])
				return []expectation{{want: u}}
			}
		}
		if n != nil {
			n = pathChild(n, seg)
		}
		if n == nil {
			continue
		}
		switch {
		case n.fixed != nil:
			inherited, pattern = n.fixed, false
		case n.pattern != nil:
			inherited, pattern = n.pattern, true
		case inherited == nil && len(n.slices) > 0 && i < len(segs)-1:
			var out []expectation
			for _, sl := range n.slices {
				if sl.min < 1 {
					continue // an optional slice requires nothing of the item
				}
				from, p := sl.fixedOrPattern()
				out = append(out, expect(sl, segs[i+1:], from, p)...)
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	if inherited != nil {
		return []expectation{{want: inherited, pattern: pattern}}
	}
	if n == nil {
		return nil
	}
	if n.max == 0 {
		return []expectation{{absent: true}}
	}
	if n.binding != nil && n.binding.strength == "required" {
		return []expectation{{binding: n.binding}}
	}
	if p := composedPattern(n, 0); p != nil {
		return []expectation{{want: p, pattern: true}}
	}
	return nil
}

// valueAt is the part of a fixed or pattern value under one name (of its
// first repetition, for a list).
func valueAt(v any, name string) any {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil
		}
		v = arr[0]
	}
	if m, ok := v.(map[string]any); ok {
		return m[name]
	}
	return nil
}

// maxPatternDepth bounds how far below a slice composedPattern gathers
// children's fixed values. A profile's element tree can recurse (an
// Extension's extension, an Identifier's assigner's identifier), so the walk
// needs a floor; discriminating values sit a few levels down at most
// (Coding.system under CodeableConcept.coding under the sliced element).
const maxPatternDepth = 4

// composedPattern is the pattern the fixed and pattern values of an
// element's snapshot-listed descendants make up (and those of its required
// slices), or nil when they set none. Choice elements are left out: their
// JSON name depends on the type.
func composedPattern(n *node, depth int) any {
	if n.fixed != nil {
		return n.fixed
	}
	if n.pattern != nil {
		return n.pattern
	}
	if depth > maxPatternDepth {
		return nil
	}
	var m map[string]any
	for _, c := range n.children {
		if c.choice {
			continue
		}
		var v any
		if p := composedPattern(c, depth+1); p != nil {
			v = p
			if !c.baseMax1 {
				v = []any{p}
			}
		} else {
			var list []any
			for _, sl := range c.slices {
				if sl.min >= 1 {
					if p := composedPattern(sl, depth+1); p != nil {
						list = append(list, p)
					}
				}
			}
			if len(list) > 0 {
				v = list
			}
		}
		if v != nil {
			if m == nil {
				m = map[string]any{}
			}
			m[c.name] = v
		}
	}
	if m == nil {
		return nil
	}
	return m
}

// extensionArg reads the url of a path segment extension('url').
func extensionArg(seg string) (string, bool) {
	rest, ok := strings.CutPrefix(seg, "extension(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", false
	}
	return strings.Trim(rest[:len(rest)-1], `'"`), true
}

// extensionSlice is the slice of n's extensions that holds the extension
// url: the one whose type names that definition, or whose url is fixed to it.
func extensionSlice(n *node, url string) *node {
	ext := child(n, "extension")
	if ext == nil {
		return nil
	}
	for _, sl := range ext.slices {
		for _, t := range sl.types {
			for _, p := range t.profiles {
				if u, _ := definitions.SplitCanonical(p); u == url {
					return sl
				}
			}
		}
		if u := child(sl, "url"); u != nil && u.fixed == url {
			return sl
		}
	}
	return nil
}

// descend follows a discriminator path through a slice's own children.
func descend(s *node, path string) *node {
	n := s
	for _, seg := range splitPath(path) {
		if seg == "$this" {
			continue
		}
		if n = pathChild(n, seg); n == nil {
			return nil
		}
	}
	return n
}

// pathChild is the element under n that one discriminator path segment
// names: the extension slice extension('url') selects, or a child by name.
func pathChild(n *node, seg string) *node {
	if url, ok := extensionArg(seg); ok {
		return extensionSlice(n, url)
	}
	return child(n, seg)
}

func child(n *node, name string) *node {
	var t *typeInfo
	if len(n.types) == 1 {
		t = n.types[0]
	}
	_, idx := n.kids(t)
	if c := idx[name]; c != nil {
		return c
	}
	return nil
}

// splitPath splits a discriminator path, dropping function calls it does not
// navigate ("resolve()", "ofType(X)").
func splitPath(p string) []string {
	var out []string
	for _, seg := range segments(p) {
		if strings.HasSuffix(seg, ")") && !strings.HasPrefix(seg, "extension(") {
			continue
		}
		out = append(out, seg)
	}
	return out
}

// segments splits a discriminator path at the dots outside parentheses, so
// that extension('http://a.b/c') stays one segment.
func segments(p string) []string { return slices.Collect(pathSegments(p)) }

// pathSegments yields segments(p) one by one.
func pathSegments(p string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for rest, more := p, true; more; {
			var seg string
			seg, rest, more = nextSegment(rest)
			if !yield(seg) {
				return
			}
		}
	}
}

// nextSegment splits p at its first dot outside parentheses: the segment
// before it, the path after it, and whether there was one. A walk that
// reads each segment once, for every item and slice (evalPathTo), reads
// them with it rather than through an iterator, whose loop body would
// capture the walk's values on the heap.
func nextSegment(p string) (seg, rest string, more bool) {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '.':
			if depth == 0 {
				return p[:i], p[i+1:], true
			}
		}
	}
	return p, "", false
}

// evalPath evaluates the small FHIRPath subset discriminators use: names,
// $this, extension('url') and resolve().
func (w *walker) evalPath(item any, path string) []any { return w.evalPathTo(nil, item, path) }

// evalPathTo is evalPath appending what path selects to dst. The values
// between the steps are held in two buffers of its own, so that a path
// selecting few values allocates nothing beyond dst.
func (w *walker) evalPathTo(dst []any, item any, path string) []any {
	var curBuf, nextBuf [4]any
	cur, next := append(curBuf[:0], item), nextBuf[:0]
	for rest, more := path, true; more; {
		var seg string
		seg, rest, more = nextSegment(rest)
		next = next[:0]
		switch {
		case seg == "$this":
			continue
		case seg == "resolve()":
			for _, c := range cur {
				if m, ok := c.(map[string]any); ok {
					if r := w.resolveLocal(m); r != nil {
						next = append(next, r)
					}
				}
			}
		case strings.HasPrefix(seg, "extension(") && strings.HasSuffix(seg, ")"):
			url := strings.Trim(seg[len("extension("):len(seg)-1], `'"`)
			for _, c := range cur {
				m, _ := c.(map[string]any)
				exts, _ := m["extension"].([]any)
				for _, e := range exts {
					if em, ok := e.(map[string]any); ok && em["url"] == url {
						next = append(next, em)
					}
				}
			}
		case strings.HasSuffix(seg, ")"):
			next = append(next, cur...) // ofType(X) and the like: keep the values
		default:
			for _, c := range cur {
				m, ok := c.(map[string]any)
				if !ok {
					continue
				}
				v, ok := m[seg]
				if !ok {
					// a choice element named without its type ("value")
					for key, cv := range m {
						if rest, ok := strings.CutPrefix(key, seg); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
							v = cv
							break
						}
					}
				}
				if arr, ok := v.([]any); ok {
					next = append(next, arr...)
				} else if v != nil {
					next = append(next, v)
				}
			}
		}
		cur, next = next, cur
	}
	return append(dst, cur...)
}

// resolveLocal resolves a Reference to a contained resource, a resource of the
// record's Parameters or a Bundle entry.
func (w *walker) resolveLocal(ref map[string]any) map[string]any {
	r, _ := ref["reference"].(string)
	if strings.HasPrefix(r, "#") {
		return w.containedByID(r[1:])
	}
	e, res := w.findLocal(r)
	if e == nil {
		return nil
	}
	if res != nil {
		return res
	}
	return map[string]any{"resourceType": e.typ, "id": e.id}
}

// choiceType is the type of the choice element a discriminator path ends in,
// read from its JSON name ("valueQuantity" is a Quantity, "valueString" a
// string), or "" when the path does not end in a choice.
func (w *walker) choiceType(item any, path string) string {
	// Split on the dots outside parentheses, so a path such as
	// "extension('http://x.org/a.b').value" keeps its URL whole.
	segs := segments(path)
	parent, last := "$this", segs[len(segs)-1]
	if len(segs) > 1 {
		parent = strings.Join(segs[:len(segs)-1], ".")
	}
	for _, v := range w.evalPath(item, parent) {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for key := range m {
			if rest, ok := strings.CutPrefix(key, last); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
				if definitions.IsPrimitive(strings.ToLower(rest[:1]) + rest[1:]) {
					return strings.ToLower(rest[:1]) + rest[1:]
				}
				return rest
			}
		}
	}
	return ""
}
