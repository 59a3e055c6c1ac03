package profile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// codeSystemRules checks what a CodeSystem says about its own content
// against the content it carries (R4 CodeSystem.content, count, supplements,
// property): a complete code system has exactly the count of concepts it
// states (counted at every level) and a fragment or example fewer; one whose
// content is not present carries none; a supplement says what it supplements
// and is content "supplement", and only a supplement is; codes and property
// codes are each unique. The reference validator rejects each, except a
// fragment's count and an empty complete code system, which it warns about.
func (w *walker) codeSystemRules(m map[string]any, path string) {
	w.wholeSystemValueSet(m, path)
	content, _ := m["content"].(string)
	concepts := objects(m["concept"])
	props := map[string]string{}
	for i, p := range objects(m["property"]) {
		pp := path + ".property[" + strconv.Itoa(i) + "]"
		if code, ok := p["code"].(string); ok {
			if _, dup := props[code]; dup {
				w.add(model.Error, CodeDuplicate, pp+".code", fmt.Sprintf("the property code %q is declared twice in this CodeSystem", code), "")
			} else {
				props[code], _ = p["type"].(string)
			}
		}
		if uri, ok := p["uri"].(string); ok && !absoluteURI(uri) {
			w.add(model.Error, CodeCodeSystem, pp+".uri", fmt.Sprintf("property.uri %q must be an absolute URI: it identifies the property's meaning beyond this CodeSystem", uri), "")
		}
	}
	// A supplement only adds to codes of the code system it supplements,
	// where carecert holds that system complete: a designation or property
	// for a code the system lacks supplements nothing.
	base, _ := m["supplements"].(string)
	var baseCodes map[string]bool
	if base != "" && content == "supplement" {
		var known bool
		if baseCodes, known = w.e.completeCodes(base, ""); !known && len(concepts) > 0 {
			w.codesUnjudged(path+".supplements", "the supplement's codes (and the codes its properties name)", base)
		}
	}
	seen := map[string]string{}
	total := 0
	var walk func(list []map[string]any, p string)
	walk = func(list []map[string]any, p string) {
		for i, c := range list {
			cp := p + ".concept[" + strconv.Itoa(i) + "]"
			total++
			if code, ok := c["code"].(string); ok {
				if first, dup := seen[code]; dup {
					w.add(model.Error, CodeDuplicate, cp+".code", fmt.Sprintf("the code %q is defined twice in this CodeSystem (also at %s): a code identifies one concept", code, first), "")
				} else {
					seen[code] = cp
				}
				if baseCodes != nil && !baseCodes[code] {
					w.add(model.Error, CodeCodeSystem, cp+".code", fmt.Sprintf("the code %q is not defined in %s, which this CodeSystem supplements", code, base), code)
				}
			}
			w.conceptPropertyTypes(c, props, cp)
			walk(objects(c["concept"]), cp)
		}
	}
	walk(concepts, path)
	_, supplements := m["supplements"].(string)
	switch {
	case supplements && content != "supplement" && content != "":
		w.add(model.Error, CodeCodeSystem, path+".content", fmt.Sprintf("this CodeSystem supplements another, so its content must be \"supplement\", not %q", content), "")
	case !supplements && content == "supplement":
		w.add(model.Error, CodeCodeSystem, path+".content", "content is \"supplement\", but the CodeSystem does not say which code system it supplements (supplements)", "")
	}
	if supplements {
		w.supplementHeader(m, base, path)
	}
	if content == "not-present" && len(concepts) > 0 {
		w.add(model.Error, CodeCodeSystem, path+".concept[0]", fmt.Sprintf("content is \"not-present\", but the CodeSystem carries %d concepts", total), "")
	}
	if content == "complete" && total == 0 {
		w.add(model.Warning, CodeCodeSystem, path, "content is \"complete\", but the CodeSystem has no concepts", "")
	}
	count, ok := intOf(m["count"])
	if !ok {
		return
	}
	switch content {
	case "complete":
		if count != total {
			w.add(model.Error, CodeCodeSystem, path+".count", fmt.Sprintf("the CodeSystem is complete and states %d concepts, but has %d", count, total), "")
		}
	case "fragment", "example":
		if total >= count {
			w.add(model.Warning, CodeCodeSystem, path+".count", fmt.Sprintf("the CodeSystem is a %s of %d concepts, but already has %d", content, count, total), "")
		}
	}
}

// supplementHeader checks what a supplement may say about the code system it
// supplements, as the reference validator does: case sensitivity is the
// supplemented system's, so a supplement states none; a hierarchyMeaning it
// states is the one of the supplemented system, where carecert holds that
// system and it states one.
func (w *walker) supplementHeader(m map[string]any, base, path string) {
	if _, ok := m["caseSensitive"]; ok {
		w.add(model.Error, CodeCodeSystem, path+".caseSensitive", "a supplement states no caseSensitive: whether codes are case sensitive is the supplemented code system's to say", "")
	}
	hm, _ := m["hierarchyMeaning"].(string)
	if hm == "" {
		return
	}
	held := w.heldDefinition(base, "CodeSystem")
	if held == nil {
		return
	}
	if want, _ := held["hierarchyMeaning"].(string); want != "" && want != hm {
		w.add(model.Error, CodeCodeSystem, path+".hierarchyMeaning", fmt.Sprintf("hierarchyMeaning is %s, but %s, which this CodeSystem supplements, is %s", hm, base, want), hm)
	}
}

