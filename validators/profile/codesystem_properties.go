package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// conceptProperty is a property FHIR defines for every code system
// (http://hl7.org/fhir/concept-properties): its usual code, its type, and
// whether its values are codes of the same code system.
type conceptProperty struct {
	code, typ string
	internal  bool
}

// conceptProperties are FHIR's concept properties by URI.
var conceptProperties = func() map[string]conceptProperty {
	out := map[string]conceptProperty{}
	for _, p := range []conceptProperty{
		{"status", "code", false}, {"inactive", "boolean", false}, {"effectiveDate", "dateTime", false},
		{"deprecationDate", "dateTime", false}, {"retirementDate", "dateTime", false}, {"notSelectable", "boolean", false},
		{"parent", "code", true}, {"child", "code", true}, {"partOf", "code", true}, {"synonym", "code", true},
		{"comment", "string", false}, {"itemWeight", "decimal", false},
	} {
		out["http://hl7.org/fhir/concept-properties#"+p.code] = p
	}
	return out
}()

// codeSystemProperties checks the properties a CodeSystem declares and the
// values its concepts give them, as the reference validator's
// CodeSystemValidator does: a URI identifies one property, so two do not
// share it; a URI in HL7's FHIR space is one of FHIR's concept properties
// (only HL7's own code systems add to that space), has that property's type
// and is not given another concept property's usual code; and a property
// whose values are codes of the same code system (parent, child, partOf,
// synonym) names codes the code system has — for a supplement, codes of the
// code system it supplements, where carecert holds that one complete.
func (w *walker) codeSystemProperties(m map[string]any, path string) {
	url, _ := m["url"].(string)
	uris := map[string]bool{}
	internal := map[string]bool{}
	for i, p := range objects(m["property"]) {
		pp := path + ".property[" + strconv.Itoa(i) + "]"
		code, _ := p["code"].(string)
		uri, _ := p["uri"].(string)
		typ, _ := p["type"].(string)
		if uri == "" || !absoluteURI(uri) {
			continue
		}
		if uris[uri] {
			w.add(model.Error, CodeCodeSystem, pp+".uri", fmt.Sprintf("another property of this CodeSystem already has the URI %s: a URI identifies one property", uri), uri)
			continue
		}
		uris[uri] = true
		if !strings.Contains(uri, "://hl7.org/fhir") {
			continue
		}
		known, ok := conceptProperties[uri]
		if !ok {
			if !hl7BaseCodeSystem(url) && (url == "" || !strings.HasPrefix(uri, url)) {
				w.add(model.Error, CodeCodeSystem, pp+".uri", fmt.Sprintf("%s is not one of FHIR's concept properties: a property of your own takes a URI of your own, not one in HL7's space", uri), uri)
			}
			continue
		}
		if typ != "" && typ != known.typ {
			w.add(model.Error, CodeCodeSystem, pp+".type", fmt.Sprintf("the property %s has type %s, not %s", uri, known.typ, typ), typ)
		}
		for otherURI, other := range conceptProperties {
			if other.code == code && otherURI != uri {
				w.add(model.Error, CodeCodeSystem, pp+".code", fmt.Sprintf("the code %q is the usual code of %s, so giving it to %s confuses readers", code, otherURI, uri), code)
			}
		}
		if known.internal && code != "" {
			internal[code] = true
		}
	}
	if len(internal) == 0 {
		return
	}
	own := map[string]bool{}
	eachConceptCode(m["concept"], func(code string) { own[code] = true })
	partial := false
	if base, _ := m["supplements"].(string); base != "" {
		codes, known := w.e.completeCodes(base, "")
		if !known {
			return // codeSystemRules says the supplement's codes were not judged
		}
		own = codes
	} else if content, _ := m["content"].(string); content == "fragment" || content == "example" {
		// A fragment or an example lists only some of its system's codes
		// (R4 CodeSystem.content), so a parent it does not list may still
		// be one: judged against the whole system where carecert holds it,
		// otherwise said to be unjudged. The reference judges against the
		// listed codes and reports an error; carecert does not blame the
		// supplier for what it cannot see.
		version, _ := m["version"].(string)
		if codes, known := w.e.completeCodes(url, version); known {
			for c := range codes {
				own[c] = true
			}
		} else {
			partial = true
		}
	}
	var walk func(list []map[string]any, p string)
	walk = func(list []map[string]any, p string) {
		for i, c := range list {
			cp := p + ".concept[" + strconv.Itoa(i) + "]"
			for j, prop := range objects(c["property"]) {
				code, _ := prop["code"].(string)
				v, isCode := prop["valueCode"].(string)
				switch {
				case !internal[code] || !isCode || own[v]:
				case partial:
					w.codesUnjudged(cp+".property["+strconv.Itoa(j)+"].valueCode", fmt.Sprintf("the code %q the %s property names, which this partial CodeSystem does not list", v, code), url)
				default:
					w.add(model.Error, CodeCodeSystem, cp+".property["+strconv.Itoa(j)+"].valueCode",
						fmt.Sprintf("the %s property names %q, which is not a code of this code system", code, v), v)
				}
			}
			walk(objects(c["concept"]), cp)
		}
	}
	walk(objects(m["concept"]), path)
}

// hl7BaseCodeSystem reports a code system of the FHIR specification itself
// (http://hl7.org/fhir/name), which may define properties in HL7's space.
func hl7BaseCodeSystem(url string) bool {
	rest, ok := strings.CutPrefix(url, "http://hl7.org/fhir/")
	return ok && !strings.Contains(rest, "/")
}
