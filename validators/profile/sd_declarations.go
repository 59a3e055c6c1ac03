package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// definitionType checks what StructureDefinition.type names, as the
// reference validator reads it: a type named by an absolute URL is a logical
// model's own; a type FHIR defines is the type only of its own core
// definition or of a constraint on it (a specialization cannot define it
// again); any other name is a type of the author's, which needs a namespace
// (an absolute URL). typeJudged says the base check already reported the type.
func (w *walker) definitionType(m map[string]any, typ, path string, typeJudged bool) {
	if typ == "" {
		return
	}
	kind, _ := m["kind"].(string)
	if absoluteURI(typ) {
		if kind != "" && kind != "logical" {
			w.add(model.Error, CodeDefinitionShape, path+".type", fmt.Sprintf("a type named by a URL (%s) is a logical model's: this definition's kind is %s, not logical", typ, kind), typ)
		}
		return
	}
	if !w.fhirType(typ) {
		w.add(model.Error, CodeDefinitionShape, path+".type", fmt.Sprintf("%s is not a type FHIR defines: a type of one's own is named by an absolute URL (its namespace)", typ), typ)
		return
	}
	// A definition with a base but no derivation is reported for that (or,
	// with a base carecert cannot find, left alone), not a second time here.
	url, _ := m["url"].(string)
	derivation, _ := m["derivation"].(string)
	if _, based := m["baseDefinition"]; based && derivation == "" {
		return
	}
	if !typeJudged && url != definitions.CoreBase+typ && derivation != "constraint" {
		w.add(model.Error, CodeDefinitionShape, path+".type", fmt.Sprintf("%s is a type FHIR defines: only its own definition or a constraint on it has it as its type, not this %s", typ, orNone(derivation)), typ)
	}
}

// fhirType reports whether typ is a type FHIR defines: its core definition
// exists under the core URL and is of that type (not a core profile).
func (w *walker) fhirType(typ string) bool {
	sd, err := w.e.defs.BaseType(typ)
	return err == nil && sd.Type == typ && sd.URL == definitions.CoreBase+typ
}

// orNone names a derivation, or says there is none.
func orNone(derivation string) string {
	if derivation == "" {
		return "definition without a derivation"
	}
	return derivation
}

// elementDeclarations checks what a StructureDefinition's element declares
// beyond its types' traits: a binding names a value set (not a code system
// or another resource carecert holds under that URL); slicing only on an
// element its base lets repeat (or a choice); and, in the differential, an
// invariant the profile adds names no source but the profile itself.
func (w *walker) elementDeclarations(m, el map[string]any, differential bool, path string) {
	if b, ok := el["binding"].(map[string]any); ok {
		if vs, _ := b["valueSet"].(string); vs != "" {
			if kind := w.heldKind(vs); kind != "" && kind != "ValueSet" {
				w.add(model.Error, CodeDefinitionShape, path+".binding.valueSet", fmt.Sprintf("a binding names a value set, but %s is a %s", vs, kind), vs)
			}
		}
	}
	p, _ := el["path"].(string)
	if _, ok := el["slicing"]; ok && p != "" && !w.sliceable(p) {
		w.add(model.Error, CodeDefinitionShape, path+".slicing", fmt.Sprintf("%s cannot be sliced: its base definition does not let it repeat, and it is not a choice", p), "")
	}
	if !differential {
		return
	}
	url, _ := m["url"].(string)
	version, _ := m["version"].(string)
	for i, c := range objects(el["constraint"]) {
		source, _ := c["source"].(string)
		if source != "" && source != url && (version == "" || source != url+"|"+version) {
			key, _ := c["key"].(string)
			w.add(model.Error, CodeDefinitionShape, fmt.Sprintf("%s.constraint[%d].source", path, i),
				fmt.Sprintf("the invariant %s is stated in this profile's differential, so its source is this profile (or none), not %s", key, source), source)
		}
	}
}

// sliceable reports whether the element at path may be sliced, judged on the
// definition of the type its path starts with: one that can repeat, or a
// choice (max 0 is the reference's too: prohibited, nothing to slice, not
// refused). An element that definition does not list (inside a datatype) is
// not judged.
func (w *walker) sliceable(path string) bool {
	ed := w.baseElement(path)
	return ed == nil || ed.Max != "1" || strings.HasSuffix(path, "[x]")
}

// baseElement returns the element the core definition of the type path
// starts with declares at path itself (not through a datatype), or nil.
func (w *walker) baseElement(path string) *definitions.ElementDefinition {
	root, _, _ := strings.Cut(path, ".")
	sd, err := w.e.defs.BaseType(root)
	if err != nil || sd.Snapshot == nil {
		return nil
	}
	for i := range sd.Snapshot.Element {
		if sd.Snapshot.Element[i].Path == path {
			return &sd.Snapshot.Element[i]
		}
	}
	return nil
}
