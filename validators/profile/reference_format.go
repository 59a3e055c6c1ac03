package profile

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/carecert/carecert/model"
)

// The format of a relative reference, judged as the reference validator
// judges it (R4 §2.3.0.1 Literal references, §2.36.4.1 Resolving references
// in Bundles):
//
//   - A conditional reference, Type?query, is for a server to resolve: its
//     query must be a search (name=value pairs joined by &), and inside a
//     Bundle only a transaction or a batch may carry one, as only their
//     processing resolves it.
//   - Inside the entry of any other Bundle a relative reference is resolved
//     against the entry's fullUrl, so it must have the shape Type/id or
//     Type/id/_history/version; another shape is an error.
//   - Anywhere else a relative reference of another form (an id with
//     characters ids may not have, a bare id, XXX/_history/1) may still mean
//     something to the server it was written for: a warning. One of the
//     shape Type/id whose type FHIR does not define is a warning only when
//     a REST reference's URL is not taken to tell its target's type (the
//     reference's default); under carecert's default it is an error.

var (
	searchParamName  = regexp.MustCompile(`^[_a-zA-Z][_a-zA-Z0-9.:-]*$`)
	searchParamValue = regexp.MustCompile(`^[^=&]*$`)
)

// conditionalType returns the resource type of a conditional reference
// (Type?query) and its query; ok is false when ref is not one.
func (w *walker) conditionalType(ref string) (typ, query string, ok bool) {
	typ, query, found := strings.Cut(ref, "?")
	if !found || !w.e.IsResourceType(typ) {
		return "", "", false
	}
	return typ, query, true
}

// searchQuery reports whether a query is a search: one or more name=value
// pairs joined by &, each name a search parameter's name (with modifiers
// and chains) and no value holding another =.
func searchQuery(q string) bool {
	if q == "" {
		return false
	}
	for _, pair := range strings.Split(q, "&") {
		name, value, found := strings.Cut(pair, "=")
		if !found || !searchParamName.MatchString(name) || !searchParamValue.MatchString(value) {
			return false
		}
	}
	return true
}

// bundleEntryOf returns the type of the Bundle the walked resource is an
// entry of and the entry's fullUrl; in is false outside a Bundle.
func (w *walker) bundleEntryOf() (bundleType, fullURL string, in bool) {
	if w.bundle == nil {
		return "", "", false
	}
	full, _ := w.entryFullURL()
	return w.bundle.bundleType, full, true
}

// conditionalReference judges a conditional reference and returns the type it
// names.
func (w *walker) conditionalReference(ref, typ, query string, rp func() string) string {
	if !searchQuery(query) {
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("conditional reference %q does not have a search as its query: write %s?name=value, pairs joined by &", ref, typ), "")
		return typ
	}
	if bt, _, in := w.bundleEntryOf(); in && bt != "transaction" && bt != "batch" {
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("conditional reference %q in a %s Bundle: only a server processing a transaction or batch resolves one; elsewhere a reference inside a Bundle is Type/id, an absolute URL or a fullUrl", ref, bt), "")
	}
	return typ
}

// malformedReference judges a relative reference that is not Type/id or
// Type/id/_history/version with a known type and valid ids.
func (w *walker) malformedReference(ref string, rp func() string) {
	bt, full, in := w.bundleEntryOf()
	segments := strings.Count(ref, "/") + 1
	if in && full != "" && segments != 2 && segments != 4 {
		what := "Type/id or Type/id/_history/version"
		if bt == "transaction" || bt == "batch" {
			what += ", or a conditional reference (Type?search)"
		}
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %q cannot be resolved against the entry's fullUrl: a relative reference in a Bundle must be %s", ref, what), "")
		return
	}
	if typ := namedType(ref); typ != "" && !w.e.IsResourceType(typ) && !w.e.unresolvedUntyped {
		// Taking a REST reference's URL to tell its target's type (carecert's
		// default, Options.UnresolvedUntyped) makes this a reference to a
		// type FHIR does not have, which no element may refer to.
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %q names the type %s, which is not a FHIR resource type", ref, typ), "")
		return
	}
	w.add(model.Warning, CodeReference, rp(), fmt.Sprintf("reference %q does not look like a valid reference (Type/id with a FHIR resource type and a valid id, an absolute URL, urn:uuid:, or #id): check it", ref), "")
}

// namedType returns the type a relative reference of the shape Type/id or
// Type/id/_history/version names, known or not, and "" for another shape.
func namedType(ref string) string {
	// Read from the slashes, not split: a walk asks this of every reference.
	typ, rest, found := strings.Cut(ref, "/")
	if !found {
		return ""
	}
	switch strings.Count(rest, "/") {
	case 0:
		return typ
	case 2:
		if _, history, _ := strings.Cut(rest, "/"); strings.HasPrefix(history, "_history/") {
			return typ
		}
	}
	return ""
}
