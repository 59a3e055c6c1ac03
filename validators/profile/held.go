package profile

import (
	"iter"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
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
	for _, r := range w.carried().byURL[url] {
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
	for _, r := range w.carried().byURL[url] {
		if typ != "" && r["resourceType"] != typ {
			continue
		}
		if v, _ := r["version"].(string); definitions.MatchesVersion(v, version) {
			return r
		}
	}
	return nil
}

// bundleDefinitions yields the resources of the Bundle the record is (or
// travels in) that are definitions with a canonical url, in entry order;
// none outside a Bundle.
func (w *walker) bundleDefinitions() iter.Seq[map[string]any] {
	return slices.Values(w.carried().all)
}

// carried returns the index of the definitions the Bundle the record is (or
// travels in) carries, made once per Bundle: every record of a Bundle asks
// of the same entries, and looking through them all for each canonical made
// a Bundle of n records cost n² (20,000 Tasks, each with an
// instantiatesCanonical in HL7's space: 31 CPU-s against 0.4 before the
// lookup existed).
func (w *walker) carried() *carriedDefinitions {
	var b *model.Record
	switch {
	case w.root["resourceType"] == "Bundle":
		b = w.rec
	case w.rec != nil && w.rec.Container != nil && w.rec.Container.Type == "Bundle":
		b = w.rec.Container
	}
	if b == nil || b.Resource()["resourceType"] != "Bundle" {
		return &noCarriedDefinitions
	}
	return w.e.bundleIndex(b).carriedDefinitions()
}

// carriedDefinitions are the definitions with a canonical url among a
// Bundle's entries, in entry order, all and by url.
type carriedDefinitions struct {
	all   []map[string]any
	byURL map[string][]map[string]any
}

// noCarriedDefinitions is the index of a record that travels in no Bundle.
var noCarriedDefinitions carriedDefinitions

// carriedDefinitions returns the definitions among the Bundle's entries,
// found once per Bundle: only the entries of a canonical type are read
// whole.
func (x *localIndex) carriedDefinitions() *carriedDefinitions {
	x.definitionsOnce.Do(func() {
		d := &carriedDefinitions{byURL: map[string][]map[string]any{}}
		for i := range x.carried {
			e := &x.carried[i]
			if !e.held || !isCanonicalType(e.typ) {
				continue
			}
			r := x.resource(e)
			if url, ok := r["url"].(string); ok {
				d.all = append(d.all, r)
				d.byURL[url] = append(d.byURL[url], r)
			}
		}
		x.definitions = d
	})
	return x.definitions
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
