package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// maxConformanceDepth bounds nested conformance checks: a target profile
// whose resource refers on to another profiled target, and so on.
const maxConformanceDepth = 4

// conformance validates m against compiled profile p in a walk of its own and returns
// the findings, without adding them to w: for a profile discriminator or a
// reference's target profile, where not conforming is one finding of w's.
// References inside m resolve in the same Bundle or Parameters as w's, and
// by the same rules (subWalk). A datatype profile's root constraints are part
// of conforming to it, and are evaluated unless roots is false: the walk
// asking already holds the value to them (a type naming one profile,
// typeInvariants).
func (w *walker) conformance(m map[string]any, p *Compiled, path string, roots bool) []model.Finding {
	sub := w.subWalk(p)
	if sub == nil {
		return nil
	}
	if p.Kind == "resource" {
		sub.resource(m, p, p.Type)
	} else {
		sub.object(m, p.root, nil, path, false)
		if roots {
			at := sub.pathRoot(path)
			sub.checkAt(p.root.invariants, p.root, nil, m, nil, at)
			sub.pathEnd(at)
		}
	}
	return sub.out
}

// subWalk is a walker of its own on compiled profile p, one level deeper, whose findings
// are kept apart from w's; nil past maxConformanceDepth. It reaches references
// as w does: the walk of a Bundle record (w.bundle nil) finds what its
// entries point at among them without the Bundle rules, which each entry's
// own record applies (ownEntryTarget), whether an entry profile is walked
// in w itself (one) or in a sub walk (several alternatives, oneOf).
func (w *walker) subWalk(p *Compiled) *walker {
	if w.depth >= maxConformanceDepth {
		return nil
	}
	return &walker{e: w.e, rec: w.rec, compiled: p, res: w.res, root: w.root, sink: &Sink{locals: w.sink.locals},
		bundle: w.bundle, depth: w.depth + 1}
}

// elementConformance validates a value (item, m when an object) against an
// element of another profile a type names (t's alternative), in a walk of
// its own: the element's children, what it fixes of the value as a whole,
// and its constraints.
func (w *walker) elementConformance(item any, m map[string]any, ref *elementRef, t *typeInfo, path string) []model.Finding {
	sub := w.subWalk(ref.compiled)
	if sub == nil {
		return nil
	}
	l := ref.node
	lt := l.typeFor(t)
	sub.object(m, l, lt, path, false)
	at := sub.pathRoot(path)
	sub.valueConstraints(item, m, l, lt, at)
	sub.checkAt(l.invariants, l, lt, m, nil, at)
	sub.pathEnd(at)
	if lt != nil && lt.elementIDs != nil && lt != t {
		sub.namedElement(item, m, l, lt, path)
	}
	return sub.out
}

// elementAlternatives checks a value whose type names several profiles,
// some by element: it must conform to one of them, each walked on its own
// (the value's children were walked against the base type). A profile or
// element that cannot be found leaves the question undecided.
func (w *walker) elementAlternatives(item any, m map[string]any, t *typeInfo, path string) {
	var cands []candidate
	var unloaded []string
	for _, alt := range t.alternatives {
		switch {
		case alt.element != nil:
			ref := alt.element
			cands = append(cands, candidate{alt.profile, func() []model.Finding { return w.elementConformance(item, m, ref, t, path) }})
		case alt.err != "":
			w.add(model.Warning, CodeProfile, path, fmt.Sprintf("this %s was not checked against %s: %s", t.code, alt.profile, alt.err), "")
			unloaded = append(unloaded, alt.profile)
		default:
			p, err := w.e.Compiled(alt.profile)
			if err != nil {
				w.add(model.Warning, CodeProfile, path, fmt.Sprintf("profile %s of this %s is not loaded, so the value was not checked against it: %v", alt.profile, t.code, err), "")
				unloaded = append(unloaded, alt.profile)
				continue
			}
			cands = append(cands, w.profileCandidates(m, []*Compiled{p}, path, true)...)
		}
	}
	w.oneOf(cands, unloaded, path, t.code, model.Warning)
}