// conceptPropertyTypes checks a concept's property values against the type
// its CodeSystem declares for that property (R4 CodeSystem.property.type: a
// property of type integer takes valueInteger). Properties the CodeSystem
// does not declare are left alone: the reference validator only warns.
func (w *walker) conceptPropertyTypes(concept map[string]any, declared map[string]string, cp string) {
	for j, p := range objects(concept["property"]) {
		code, _ := p["code"].(string)
		typ := declared[code]
		if typ == "" {
			continue
		}
		want := "value" + strings.ToUpper(typ[:1]) + typ[1:]
		// Sorted, so that a property with several wrong value[x] keys is
		// reported in the same order on every run.
		for _, k := range slices.Sorted(maps.Keys(p)) {
			if strings.HasPrefix(k, "value") && k != want {
				w.add(model.Error, CodeCodeSystem, cp+".property["+strconv.Itoa(j)+"]."+k, fmt.Sprintf("the property %q is declared of type %s, so its value is %s, not %s", code, typ, want, k), "")
			}
		}
	}
}

// wholeSystemValueSet checks the value set a CodeSystem names as its whole
// (R4 CodeSystem.valueSet: "the value set for the entire code system"),
// where carecert holds that value set: it has a compose of one include, of
// this code system's URL, with no concepts, filters or value sets (which
// would take only part of it), and an expansion it carries lists as many
// codes as the code system has. A value set carecert does not hold is not
// judged, as the reference validator does. Only a complete code system has
// a whole to name (information otherwise), and a supplement names the value
// set of the system it supplements (wholeOfSupplement).
func (w *walker) wholeSystemValueSet(m map[string]any, path string) {
	vsURL, _ := m["valueSet"].(string)
	url, _ := m["url"].(string)
	if vsURL == "" {
		return
	}
	content, _ := m["content"].(string)
	switch content {
	case "supplement":
		w.wholeOfSupplement(m, vsURL, path)
	case "complete", "":
	default:
		w.add(model.Information, CodeCodeSystem, path+".valueSet", fmt.Sprintf("the CodeSystem names %s as the value set of all its codes, but its content is %q: only a complete code system has all its codes here", vsURL, content), vsURL)
	}
	if url == "" {
		return
	}
	vs := w.heldDefinition(vsURL, "ValueSet")
	if vs == nil {
		return
	}
	compose, _ := vs["compose"].(map[string]any)
	includes := objects(compose["include"])
	switch {
	case compose == nil || len(includes) != 1:
		w.add(model.Error, CodeCodeSystem, path+".valueSet", fmt.Sprintf("the value set %s this CodeSystem names as its whole does not include exactly one code system in its compose", vsURL), vsURL)
		return
	case includes[0]["system"] != url:
		other, _ := includes[0]["system"].(string)
		w.add(model.Error, CodeCodeSystem, path+".valueSet", fmt.Sprintf("the value set %s this CodeSystem names as its whole includes %q, not this code system %s", vsURL, other, url), vsURL)
		return
	case includes[0]["concept"] != nil || includes[0]["filter"] != nil || includes[0]["valueSet"] != nil:
		w.add(model.Error, CodeCodeSystem, path+".valueSet", fmt.Sprintf("the value set %s this CodeSystem names as its whole takes only some of its codes (concepts, filters or value sets in its include)", vsURL), vsURL)
		return
	}
	exp, _ := vs["expansion"].(map[string]any)
	if exp == nil {
		return
	}
	listed, total := 0, 0
	walkContains(exp["contains"], func(c map[string]any) {
		if _, ok := c["code"].(string); ok {
			listed++
		}
	})
	eachConceptCode(m["concept"], func(string) { total++ })
	if listed != total {
		w.add(model.Error, CodeCodeSystem, path+".valueSet", fmt.Sprintf("the expansion of %s, the value set of all this CodeSystem's codes, lists %d codes, but the CodeSystem has %d", vsURL, listed, total), vsURL)
	}
}

// wholeOfSupplement checks the value set a supplement names as its whole:
// the supplemented system's, where carecert holds that system (a warning
// when it names another, or none).
func (w *walker) wholeOfSupplement(m map[string]any, vsURL, path string) {
	base, _ := m["supplements"].(string)
	cs := w.heldDefinition(base, "CodeSystem")
	if cs == nil {
		return
	}
	switch want, _ := cs["valueSet"].(string); {
	case want == "":
		w.add(model.Warning, CodeCodeSystem, path+".valueSet", fmt.Sprintf("a supplement adds no codes, so the value set of all its codes is that of %s, which names none", base), vsURL)
	case want != vsURL:
		w.add(model.Warning, CodeCodeSystem, path+".valueSet", fmt.Sprintf("a supplement adds no codes, so the value set of all its codes is that of %s, %s, not %s", base, want, vsURL), vsURL)
	}
}

// walkContains calls fn with each entry of an expansion's contains list, at
// every level.
func walkContains(list any, fn func(c map[string]any)) {
	for _, c := range objects(list) {
		fn(c)
		walkContains(c["contains"], fn)
	}
}
