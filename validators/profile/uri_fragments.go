package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// extTextLink is the extension that ties a narrative anchor to an element
// (htmlid) and to a uri: the reference validator holds its local #fragments
// to resolve as strictly as a canonical's.
const extTextLink = "http://hl7.org/fhir/StructureDefinition/textLink"

// localReferencePlace reports whether a "#…" value of a primitive of type
// typ at an element is a local reference to be resolved in the resource:
// every canonical, and every uri and url but those that are not references
// — the canonical URL a definition is known by (judged as one, uris.go), a
// Bundle entry's fullUrl (the address of the entry, judged with the Bundle)
// and an extension's url (the name of its definition, judged with the
// extension). A uuid is never a fragment.
func (w *walker) localReferencePlace(typ, elementPath string) bool {
	switch typ {
	case "canonical":
		return true
	case "uri", "url":
		return !w.definingURL(elementPath) && elementPath != "Bundle.entry.fullUrl" && elementPath != "Extension.url"
	}
	return false
}

// localFragment checks a local reference "#id" in a canonical, uri or url
// (R4 §2.24.0.1 uri and canonical, §2.36 References). As the reference
// validator does for every local #fragment, it looks for the target among
// the element ids and narrative anchors of the resource and of the Bundle
// it travels in (anchors). A bare "#" is the resource itself. How grave a
// fragment naming nothing is follows the reference's judgement of the
// place: a canonical, a ValueSet's compose system (a contained CodeSystem
// the value set is built from) and a uri inside the textLink extension must
// resolve (error); Meta.source, which some servers fill with a request id
// of their own, only earns a note; any other uri or url a warning, as what
// a uri means is up to its element.
func (w *walker) localFragment(s, id, typ, elementPath string, at pathAt) {
	if id == "" {
		return
	}
	if n, decided := w.anchors(id, true); n > 0 {
		return
	} else if !decided {
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("%s %s was not checked: nothing in the resource has the id %q, and an entry of its Bundle could not be read to look there", typ, s, id), "")
		return
	}
	sev := model.Warning
	switch {
	case typ == "canonical",
		elementPath == "ValueSet.compose.include.system", elementPath == "ValueSet.compose.exclude.system",
		w.extURL == extTextLink:
		sev = model.Error
	case elementPath == "Meta.source", strings.HasSuffix(elementPath, ".meta.source"):
		sev = model.Information
	}
	w.add(sev, CodeReference, w.pathText(at), fmt.Sprintf("%s %s points at nothing in the resource: no contained resource (nor any element or narrative anchor) has the id %q", typ, s, id), "")
}
