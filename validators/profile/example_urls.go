package profile

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/carecert/carecert/fhir/definitions"
	"github.com/carecert/carecert/model"
)

// CodeExampleURL is a uri, url or canonical value pointing at a domain
// reserved for examples, reported unless allow-example-urls is on.
const CodeExampleURL = "profile.example-url"

// exampleURI reports a value of a URI type that points at an example URL
// (RFC 2606's domains, acme.com and acme.org, or an OID under an example
// arc: see exampleURL): real data cannot point there, so the reference validator rejects such a pointer unless told that
// examples are allowed (its -allow-example-urls), and carecert does the
// same with the same option. A pointer is a canonical (the definition it
// names must be found) or a uri or url naming a FHIR resource on a server
// (a path segment that is a resource type, as
// http://records.example.org/fhir/DocumentReference/7); a uri that only
// names a namespace (an Identifier or Coding system) is a name, not a
// pointer, as the reference's command line reads it. Left alone: a loaded
// definition's canonical, the canonical URL a definition declares for
// itself, a Bundle entry's fullUrl (an identity), and extension urls (the
// extension rules judge them).
func (w *walker) exampleURI(s, typ string, k *node, at pathAt) {
	if w.e.allowExampleURLs || (typ != "uri" && typ != "url" && typ != "canonical") || !mayBeExampleURL(s) || !exampleURL(s) {
		return
	}
	if w.definingURL(k.path) || k.path == "Bundle.entry.fullUrl" || extensionURL(k.path) || w.linkExtensionValue(k) {
		return
	}
	// A uri or url points at something only when it names a resource on a
	// server; an OID never does, so it is a pointer only as a canonical.
	if typ != "canonical" && !w.namesResource(s) {
		return
	}
	// A definition loaded in another version is still known (the version
	// is judged where it is used).
	if u, _ := definitions.SplitCanonical(s); w.known(u) {
		return
	}
	w.add(model.Error, CodeExampleURL, w.pathText(at), fmt.Sprintf("%s %q points at an example domain or OID: example URLs are not allowed in real data (allow-example-urls accepts them)", typ, s), s)
}

// linkExtensionValues are extensions whose values the reference validator
// leaves out of the example-URL rule: a narrative's link to the resource it
// renders (textLink, whose target it checks on its own), a CQL library's
// namespace, and the publisher's page and source links.
var linkExtensionValues = map[string]bool{
	extTextLink: true,
	"http://hl7.org/fhir/uv/cql/StructureDefinition/cql-namespaceUri": true,
	"http://hl7.org/fhir/tools/StructureDefinition/ig-page-name":      true,
	"http://hl7.org/fhir/StructureDefinition/web-source":              true,
	"http://hl7.org/fhir/tools/StructureDefinition/web-source":        true,
}

// linkExtensionValue reports whether element k is the value of such an
// extension (or of a sub-extension of one: the nearest absolute url is the
// one that counts), whether or not its definition is loaded.
func (w *walker) linkExtensionValue(k *node) bool {
	return w.extParent != nil && linkExtensionValues[w.extParent.url] && strings.HasSuffix(k.path, ".value[x]")
}

// namesResource reports whether a URL's path has a segment that is a FHIR
// resource type: the URL of a resource on a FHIR server.
func (w *walker) namesResource(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg != "" && seg[0] >= 'A' && seg[0] <= 'Z' && w.e.IsResourceType(seg) {
			return true
		}
	}
	return false
}

// extensionURL reports whether an element path is the url of an extension.
func extensionURL(elementPath string) bool {
	return elementPath == "Extension.url" || strings.HasSuffix(elementPath, "xtension.url")
}

func (w *walker) known(canonical string) bool {
	return w.heldKind(canonical) != ""
}
