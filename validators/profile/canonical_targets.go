package profile

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/fhir/r4core"
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
// hold names nothing. Not StructureDefinition: HL7's extensions pack
// publishes its extensions under http://hl7.org/fhir/StructureDefinition/
// too, which carecert does not hold (hl7Extension says so of an extension).
var heldCoreKinds = []string{"ValueSet", "CodeSystem", "SearchParameter", "OperationDefinition"}

// definitionURL checks a uri, url or canonical value that names a
// definition against the definitions carecert holds (held.go), as the
// reference validator resolves such values (R4 §2.24.0.1 canonical: a
// reference to a definition by its canonical URL):
//   - a system URL HL7 has since replaced is a warning, wherever a uri
//     holds it;
//   - a uri or url in FHIR's own namespace under a kind of definition
//     carecert holds whole (hl7SpaceURI) that names none is an error;
//   - a canonical that names a held definition of another kind than its
//     element allows (canonical(ValueSet) naming a CodeSystem) is an error;
//   - a canonical without a version that names a definition held in more
//     than one version is a warning: readers may take any of them;
//   - a canonical naming a version carecert does not hold of a definition
//     it holds in others is information: that version is not checked;
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
	if strings.HasPrefix(s, "#") {
		return
	}
	if t.code == "uri" || t.code == "url" {
		w.hl7SpaceURI(s, k, at)
		return
	}
	if t.code != "canonical" || k.path == "Meta.profile" {
		return
	}
	canonical, _, _ := strings.Cut(s, "#")
	url, version := definitions.SplitCanonical(canonical)
	if !strings.Contains(url, "hl7.org") && !strings.Contains(url, "fhir.org") {
		return
	}
	// A definition's kind does not change with its version.
	kind := w.heldKind(url)
	switch {
	case kind != "":
		if !t.allowsDefinition(kind) {
			if len(t.unreadTargets) > 0 {
				w.add(model.Warning, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names a %s: %s", s, kind, t.undecidedTargets("a "+kind)), "")
				return
			}
			w.add(model.Error, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names a %s, but this element refers to %s", s, kind, strings.Join(t.targetTypes(nil), " or ")), "")
			return
		}
		w.canonicalVersion(s, url, version, at)
	case strings.HasPrefix(url, "https://") && w.heldKind("http://"+url[len("https://"):]) != "":
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names no definition carecert holds, but http://%s does: a canonical URL is an identifier, written exactly (http, not https)", s, url[len("https://"):]), "")
	case heldCoreKind(url):
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names no definition of the FHIR R4 core, which carecert holds whole for this kind", s), "")
	}
}

// canonicalVersion judges the version a canonical asks of a definition
// carecert holds under its url: none, while several are held, is a warning
// (the reference's; which one a reader takes is not said); one carecert
// does not hold is not checked (information: carecert's limit).
func (w *walker) canonicalVersion(s, url, version string, at pathAt) {
	versions := w.heldVersions(url)
	switch {
	case version == "" && len(versions) > 1:
		w.add(model.Warning, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names no version, and carecert holds %s in several (%s): name the version meant (%s|version) so that every reader takes the same one", s, url, listOrNone(versions), url), "")
	case version != "" && !slices.ContainsFunc(versions, func(v string) bool { return definitions.MatchesVersion(v, version) }):
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("canonical %s names version %s, which carecert does not hold (it holds %s): not checked against it", s, version, listOrNone(versions)), "")
	}
}

// hl7SpaceURI checks a uri or url in FHIR's own namespace that names
// something carecert holds all of: a kind of definition it holds whole
// (http://hl7.org/fhir/ValueSet/x), or, one segment under the namespace
// (http://hl7.org/fhir/x), a core code system or one of the mapping spaces
// R4's definitions use (http://hl7.org/fhir/fivews); definitions of the
// Bundle and the run's guides count. Naming none is an error, as the
// reference validator makes a uri in HL7's space it cannot resolve. What
// carecert does not hold whole is not judged: other kinds, HL7's identifier
// systems (/sid/), guides under hl7.org/fhir (/us/, /uv/), version pages,
// the specification's own pages (patient.html),
// terminology.hl7.org and fhir.org (the reference fetches their packages;
// carecert has only R4's). Nor are the places the reference leaves
// unresolved: a coding's system (the terminology checks judge it),
// extension urls (the extension checks), a definition's own url, a Bundle
// entry's fullUrl or request url, network addresses, mapping and dependency
// uris, fixed and pattern values, and meta.source.
func (w *walker) hl7SpaceURI(s string, k *node, at pathAt) {
	if !strings.HasPrefix(s, coreBase) || unresolvedURIPlace(k.path) || w.definingURL(k.path) {
		return
	}
	canonical, _, _ := strings.Cut(s, "#")
	url, _ := definitions.SplitCanonical(canonical)
	rest := url[len(coreBase):]
	var what string
	segment := false
	switch {
	case heldCoreKind(url):
		what, _, _ = strings.Cut(rest, "/")
	case rest != "" && !strings.Contains(rest, "/") && !versionPage(rest) && !specificationPage(rest):
		what, segment = "code system or mapping space", true
	default:
		return
	}
	if w.heldKind(canonical) != "" {
		return
	}
	// After the held definitions: the mapping spaces are read from every
	// core StructureDefinition on first use (about 350 ms of CPU), which a
	// URI naming a held code system never needs.
	if segment && mappingSpaces()[url] {
		return
	}
	if w.heldKind(url) != "" {
		w.add(model.Information, CodeReference, w.pathText(at), fmt.Sprintf("%s names a version of %s that carecert does not hold: not checked", s, url), "")
		return
	}
	w.add(model.Error, CodeReference, w.pathText(at), fmt.Sprintf("%s names no %s: FHIR R4 defines none of that URL, and none is in this Bundle or the run's guides", s, what), "")
}

// versionPage reports whether a segment under FHIR's namespace names a
// version of the specification (4.0, R4, STU3, DSTU2), whose pages and
// packages carecert does not hold.
func versionPage(seg string) bool {
	for _, p := range []string{"R", "STU", "DSTU"} {
		seg = strings.TrimPrefix(seg, p)
	}
	return seg != "" && seg[0] >= '0' && seg[0] <= '9'
}

// specificationPage reports whether a segment under FHIR's namespace names
// a page of the specification (patient.html, http.html#read: a TestScript's
// link to what it tests). R4 publishes pages there beside its definitions,
// and carecert holds the definitions, not the list of pages: it cannot say
// a page is absent, and an error would blame the supplier for that. (The
// reference validator resolves only definitions there, and says such a link
// does not resolve.)
func specificationPage(seg string) bool {
	return strings.HasSuffix(seg, ".html")
}

// mappingSpaces are the URIs R4's definitions name their mappings by
// (StructureDefinition.mapping.uri under http://hl7.org/fhir/: fivews,
// workflow...), names FHIR uses with no definition behind them; read from
// the embedded definitions once, on the first one-segment URI in FHIR's
// namespace that is no code system.
var mappingSpaces = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, bundle := range []string{r4core.ProfilesTypes, r4core.ProfilesResources, r4core.ProfilesOthers, r4core.ExtensionDefs} {
		list, err := r4core.Resources(bundle)
		if err != nil {
			continue
		}
		for _, r := range list {
			if r.ResourceType != "StructureDefinition" {
				continue
			}
			raw, err := r.Bytes()
			if err != nil {
				continue
			}
			var sd struct {
				Mapping []struct {
					URI string `json:"uri"`
				} `json:"mapping"`
			}
			if json.Unmarshal(raw, &sd) != nil {
				continue
			}
			for _, m := range sd.Mapping {
				if strings.HasPrefix(m.URI, coreBase) {
					out[m.URI] = true
				}
			}
		}
	}
	return out
})