// targetProfiles checks a resolved reference's target against the profiles
// the element requires of it (type.targetProfile): the target must conform to
// at least one of those of its type, and one that meets several is warned of,
// as the reference validator does: which was meant is ambiguous. Targets
// outside the record (on a server) cannot be checked and raise nothing.
func (w *walker) targetProfiles(target map[string]any, t *typeInfo, ref, rp string) {
	typ, _ := target["resourceType"].(string)
	var compiled []*Compiled
	for _, url := range t.targetProfiles {
		u, _ := definitions.SplitCanonical(url)
		if u == definitions.CoreBase+typ {
			return // the base type: conforming is checked where the target is validated
		}
		if p, err := w.e.Compiled(url); err == nil && p.Type == typ {
			compiled = append(compiled, p)
		}
	}
	v := judge(w.profileCandidates(target, compiled, typ, true))
	if len(v.met) > 1 {
		w.add(model.Warning, CodeReference, rp, fmt.Sprintf("reference %s points at a %s that conforms to %d of the profiles this element allows its target (%s): which one it is meant to meet is ambiguous",
			ref, typ, len(v.met), strings.Join(v.met, ", ")), "")
	}
	if len(v.met) > 0 || len(v.missed) == 0 {
		return
	}
	if len(t.unreadTargets) > 0 {
		// A target profile carecert cannot read may be the one it meets.
		w.add(model.Warning, CodeReference, rp, fmt.Sprintf("reference %s points at a %s that does not conform to %s (%s); whether it conforms to %s, which is not loaded, was not decided",
			ref, typ, strings.Join(v.tried(), " or "), v.why(), strings.Join(t.unreadTargets, ", ")), "")
		return
	}
	w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %s points at a %s that does not conform to %s, which this element requires of its target: %s",
		ref, typ, strings.Join(v.tried(), " or "), v.why()), "")
}

// typeProfiles checks a complex datatype value against the profiles its
// element's type names (ElementDefinition.type.profile): the value must
// conform to at least one of them (R4 §5.1.0.9: the profiles of one type are
// alternatives). The value was already walked against the base type; each
// profile is walked on its own, and one finding says what each missed. A
// profile that cannot be loaded, or that constrains another type (reported
// where the definition is checked), may be the one the value meets: failing
// the others is then not decided. Extensions (their definitions), References
// (their targets) and nested resources are checked where they are walked.
func (w *walker) typeProfiles(m map[string]any, t *typeInfo, path string) {
	if len(t.profiles) == 1 && strings.HasPrefix(t.profiles[0], definitions.CoreBase) {
		// One core datatype profile (SimpleQuantity, MoneyQuantity) says
		// what its root constraints say, and those are the value's own
		// (typeInvariants). Among several, it is an alternative like any.
		return
	}
	var compiled []*Compiled
	var unloaded []string
	for _, url := range t.profiles {
		p, err := w.e.Compiled(url)
		switch {
		case err != nil:
			w.add(model.Warning, CodeProfile, path, fmt.Sprintf("profile %s of this %s is not loaded, so the value was not checked against it: %v", url, t.code, err), "")
			unloaded = append(unloaded, url)
		case p.IsCore:
			return // the base type itself: any value conforms
		case p.Type != t.code:
			unloaded = append(unloaded, url)
		default:
			compiled = append(compiled, p)
		}
	}
	// One profile's root constraints are the value's own, evaluated in the
	// walk of the value (typeInvariants); several are alternatives, each
	// tried with its profile.
	w.oneOf(w.profileCandidates(m, compiled, path, len(t.profiles) > 1), unloaded, path, t.code, model.Warning)
}

// candidate is one definition a value may conform to: its name, and the
// walk that gives the value's findings against it.
type candidate struct {
	name string
	walk func() []model.Finding
}

