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

// conformance validates m against plan p in a walk of its own and returns
// the findings, without adding them to w: for a profile discriminator or a
// reference's target profile, where not conforming is one finding of w's.
// References inside m resolve in the same Bundle or Parameters as w's.
func (w *walker) conformance(m map[string]any, p *Plan, path string) []model.Finding {
	if w.depth >= maxConformanceDepth {
		return nil
	}
	sub := &walker{e: w.e, rec: w.rec, plan: p, res: w.res, root: w.root, sink: &Sink{locals: w.sink.locals},
		bundle: w.bundle, depth: w.depth + 1}
	if sub.bundle == nil && w.root["resourceType"] == "Bundle" {
		sub.bundle = w.sink.locals.bundleIndex(w.rec)
	}
	if p.Kind == "resource" {
		sub.resource(m, p, p.Type)
	} else {
		sub.object(m, p.root, nil, path, false)
	}
	return sub.out
}

// targetProfiles checks a resolved reference's target against the profiles
// the element requires of it (type.targetProfile): the target must conform to
// at least one of those of its type. Targets outside the record (on a server)
// cannot be checked and raise nothing.
func (w *walker) targetProfiles(target map[string]any, t *typeInfo, ref, rp string) {
	typ, _ := target["resourceType"].(string)
	var plans []*Plan
	for _, url := range t.targetProfiles {
		u, _ := definitions.SplitCanonical(url)
		if u == definitions.CoreBase+typ {
			return // the base type: conforming is checked where the target is validated
		}
		if p, err := w.e.Plan(url); err == nil && p.Type == typ {
			plans = append(plans, p)
		}
	}
	tried, first := w.conformsToNone(target, plans, typ)
	if len(tried) == 0 {
		return
	}
	w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %s points at a %s that does not conform to %s, which this element requires of its target: %s: %s",
		ref, typ, strings.Join(tried, " or "), first.Path, first.Message), "")
}

// typeProfiles checks a complex datatype value against the profiles its
// element's type names (ElementDefinition.type.profile): the value must
// conform to at least one of them (R4 §5.1.0.9: the profiles of one type are
// alternatives). The value was already walked against the base type; each
// profile is walked on its own, and one finding says which were tried and
// the first problem of the first. Extensions (their definitions), References
// (their targets) and nested resources are checked where they are walked.
func (w *walker) typeProfiles(m map[string]any, t *typeInfo, path string) {
	var plans []*Plan
	for _, url := range t.profiles {
		if strings.HasPrefix(url, definitions.CoreBase) {
			// The core's datatype profiles (SimpleQuantity, MoneyQuantity)
			// say what their root constraints say, which are already
			// evaluated wherever the type is used (typeInvariants).
			return
		}
		p, err := w.e.Plan(url)
		if err != nil {
			w.add(model.Warning, CodeProfile, path, fmt.Sprintf("profile %s of this %s is not loaded, so the value was not checked against it: %v", url, t.code, err), "")
			return
		}
		if p.IsCore || p.Type != t.code {
			return // the base type itself, or a profile of another type (reported where the definition is checked)
		}
		plans = append(plans, p)
	}
	w.oneOf(m, plans, nil, path, t.code)
}

// oneOf checks that m conforms to at least one of the plans, each walked on
// its own, and otherwise adds one finding naming those tried and the first
// problem of the first. unloaded are alternatives that could not be loaded:
// m may conform to one of them, so failing the others is then a warning
// that the question was not decided, never an error.
func (w *walker) oneOf(m map[string]any, plans []*Plan, unloaded []string, path, typ string) {
	tried, first := w.conformsToNone(m, plans, path)
	if len(tried) == 0 {
		return
	}
	what := "the profile " + tried[0]
	if len(tried) > 1 {
		what = "any of the profiles " + strings.Join(tried, ", ")
	}
	msg := fmt.Sprintf("this %s does not conform to %s, as the element requires: %s: %s", typ, what, first.Path, first.Message)
	if len(unloaded) > 0 {
		w.add(model.Warning, CodeTypeProfile, path, fmt.Sprintf("%s; whether it conforms to %s, which could not be loaded, was not decided", msg, strings.Join(unloaded, ", ")), "")
		return
	}
	w.add(model.Error, CodeTypeProfile, path, msg, "")
}

// conformsToNone walks m against each plan on its own and returns the URLs
// of all of them with the first error of the first, or nothing as soon as m
// conforms to one (or when there are none).
func (w *walker) conformsToNone(m map[string]any, plans []*Plan, path string) (tried []string, first model.Finding) {
	for _, p := range plans {
		fs := w.conformance(m, p, path)
		i := slices.IndexFunc(fs, func(f model.Finding) bool { return f.Severity == model.Error })
		if i < 0 {
			return nil, model.Finding{}
		}
		if len(tried) == 0 {
			first = fs[i]
		}
		tried = append(tried, p.URL)
	}
	return tried, first
}