// unresolvedURIPlaces are the elements whose uri or url values the
// reference validator does not resolve (others judge them, or they are
// addresses rather than names of definitions).
var unresolvedURIPlaces = map[string]bool{
	"Coding.system": true, "Extension.url": true, "Meta.source": true, "Bundle.entry.fullUrl": true, "Bundle.entry.request.url": true,
	"Attachment.url": true, "Endpoint.address": true, "CapabilityStatement.implementation.url": true, "StructureDefinition.type": true,
	"StructureDefinition.mapping.uri": true, "ImplementationGuide.dependsOn.uri": true, "ImplementationGuide.definition.page.nameUrl": true,
	"MessageHeader.source.endpoint": true, "MessageHeader.destination.endpoint": true, "QuestionnaireResponse.item.definition": true,
	"ElementDefinition.fixed[x]": true, "ElementDefinition.pattern[x]": true,
}

// unresolvedURIPlace reports whether an element path (a type's, or a
// profile's, which names a datatype's element by where it is used) is one
// the reference does not resolve.
func unresolvedURIPlace(path string) bool {
	if unresolvedURIPlaces[path] || extensionURL(path) {
		return true
	}
	lower := strings.ToLower(path)
	return strings.HasSuffix(lower, "coding.system") || strings.HasSuffix(lower, "meta.source") ||
		strings.HasPrefix(path, "ElementDefinition.fixed") || strings.HasPrefix(path, "ElementDefinition.pattern")
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

// allowsDefinition reports whether a canonical of this type may name a
// definition of kind: any, when the type lists no target; otherwise a target
// of that kind, or Resource (or R5's CanonicalResource and MetadataResource,
// which guides use) for any kind. The targets are the compiled type's, read
// as a Reference's are: a versioned type (…/ValueSet|4.0.1) is that type,
// a profile (the core's shareablevalueset, a guide's) the type it
// constrains; a profile carecert cannot read allows nothing it knows of,
// and its caller says that what it does not allow was not decided.
func (t *typeInfo) allowsDefinition(kind string) bool {
	if t.anyTarget() {
		return true
	}
	for _, target := range t.targets {
		switch target {
		case kind, "Resource", "CanonicalResource", "MetadataResource":
			return true
		}
	}
	return false
}
