package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
)

// maxBaseChain bounds the walk up a chain of base definitions: core chains
// are four or five deep, so a longer one is a loop among definitions the
// walk has not met yet.
const maxBaseChain = 32

// definitionPaths checks what a StructureDefinition's elements and header
// say about paths, as the reference validator does for every definition
// (R4 §5.1.0.4, ElementDefinition.path and .slicing): the definition does not
// derive, through its chain of bases, from itself; every element's path
// starts with the type it defines; the root of a differential is not sliced;
// a slicing discriminator's path is FHIRPath naming something on the sliced
// element's types (where no differential is applied to a base, which checks
// it); and an extension's context invariants are FHIRPath.
func (w *walker) definitionPaths(m map[string]any, typ, path string) {
	w.circularBase(m, path)
	name := typ
	if absoluteURI(typ) {
		name = typ[strings.LastIndexByte(typ, '/')+1:]
	}
	// A constraining profile's discriminators are judged where its
	// differential is applied to its base (structureDefinitionRules), with
	// the profiles its slices name; judging them here too would report each
	// twice.
	diff, _ := m["differential"].(map[string]any)
	expanded := len(objects(diff["element"])) > 0 && m["derivation"] != "specialization"
	for _, view := range []string{"differential", "snapshot"} {
		v, _ := m[view].(map[string]any)
		for i, el := range objects(v["element"]) {
			ep := path + "." + view + ".element[" + strconv.Itoa(i) + "]"
			p, _ := el["path"].(string)
			if name != "" && p != "" && p != name && !strings.HasPrefix(p, name+".") {
				w.add(model.Error, CodeDefinitionShape, ep+".path", fmt.Sprintf("element path %s does not start with %s, the type this definition defines", p, name), p)
			}
			slicing, ok := el["slicing"].(map[string]any)
			if !ok {
				continue
			}
			if view == "differential" && p != "" && !strings.Contains(p, ".") {
				w.add(model.Error, CodeDefinitionShape, ep+".slicing", fmt.Sprintf("the root element %s cannot be sliced: only elements inside it repeat", p), "")
			}
			if !expanded {
				w.discriminatorPaths(el, slicing, p, ep+".slicing")
			}
		}
	}
	if typ == "Extension" {
		w.definitionContextInvariants(m, path)
	}
}

// definitionContextInvariants checks an extension's context invariants: each is
// FHIRPath, and, where every context is an element context carecert can
// follow, the first path of each branch names elements those elements have
// (the invariant is evaluated on the element the extension sits on).
func (w *walker) definitionContextInvariants(m map[string]any, path string) {
	invs := fhir.Strings(m["contextInvariant"])
	if len(invs) == 0 {
		return
	}
	bases := w.contextElements(m)
	ix, _ := elements.R4() // contextElements found the index, or bases is nil
	for i, inv := range invs {
		ip := path + ".contextInvariant[" + strconv.Itoa(i) + "]"
		if _, err := fhirpath.Compile(inv); err != nil {
			w.add(model.Error, CodeDefinitionShape, ip, fmt.Sprintf("the context invariant %q is not FHIRPath: %v", inv, err), inv)
			continue
		}
		if len(bases) == 0 {
			continue
		}
		for _, b := range unionBranches(inv) {
			if step, on := (searchPath{ix: ix, bases: bases}).unknown(strings.TrimSpace(b)); step != "" {
				w.add(model.Error, CodeDefinitionShape, ip, fmt.Sprintf("the context invariant %q names %q, which %s does not have", inv, step, strings.Join(on, " or ")), inv)
				break
			}
		}
	}
}

