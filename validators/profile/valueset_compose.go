package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// The checks of one compose clause against the definitions it names, as the
// reference validator's ValueSetValidator makes them: the value sets it
// imports exist and are value sets; a "#id" system names one contained code
// system; the code system it draws from is not a supplement and has content
// to draw from; the displays it lists are the code system's; and codes drawn
// from an example domain's system, which no one can hold, are not real data.
// What carecert does not hold is said as information, never as an error: the
// definition may exist elsewhere.

// coreValueSetBase is the namespace of the R4 core's value sets, all of
// which carecert holds.
const coreValueSetBase = "http://hl7.org/fhir/ValueSet/"

// includeValueSets checks the value sets a clause imports (R4
// ValueSet.compose.include.valueSet): each names a value set, found among
// the definitions carecert holds (another kind of resource there is a
// warning, as is a name in the core's namespace that the core lacks);
// anything else is not judged.
func (w *walker) includeValueSets(clause map[string]any, p string) {
	list, _ := clause["valueSet"].([]any)
	for i, v := range list {
		canonical, _ := v.(string)
		if canonical == "" {
			continue
		}
		vp := p + ".valueSet[" + strconv.Itoa(i) + "]"
		url, _ := definitions.SplitCanonical(canonical)
		// Held in another version is held: the version is judged elsewhere.
		held := w.heldDefinition(canonical, "ValueSet") != nil || w.heldDefinition(url, "ValueSet") != nil
		other := w.heldKind(url)
		switch {
		case held:
		case other != "":
			w.add(model.Warning, CodeValueSet, vp, fmt.Sprintf("%s names a %s, not a value set: only value sets can be imported", canonical, other), canonical)
		case strings.HasPrefix(url, coreValueSetBase):
			w.add(model.Warning, CodeValueSet, vp, fmt.Sprintf("%s is in the namespace of FHIR R4's value sets, but R4 has no value set of that URL", canonical), canonical)
		default:
			w.add(model.Information, CodeValueSet, vp, fmt.Sprintf("the imported value set %s was not judged: carecert does not hold it (not in FHIR R4, a loaded guide or this Bundle)", canonical), canonical)
		}
	}
}

// containedSystem checks a system written "#id", a reference to a resource
// contained in the ValueSet vs: it must name exactly one contained
// CodeSystem (of the version asked for, when one is). The reference
// validator rejects a local system anyway (it is not absolute, which
// valueSetRules reports); this says what, if anything, it points at.
func (w *walker) containedSystem(vs map[string]any, system, version, p string) {
	id := system[1:]
	found, other := 0, ""
	for _, c := range objects(vs["contained"]) {
		if c["id"] != id {
			continue
		}
		if c["resourceType"] != "CodeSystem" {
			other, _ = c["resourceType"].(string)
			continue
		}
		if v, _ := c["version"].(string); version == "" || v == version {
			found++
		}
	}
	in := ""
	if version != "" {
		in = " of version " + version
	}
	switch {
	case found == 0 && other != "":
		w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("%s names a contained %s, not a CodeSystem", system, other), system)
	case found == 0:
		w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("%s names no contained CodeSystem%s", system, in), system)
	case found > 1:
		w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("%s names %d contained CodeSystems%s: it must name one", system, found, in), system)
	}
}

// includedSystemContent checks what the code system a clause draws from
// holds, where carecert holds that system (in the version asked for): a
// supplement is no code system of its own, so drawing codes from it is an
// error; an example code system's codes are only examples (a warning), and
// a fragment's may be incomplete (information). It returns the system's
// content ("" when not held).
func (w *walker) includedSystemContent(system, version, p string) string {
	url, v, _ := strings.Cut(system, "|")
	if version == "" {
		version = v
	}
	canonical := url
	if version != "" {
		canonical += "|" + version
	}
	cs := w.heldDefinition(canonical, "CodeSystem")
	if cs == nil {
		return ""
	}
	content, _ := cs["content"].(string)
	switch content {
	case "supplement":
		base, _ := cs["supplements"].(string)
		w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("%s is a supplement of %s, not a code system: include the code system it supplements", canonical, base), system)
	case "example":
		w.add(model.Warning, CodeValueSet, p+".system", fmt.Sprintf("%s holds only example codes (content \"example\"): a value set drawing from it is itself only an example", canonical), system)
	case "fragment":
		w.add(model.Information, CodeValueSet, p+".system", fmt.Sprintf("%s is a fragment of its code system (content \"fragment\"): the codes it lacks were not judged", canonical), system)
	}
	return content
}

// listedDisplays says, as information, that a clause gives displays for
// some of its concepts and not others: a value set usually gives all or
// none, and one given for some only suggests the others were forgotten.
func (w *walker) listedDisplays(listed []map[string]any, p string) {
	with := 0
	for _, c := range listed {
		if _, ok := c["display"].(string); ok {
			with++
		}
	}
	if with > 0 && with < len(listed) {
		w.add(model.Information, CodeValueSet, p, fmt.Sprintf("%d of the %d concepts listed give a display, the others none", with, len(listed)), "")
	}
}

// listedDisplay says, as information, that a listed concept's display is
// none of those its code system gives the code (its display and
// designations, compared without case): a value set may give a display of
// its own, but it is usually a copying mistake.
func (w *walker) listedDisplay(c map[string]any, code, system string, known []string, cp string) {
	display, ok := c["display"].(string)
	if !ok || len(known) == 0 || displayKnown(display, known) {
		return
	}
	w.add(model.Information, CodeValueSet, cp+".display", fmt.Sprintf("the display %q is not one %s gives the code %q (%s)", display, system, code, quoteList(known)), display)
}

// exampleSystem reports codes listed from a code system on an example
// domain that carecert does not hold: no one can hold such a system, so
// the codes are not real data, an error unless allow-example-urls accepts
// examples. A system whose URL names a FHIR resource is left to the
// example-URL rule, which judges every pointer.
func (w *walker) exampleSystem(system, p string) {
	if w.e.allowExampleURLs || !mayBeExampleURL(system) || !exampleURL(system) || w.namesResource(system) || w.heldDefinition(system, "CodeSystem") != nil {
		return
	}
	w.add(model.Error, CodeExampleURL, p+".system", fmt.Sprintf("the codes listed are from %s, a code system on an example domain that no one holds: example URLs are not allowed in real data (allow-example-urls accepts them)", system), system)
}

// conceptDisplays maps each code of a code system (at every level) to the
// displays it is known by: its display and its designations' values.
func conceptDisplays(cs map[string]any) map[string][]string {
	out := map[string][]string{}
	eachConcept(cs["concept"], func(code string, c map[string]any) {
		var names []string
		if d, ok := c["display"].(string); ok {
			names = append(names, d)
		}
		for _, d := range objects(c["designation"]) {
			if v, ok := d["value"].(string); ok {
				names = append(names, v)
			}
		}
		out[code] = names
	})
	return out
}

// displayKnown reports whether display is one of known, without regard to
// case.
func displayKnown(display string, known []string) bool {
	for _, k := range known {
		if strings.EqualFold(k, display) {
			return true
		}
	}
	return false
}

// quoteList writes displays for a message: quoted, at most five.
func quoteList(list []string) string {
	var b strings.Builder
	for i, s := range list {
		if i == 5 {
			b.WriteString(", ...")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(s))
	}
	return b.String()
}
