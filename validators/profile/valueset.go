package profile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// CodeValueSet marks a ValueSet whose definition names its codes wrongly.
const CodeValueSet = "profile.valueset"

// valueSetRules checks the code systems and codes a ValueSet's compose names
// (R4 ValueSet.compose.include and exclude): a system is the absolute URI of
// a code system, not a local name and not a value set's URL (value sets are
// included through valueSet), and a concept listed from a code system
// carecert holds complete is one of its codes. The reference validator
// rejects each; codes of systems carecert does not hold, or holds only in
// part, are not judged. How a clause writes its system (by URL, without a
// |version) is judged first, by includeSystemForm; what it imports and the
// code system it names, by the checks of valueset_compose.go.
func (w *walker) valueSetRules(m map[string]any, path string) {
	if exp, ok := m["expansion"].(map[string]any); ok {
		w.expansionSystemVersions(exp, path+".expansion")
		w.expansionMembers(m, exp, path+".expansion")
	}
	compose, _ := m["compose"].(map[string]any)
	for _, part := range []string{"include", "exclude"} {
		for i, clause := range objects(compose[part]) {
			p := path + ".compose." + part + "[" + strconv.Itoa(i) + "]"
			w.includeSystemForm(clause, part, p)
			w.includeValueSets(clause, p)
			system, ok := clause["system"].(string)
			if !ok || system == "" {
				continue
			}
			version, _ := clause["version"].(string)
			if strings.HasPrefix(system, "#") {
				w.containedSystem(m, system, version, p)
			}
			if !absoluteURI(system) {
				w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("ValueSet.compose.%s.system %q must be the absolute URI of a code system, not a local name", part, system), "")
				continue
			}
			if w.e.canonicalKind(system) == "ValueSet" {
				w.add(model.Error, CodeValueSet, p+".system", fmt.Sprintf("ValueSet.compose.%s.system %s is the URL of a value set, not of a code system: name value sets in valueSet", part, system), "")
				continue
			}
			w.composeFilters(clause, system, version, p)
			if w.includedSystemContent(system, version, p) == "supplement" {
				continue // its codes are the supplemented system's, judged nowhere here
			}
			listed := objects(clause["concept"])
			w.listedDisplays(listed, p)
			cs := w.e.completeSystem(system, version)
			if cs == nil {
				if len(listed) > 0 {
					w.exampleSystem(system, p)
					w.codesUnjudged(p+".system", "the codes listed for "+system, system)
				}
				continue
			}
			displays := conceptDisplays(cs)
			for j, c := range listed {
				cp := p + ".concept[" + strconv.Itoa(j) + "]"
				code, ok := c["code"].(string)
				if !ok {
					continue
				}
				known, defined := displays[code]
				if !defined {
					w.add(model.Error, CodeValueSet, cp+".code", fmt.Sprintf("the code %q is not defined in code system %s", code, system), code)
					continue
				}
				w.listedDisplay(c, code, system, known, cp)
			}
		}
	}
}

// expansionSystemVersions checks that an expansion entry naming a system
// without a version leaves one version to read it in: the expansion's
// used-codesystem parameters may give that system at most one version
// (system|version), as the reference validator holds (R4 ValueSet.expansion.
// parameter, contains.version). Entries are looked for at every level.
func (w *walker) expansionSystemVersions(exp map[string]any, path string) {
	used := map[string]bool{}
	for _, p := range objects(exp["parameter"]) {
		if p["name"] != "used-codesystem" {
			continue
		}
		_, v := choiceValue(p, "value")
		if s, ok := v.(string); ok {
			used[s] = true
		}
	}
	unversioned := map[string]bool{}
	walkContains(exp["contains"], func(c map[string]any) {
		if system, ok := c["system"].(string); ok && system != "" && c["version"] == nil {
			unversioned[system] = true
		}
	})
	for _, system := range slices.Sorted(maps.Keys(unversioned)) {
		var versions []string
		for u := range used {
			if strings.HasPrefix(u, system+"|") {
				versions = append(versions, u)
			}
		}
		if len(versions) > 1 {
			slices.Sort(versions)
			w.add(model.Error, CodeValueSet, path, fmt.Sprintf("expansion entries name %s without a version, but the expansion used %s: say which in contains.version", system, strings.Join(versions, " and ")), system)
		}
	}
}

// completeCodes returns every code (at every level) of a loaded code system
// whose content is complete; known is false for a system carecert does not
// hold, holds only as a fragment, example or supplement, or holds in another
// version than the one asked for (given after "|" or as version; "" is any):
// a later version may have codes carecert's copy lacks. Value sets and code
// systems are rare in feeds, so the codes are not kept.
func (e *Engine) completeCodes(system, version string) (codes map[string]bool, known bool) {
	cs := e.completeSystem(system, version)
	if cs == nil {
		return nil, false
	}
	codes = map[string]bool{}
	eachConceptCode(cs["concept"], func(code string) { codes[code] = true })
	return codes, true
}

// completeSystem returns the loaded code system completeCodes reads, or nil
// where it would not know the codes.
func (e *Engine) completeSystem(system, version string) map[string]any {
	url, v, _ := strings.Cut(system, "|")
	if version == "" {
		version = v
	}
	cs, err := e.defs.Resource(url)
	if err != nil || cs["resourceType"] != "CodeSystem" || cs["content"] != "complete" {
		return nil
	}
	if have, _ := cs["version"].(string); version != "" && version != have {
		return nil
	}
	return cs
}

// eachConceptCode calls fn with the code of each concept of a CodeSystem's
// concept list, nested concepts included.
func eachConceptCode(list any, fn func(code string)) {
	eachConcept(list, func(code string, _ map[string]any) { fn(code) })
}

// eachConcept calls fn with each concept that has a code, and its code, of
// a CodeSystem's concept list, nested concepts included.
func eachConcept(list any, fn func(code string, c map[string]any)) {
	for _, c := range objects(list) {
		if code, ok := c["code"].(string); ok {
			fn(code, c)
		}
		eachConcept(c["concept"], fn)
	}
}