// contextElements returns the definition paths an extension's context
// invariants are evaluated on: each element context's type, or the element
// itself for a backbone element. Nil unless every context is an element
// context naming a core type or an element of one with a single type.
func (w *walker) contextElements(m map[string]any) []string {
	ix, err := elements.R4()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range objects(m["context"]) {
		expr, _ := c["expression"].(string)
		if c["type"] != "element" || expr == "" || strings.Contains(expr, "#") {
			return nil
		}
		if !strings.Contains(expr, ".") {
			if !ix.HasType(expr) || expr == "Element" || expr == "BackboneElement" {
				return nil
			}
			out = append(out, expr)
			continue
		}
		el := ix.Element(expr)
		if el == nil || el.Choice || el.ContentReference != "" {
			return nil
		}
		switch code := el.TypeCode(); code {
		case "BackboneElement", "Element":
			out = append(out, el.Path)
		case "":
			return nil
		default:
			out = append(out, code)
		}
	}
	return out
}

// circularBase reports a definition that derives from itself: a definition
// on its chain of base definitions, as far as carecert holds them, has its
// URL. As in the reference validator, the chain is read from the definitions
// held, so a definition naming its own URL as its base is found circular when
// it is held itself (a guide loaded to validate its own profiles); otherwise
// its base is one carecert cannot find, which the differential check reports.
func (w *walker) circularBase(m map[string]any, path string) {
	url, _ := m["url"].(string)
	base, _ := m["baseDefinition"].(string)
	if url == "" {
		return
	}
	for range maxBaseChain {
		// The core's chains end at Base or Resource and never name a
		// guide's definition, so a loop can only run through a guide's (or
		// one in the same Bundle). The raw definition, not its snapshot:
		// generating the snapshot of a definition that derives from itself
		// would fail for that reason.
		sd := w.heldDefinition(base, "StructureDefinition")
		if sd == nil || strings.HasPrefix(base, definitions.CoreBase) {
			return
		}
		if sd["url"] == url {
			w.add(model.Error, CodeDefinitionShape, path+".baseDefinition", fmt.Sprintf("this definition derives from itself: its chain of base definitions from %s comes back to %s", m["baseDefinition"], url), url)
			return
		}
		base, _ = sd["baseDefinition"].(string)
	}
}

// discriminatorPaths checks each discriminator of a slicing: its path is
// FHIRPath, and, where the sliced element is one its type's core definition
// declares and the element lists its own types, every element the path
// names exists on them (R4 §5.1.0.13: the path is evaluated on each slice's
// value). A path carecert cannot follow (resolve(), $this, most functions)
// is not judged.
func (w *walker) discriminatorPaths(el, slicing map[string]any, elementPath, path string) {
	for i, d := range objects(slicing["discriminator"]) {
		expr, _ := d["path"].(string)
		if expr == "" {
			continue
		}
		dp := path + ".discriminator[" + strconv.Itoa(i) + "].path"
		if _, err := fhirpath.Compile(expr); err != nil {
			w.add(model.Error, CodeDefinitionShape, dp, fmt.Sprintf("the discriminator path %q of %s is not FHIRPath: %v", expr, elementPath, err), expr)
			continue
		}
		bases := w.slicedTypes(el, elementPath)
		if len(bases) == 0 {
			continue
		}
		ix, _ := elements.R4() // slicedTypes found the index
		if step, on := (searchPath{ix: ix, bases: bases}).unknown(expr); step != "" {
			w.add(model.Error, CodeDefinitionShape, dp, fmt.Sprintf("the discriminator path %q of %s names %q, which %s does not have: no slice can be told apart by it", expr, elementPath, step, strings.Join(on, " or ")), expr)
		}
	}
}

// slicedTypes returns the definition paths a discriminator of the element at
// elementPath is evaluated on: the element's own children for a backbone
// element, each type it lists otherwise. Nil when the element is not one its
// root's core definition declares, or lists no types.
func (w *walker) slicedTypes(el map[string]any, elementPath string) []string {
	ix, err := elements.R4()
	if err != nil || !strings.Contains(elementPath, ".") || w.baseElement(elementPath) == nil {
		return nil
	}
	var out []string
	for _, t := range objects(el["type"]) {
		code, _ := t["code"].(string)
		switch {
		case code == "BackboneElement" || code == "Element":
			out = append(out, elementPath)
		case ix.HasType(code):
			out = append(out, code)
		default:
			return nil // a type carecert does not hold: not judged
		}
	}
	return out
}
