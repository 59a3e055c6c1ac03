package profile

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/carecert/carecert/model"
)

// coreBase is the namespace of the FHIR core's own definitions.
const coreBase = "http://hl7.org/fhir/"

// knownWrongSystems are system URLs published once (in the specification or
// its early terminology pages) that HL7 has since replaced: data using them
// is legal but will not match systems that use the registered URL.
var knownWrongSystems = map[string]bool{
	"http://hl7.org/fhir/sid/icpc2":     true,
	"http://hl7.org/fhir/sid/icf-nl":    true,
	"http://hl7.org/fhir/sid/ca-hc-npn": true,
	"http://hl7.org/fhir/sid/ca-hc-din": true,
	"http://hl7.org/fhir/sid/dsm5":      true,
}

// heldCoreKinds are the kinds of core definition carecert holds every one
// of: a URL in the core namespace naming one of them that carecert does not
// hold names nothing.
var heldCoreKinds = []string{"StructureDefinition", "ValueSet", "CodeSystem", "SearchParameter", "OperationDefinition"}

// definitionURL checks a uri, url or canonical value that names a
// definition against the definitions carecert holds, as the reference
// validator resolves such values (R4 §2.24.0.1 canonical: a reference to a
// definition by its canonical URL):
//   - a system URL HL7 has since replaced is a warning, wherever a uri
//     holds it;
//   - a canonical that names a held definition of another kind than its
//     element allows (canonical(ValueSet) naming a CodeSystem) is an error;
//   - a canonical that names nothing held but whose http: form does is
//     information (canonical URLs are identifiers: https is another one);
//   - a canonical in the core namespace naming a kind of definition carecert
//     holds whole, and not found, is information: no such definition exists.
//
// Like the reference validator (which fetches definitions only in HL7's and
// fhir.org's namespaces), canonicals elsewhere are not looked up: whether a
// third party's definition exists is not carecert's to say offline.
// Meta.profile is the profile family's (profiles claimed, unknown ones).
func (w *walker) definitionURL(s string, t *typeInfo, k *node, at pathAt) {
	if knownWrongSystems[s] {
		w.add(model.Warning, CodeCoding, w.pathText(at), fmt.Sprintf("%s is not the URL to use for this system, although the specification once published it: use the URL registered on terminology.hl7.org", s), "")
		return
	}
	if t.code != "canonical" || k.path == "Meta.profile" || strings.HasPrefix(s, "#") {
		return
	}
	url, _, _ := strings.Cut(s, "|")
	url, _, _ = strings.Cut(url, "#")
	if !strings.Contains(url, "hl7.org") && !strings.Contains(url, "fhir.org") {
		return
	}
	kind := w.e.definitionKind(url)
	switch {
	case kind != "":
		if !canonicalTypeAllowed(w.e, kind, t.targetProfiles) {
			w.add(model.Error, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names a %s, but this element refers to %s", s, kind, strings.Join(targetNames(t.targetProfiles), " or ")), "")
		}
	case strings.HasPrefix(url, "https://") && w.e.definitionKind("http://"+url[len("https://"):]) != "":
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names no definition carecert holds, but http://%s does: a canonical URL is an identifier, written exactly (http, not https)", s, url[len("https://"):]), "")
	case heldCoreKind(url):
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names no definition of the FHIR R4 core, which carecert holds whole for this kind", s), "")
	}
}

// heldCoreKind reports whether url is in the core namespace under a kind of
// definition carecert holds every one of (http://hl7.org/fhir/ValueSet/x);
// guides published under hl7.org/fhir have a lower-case segment there
// (http://hl7.org/fhir/us/core/...), versions a digit.
func heldCoreKind(url string) bool {
	rest, ok := strings.CutPrefix(url, coreBase)
	if !ok || rest == "" || !unicode.IsUpper(rune(rest[0])) {
		return false
	}
	kind, id, ok := strings.Cut(rest, "/")
	return ok && id != "" && slices.Contains(heldCoreKinds, kind)
}

// canonicalTypeAllowed reports whether a definition of kind may be named
// where the element's canonical type lists targets: any, when it lists
// none; otherwise one target of that kind, or Resource (or R5's
// CanonicalResource and MetadataResource, which guides use) for any kind.
func canonicalTypeAllowed(e *Engine, kind string, targets []string) bool {
	if len(targets) == 0 {
		return true
	}
	for _, p := range targets {
		switch targetType(e, p) {
		case kind, "Resource", "CanonicalResource", "MetadataResource":
			return true
		case "":
			return true // a target carecert cannot read: not judged
		}
	}
	return false
}

// targetType is the resource type a target profile constrains.
func targetType(e *Engine, profile string) string {
	if name, ok := strings.CutPrefix(profile, coreBase+"StructureDefinition/"); ok {
		return name
	}
	sd, err := e.defs.StructureDefinition(profile)
	if err != nil || sd == nil {
		return ""
	}
	return sd.Type
}

func targetNames(targets []string) []string {
	out := make([]string, len(targets))
	for i, p := range targets {
		out[i] = strings.TrimPrefix(p, coreBase+"StructureDefinition/")
	}
	return out
}
