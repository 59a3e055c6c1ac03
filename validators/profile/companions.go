package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// companion is what the engine caches per canonical URL of a resource that
// records are checked against: its compiled form, or why there is none.
type companion[T any] struct {
	compiled T
	missing  string
}

// companionOf resolves the resource that m names in element elem and is
// checked against (the Questionnaire of a response, the Measure of a
// report): "#id" for a contained one, otherwise a definition loaded with
// --ig, compiled once per engine. When there is none it reports it and
// returns false: an error for a missing contained resource, a warning naming
// the canonical otherwise. what says what goes unchecked ("the answers").
func companionOf[T any](w *walker, m map[string]any, elem, typ, code, path, what string, compile func(map[string]any) T) (T, bool) {
	var zero T
	canonical, _ := m[elem].(string)
	if canonical == "" {
		return zero, false // the base definition reports a required one missing
	}
	at := path + "." + elem
	if id, ok := strings.CutPrefix(canonical, "#"); ok {
		c := w.containedByID(id)
		if c == nil {
			if n, _ := w.anchors(id, true); n == 0 {
				return zero, false // a canonical naming nothing: canonicalFragment reports it
			}
		}
		if c == nil || c["resourceType"] != typ {
			w.add(model.Error, code, at, fmt.Sprintf("%s %s points at a contained %s that does not exist", elem, canonical, typ), "")
			return zero, false
		}
		return compile(c), true // contained: rare, and per record anyway
	}
	key := typ + ":" + canonical
	v, ok := w.e.ready.Load(key)
	if !ok {
		v, _ = w.e.ready.LoadOrStore(key, lookupCompanion(w.e.defs, canonical, typ, what, compile))
	}
	l := v.(companion[T])
	if l.missing != "" {
		w.add(model.Warning, code, at, l.missing, "")
		return zero, false
	}
	return l.compiled, true
}

func lookupCompanion[T any](defs *definitions.Registry, canonical, typ, what string, compile func(map[string]any) T) companion[T] {
	entry, ok := defs.Lookup(canonical)
	switch {
	case !ok:
		url, version := definitions.SplitCanonical(canonical)
		if other, ok := defs.Lookup(url); ok && version != "" && other.ResourceType == typ {
			return companion[T]{missing: fmt.Sprintf("%s %s is loaded only in version %s, not %s, so %s could not be checked against it", typ, url, other.Version, version, what)}
		}
		return companion[T]{missing: fmt.Sprintf("%s %s is not loaded, so %s could not be checked against it: give the folder or package that holds it with --ig", typ, canonical, what)}
	case entry.ResourceType != typ:
		return companion[T]{missing: fmt.Sprintf("%s is a %s, not a %s, so %s could not be checked against it", canonical, entry.ResourceType, typ, what)}
	}
	res, err := defs.Resource(canonical)
	if err != nil {
		return companion[T]{missing: fmt.Sprintf("%s %s could not be read (%v), so %s could not be checked against it", typ, canonical, err, what)}
	}
	return companion[T]{compiled: compile(res)}
}
