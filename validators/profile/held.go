package profile

import (
	"iter"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
)

// The one way the rule families find a definition carecert holds, by the
// canonical that names it: contained in the resource walked (#id), an entry
// of the Bundle the record is or travels in, or the registry (the R4 core,
// the run's guides, definitions loaded beside the data). A canonical with a
// |version names that version only (or one it abbreviates: 1.0 for 1.0.2,
// as the registry matches versions); without one, any version held.

// heldDefinition returns the definition of kind typ ("" for any kind) a
// canonical names, nearest first; nil when carecert holds none.
func (w *walker) heldDefinition(canonical, typ string) map[string]any {
	if id, ok := strings.CutPrefix(canonical, "#"); ok {
		if c := w.containedByID(id); c != nil && (typ == "" || c["resourceType"] == typ) {
			return c
		}
		return nil
	}
	if res := w.bundleDefinition(canonical, typ); res != nil {
		return res
	}
	if kind := w.e.definitionKind(canonical); kind == "" || typ != "" && kind != typ {
		return nil
	}
	res, err := w.e.defs.Resource(canonical)
	if err != nil {
		return nil
	}
	return res
}

// heldKind returns the resource type of the definition a canonical names,
// as heldDefinition finds it, "" when none is held; a definition in the
// registry is not decoded to tell.
func (w *walker) heldKind(canonical string) string {
	if strings.HasPrefix(canonical, "#") {
		kind, _ := w.heldDefinition(canonical, "")["resourceType"].(string)
		return kind
	}
	if res := w.bundleDefinition(canonical, ""); res != nil {
		kind, _ := res["resourceType"].(string)
		return kind
	}
	return w.e.definitionKind(canonical)
}

// heldVersions lists the versions of the definitions held under a
// canonical URL (without |version) in the Bundle and the registry, each
// once ("" for a definition without a version).
func (w *walker) heldVersions(url string) []string {
	out := slices.Clone(w.e.registryVersions(url))
	for r := range w.bundleDefinitions() {
		if r["url"] != url {
			continue
		}
		if v, _ := r["version"].(string); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// bundleDefinition returns the entry of the Bundle the record is or travels
// in that is a definition of kind typ ("" for any) with the canonical given.
func (w *walker) bundleDefinition(canonical, typ string) map[string]any {
	url, version := definitions.SplitCanonical(canonical)
	for r := range w.bundleDefinitions() {
		if r["url"] != url || typ != "" && r["resourceType"] != typ {
			continue
		}
		if v, _ := r["version"].(string); definitions.MatchesVersion(v, version) {
			return r
		}
	}
	return nil
}

// bundleDefinitions yields the resources of the Bundle the record is (or
// travels in) that are definitions with a canonical url; none outside a
// Bundle.
func (w *walker) bundleDefinitions() iter.Seq[map[string]any] {
	return func(yield func(map[string]any) bool) {
		var b map[string]any
		switch {
		case w.root["resourceType"] == "Bundle":
			b = w.root
		case w.rec != nil && w.rec.Container != nil:
			b = w.rec.Container.Resource()
		}
		if b == nil || b["resourceType"] != "Bundle" {
			return
		}
		entries, _ := b["entry"].([]any)
		for _, x := range entries {
			e, _ := x.(map[string]any)
			r, _ := e["resource"].(map[string]any)
			if r == nil {
				continue
			}
			typ, _ := r["resourceType"].(string)
			if _, ok := r["url"].(string); ok && isCanonicalType(typ) && !yield(r) {
				return
			}
		}
	}
}

// definitionKind returns the resource type of the definition the registry
// holds under a canonical (url or url|version), "" when none; answers are
// kept, since a feed repeats a few canonicals many times. codeSystemKnown
// and canonicalKind ask it too.
func (e *Engine) definitionKind(canonical string) string {
	if v, ok := e.kinds.Load(canonical); ok {
		return v.(string)
	}
	kind := ""
	if entry, ok := e.defs.Lookup(canonical); ok {
		kind = entry.ResourceType
	}
	e.kinds.Store(strings.Clone(canonical), kind) // canonical may be a view of a record's bytes
	return kind
}

// registryVersions lists the versions the registry holds of a canonical
// URL, kept as definitionKind keeps kinds.
func (e *Engine) registryVersions(url string) []string {
	if v, ok := e.versions.Load(url); ok {
		return v.([]string)
	}
	vs := e.defs.Versions(url)
	e.versions.Store(strings.Clone(url), vs)
	return vs
}
