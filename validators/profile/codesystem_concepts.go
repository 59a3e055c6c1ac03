package profile

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// The checks of a CodeSystem's own declarations and concepts that the
// reference validator's CodeSystemValidator makes beyond R4's invariants:
// what a code system should say about itself (caseSensitive, and
// hierarchyMeaning where its concepts nest), what each concept of an HL7
// code system should carry (a display and a definition), designations that
// contradict the display they stand beside, a supplement's displays against
// the supplemented system's, and a code system contained where only a
// Questionnaire or a supplement has reason to keep one. None is an error:
// each is a warning where the code system is HL7's and information
// otherwise, as the reference grades them.

// codeSystemConcepts runs those checks on CodeSystem m at path.
func (w *walker) codeSystemConcepts(m map[string]any, path string) {
	url, _ := m["url"].(string)
	hl7 := strings.Contains(url, "hl7")
	supplement := m["supplements"] != nil || m["content"] == "supplement"
	if !supplement {
		w.codeSystemShould(m, url, path)
	}
	if containedAt(path) {
		w.containedCodeSystem(m, path)
	}
	rlang, _ := m["language"].(string)
	var base map[string]string
	baseLang := ""
	if supplement {
		if s, _ := m["supplements"].(string); s != "" {
			if cs := w.heldDefinition(s, "CodeSystem"); cs != nil {
				base = conceptDisplayOnly(cs)
				baseLang, _ = cs["language"].(string)
			}
		}
	}
	noDisplay, noDefinition := !hl7, !hl7 // said once per code system, of its first such concept
	var walk func(list []map[string]any, p string)
	walk = func(list []map[string]any, p string) {
		for i, c := range list {
			cp := p + ".concept[" + strconv.Itoa(i) + "]"
			code, _ := c["code"].(string)
			display, hasDisplay := c["display"].(string)
			if !noDisplay && !hasDisplay {
				noDisplay = true
				w.add(model.Warning, CodeCodeSystem, cp, fmt.Sprintf("the concept %q has no display: every concept of a code system HL7 publishes should have one", code), code)
			}
			if _, ok := c["definition"].(string); !noDefinition && !ok {
				noDefinition = true
				w.add(model.Warning, CodeCodeSystem, cp, fmt.Sprintf("the concept %q has no definition: every concept of a code system HL7 publishes should say what it means", code), code)
			}
			if was, ok := base[code]; ok && hasDisplay && was != "" && !strings.EqualFold(was, display) && rlang == baseLang {
				w.add(model.Information, CodeCodeSystem, cp+".display", fmt.Sprintf("the supplement gives %q the display %q, not the supplemented system's %q, in the same language: a supplement adds designations rather than replacing displays", code, display, was), display)
			}
			for j, d := range objects(c["designation"]) {
				w.designationClash(d, display, hasDisplay, rlang, cp+".designation["+strconv.Itoa(j)+"]")
			}
			walk(objects(c["concept"]), cp)
		}
	}
	walk(objects(m["concept"]), path)
}

// codeSystemShould reports what a code system (not a supplement) should
// state about itself: whether its codes are case sensitive, and, when its
// concepts nest, what the nesting means (R4 CodeSystem.caseSensitive,
// hierarchyMeaning). A warning for HL7's code systems (url under hl7.org or
// fhir.org), information for others.
func (w *walker) codeSystemShould(m map[string]any, url, path string) {
	sev := model.Information
	if strings.Contains(url, "hl7.org") || strings.Contains(url, "fhir.org") {
		sev = model.Warning
	}
	if _, ok := m["caseSensitive"].(bool); !ok {
		w.add(sev, CodeCodeSystem, path, "the CodeSystem does not say whether its codes are case sensitive (caseSensitive)", "")
	}
	if _, ok := m["hierarchyMeaning"].(string); ok {
		return
	}
	for _, c := range objects(m["concept"]) {
		if len(objects(c["concept"])) > 0 {
			w.add(sev, CodeCodeSystem, path, "the CodeSystem's concepts nest, but it does not say what the nesting means (hierarchyMeaning)", "")
			return
		}
	}
}

// designationClash reports a designation with no use that differs from the
// concept's display in the display's own language: with no use it reads as
// the display itself (the code system's language when it states none, or
// any language when neither does), so it should say the same.
func (w *walker) designationClash(d map[string]any, display string, hasDisplay bool, rlang, dp string) {
	if d["use"] != nil || !hasDisplay {
		return
	}
	value, _ := d["value"].(string)
	lang, _ := d["language"].(string)
	if value == display || (lang != "" && lang != rlang) {
		return
	}
	in := ""
	if rlang != "" {
		in = " in the code system's language " + rlang
	}
	w.add(model.Warning, CodeCodeSystem, dp+".value", fmt.Sprintf("the designation %q has no use and stands%s beside the display %q: a designation with no use is read as the display, so give it a use or the display's words", value, in, display), value)
}

// containedCodeSystem says, as information, that a code system is
// contained in a resource other than a Questionnaire (a code system for its
// answers alone) or a CodeSystem (properties of a supplement): one that
// other resources may use is better shared as a resource of its own.
func (w *walker) containedCodeSystem(m map[string]any, path string) {
	if host := w.containerOf(m); host == "Questionnaire" || host == "CodeSystem" {
		return
	}
	w.add(model.Information, CodeCodeSystem, path, "a contained CodeSystem can be used by its container alone: one that others may use is better published as a resource of its own", "")
}

// containerOf returns the resource type of the resource that contains m,
// looked for in the record and the Bundle it is (or travels in); "" when
// not found.
func (w *walker) containerOf(m map[string]any) string {
	id := reflect.ValueOf(m).Pointer()
	holds := func(r map[string]any) bool {
		for _, c := range objects(r["contained"]) {
			if reflect.ValueOf(c).Pointer() == id {
				return true
			}
		}
		return false
	}
	hosts := []map[string]any{w.root}
	if w.rec.Container != nil {
		hosts = append(hosts, w.rec.Container.Resource())
	}
	for _, r := range hosts {
		if holds(r) {
			return fmt.Sprint(r["resourceType"])
		}
		if r["resourceType"] != "Bundle" {
			continue
		}
		for _, e := range objects(r["entry"]) {
			if er, _ := e["resource"].(map[string]any); er != nil && holds(er) {
				return fmt.Sprint(er["resourceType"])
			}
		}
	}
	return ""
}

// containedAt reports whether path is that of a contained resource.
func containedAt(path string) bool {
	return strings.HasPrefix(path[strings.LastIndex(path, ".")+1:], "contained[")
}

// conceptDisplayOnly maps each code of a code system (at every level) to
// its display ("" for none).
func conceptDisplayOnly(cs map[string]any) map[string]string {
	out := map[string]string{}
	eachConcept(cs["concept"], func(code string, c map[string]any) { out[code], _ = c["display"].(string) })
	return out
}