// profileCandidates are compiled profiles as candidates for m, each walked
// on its own (with its root constraints unless roots is false: conformance).
func (w *walker) profileCandidates(m map[string]any, compiled []*Compiled, path string, roots bool) []candidate {
	cands := make([]candidate, len(compiled))
	for i, p := range compiled {
		cands[i] = candidate{p.URL, func() []model.Finding { return w.conformance(m, p, path, roots) }}
	}
	return cands
}

// oneOf checks that a value conforms to at least one of the candidates, and
// otherwise adds one finding naming those tried and what each found. unloaded
// are alternatives carecert could not judge the value against (not loaded,
// or a profile of another type): the value may conform to one of
// them, so failing the others is then a warning that the question was not
// decided, never an error. A value that meets several is said to be
// ambiguous at severity several: a warning for an element's value, as the
// reference validator says; information for a resource in a Bundle entry,
// contained or a parameter, where it only hints.
func (w *walker) oneOf(cands []candidate, unloaded []string, path, typ string, several model.Severity) {
	v := judge(cands)
	if len(v.met) > 1 {
		w.add(several, CodeTypeProfile, path, fmt.Sprintf("this %s conforms to %d of the profiles the element names (%s): which one it is meant to meet is ambiguous",
			typ, len(v.met), strings.Join(v.met, ", ")), "")
	}
	if len(v.met) > 0 || len(v.missed) == 0 {
		return
	}
	what := "the profile " + v.missed[0].name
	if tried := v.tried(); len(tried) > 1 {
		what = "any of the profiles " + strings.Join(tried, ", ")
	}
	msg := fmt.Sprintf("this %s does not conform to %s, as the element requires: %s", typ, what, v.why())
	if len(unloaded) > 0 {
		w.add(model.Warning, CodeTypeProfile, path, fmt.Sprintf("%s; whether it conforms to %s, which carecert could not judge it against (not loaded, or a profile of another type), was not decided", msg, strings.Join(unloaded, ", ")), "")
		return
	}
	w.add(model.Error, CodeTypeProfile, path, msg, "")
}

// verdict is a value judged against every alternative its element names
// (R4 §5.1.0.9: it conforms when it meets one): those it meets, and those
// it misses with their errors.
type verdict struct {
	met []string
	// missed holds the alternatives missed, in the element's order.
	missed []missed
}

// missed is an alternative a value does not meet, and its errors.
type missed struct {
	name   string
	errors []model.Finding
}

// judge walks the value against each candidate, never stopping at the first
// met: meeting several is worth saying, and when none is met each one's
// errors are.
func judge(cands []candidate) verdict {
	var v verdict
	for _, c := range cands {
		var errs []model.Finding
		for _, f := range c.walk() {
			if f.Severity == model.Error {
				errs = append(errs, f)
			}
		}
		switch {
		case len(errs) > 0:
			v.missed = append(v.missed, missed{c.name, errs})
		case !slices.Contains(v.met, c.name):
			v.met = append(v.met, c.name)
		}
	}
	return v
}

// tried names the alternatives missed, in the element's order.
func (v verdict) tried() []string {
	names := make([]string, len(v.missed))
	for i, m := range v.missed {
		names[i] = m.name
	}
	return names
}

// why says what the missed alternatives found: the one error, or for each,
// closest first, its first error and how many more it found.
func (v verdict) why() string {
	if len(v.missed) == 1 {
		f := v.missed[0].errors[0]
		return f.Path + ": " + f.Message
	}
	closest := slices.Clone(v.missed)
	slices.SortStableFunc(closest, func(a, b missed) int { return len(a.errors) - len(b.errors) })
	parts := make([]string, len(closest))
	for i, m := range closest {
		f := m.errors[0]
		parts[i] = fmt.Sprintf("against %s, %s: %s", m.name, f.Path, f.Message)
		if n := len(m.errors) - 1; n > 0 {
			parts[i] += fmt.Sprintf(" (and %d more error(s))", n)
		}
	}
	return strings.Join(parts, "; ")
}
