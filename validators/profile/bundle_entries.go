package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/model"
)

// bundleEntryRules checks each entry's fullUrl against the Bundle rules of R4
// (§2.36.4 "fullUrl"): every entry of a Bundle that is not a transaction or a
// batch (or their responses) has one, and a RESTful fullUrl (…/Type/id) names
// the type and id of the resource it holds. The reference validator judges
// both as errors.
func (w *walker) bundleEntryRules(typ string, entries []model.BundleEntry, path string) {
	optional := typ == "transaction" || typ == "transaction-response" || typ == "batch" || typ == "batch-response"
	for i, e := range entries {
		if !e.Object {
			continue
		}
		ep := path + ".entry[" + strconv.Itoa(i) + "]"
		full := e.FullURL
		if !e.HasFullURL {
			if !optional && typ != "" {
				w.add(model.Error, CodeBundle, ep, fmt.Sprintf("entry %d has no fullUrl: every entry of a %s Bundle needs one (only transaction and batch entries may leave it out)", i, typ), "")
			}
			continue
		}
		if !e.HasResource || !absoluteURI(full) {
			continue
		}
		rt := e.ResourceType
		urlType, urlID, ok := restfulURL(full, w.e.IsResourceType)
		if !ok {
			w.canonicalAsFullURL(e, full, ep)
			continue
		}
		switch {
		case !e.HasID:
			w.add(model.Error, CodeBundle, ep, fmt.Sprintf("the fullUrl %s names a %s/%s, but the resource in the entry has no id", full, urlType, urlID), "")
		case urlType != rt || urlID != e.ID:
			w.add(model.Error, CodeBundle, ep, fmt.Sprintf("the fullUrl %s does not match the resource it holds, a %s with id %q: a RESTful fullUrl must end in /%s/%s", full, rt, e.ID, rt, e.ID), "")
		}
	}
}

// restfulURL splits a RESTful URL, http(s)://base/Type/id (optionally
// /_history/version), into the resource type and id it names. ok is false
// for URLs of other shapes (urn:uuid:, a canonical URL whose last segments
// are not a resource type and an id).
func restfulURL(u string, isType func(string) bool) (typ, id string, ok bool) {
	rest, found := strings.CutPrefix(u, "http://")
	if !found {
		if rest, found = strings.CutPrefix(u, "https://"); !found {
			return "", "", false
		}
	}
	if strings.ContainsAny(rest, "?#") {
		return "", "", false
	}
	// A version, when the URL names one, is an id too.
	typ, id, version, ok := fhir.VersionedReference(rest)
	versioned := version != "" || strings.HasSuffix(rest, "/_history/")
	if !ok || !isType(typ) || !lexical.Valid("id", id) || versioned && !lexical.Valid("id", version) {
		return "", "", false
	}
	return typ, id, true
}

// bundleShape checks what the type of a Bundle demands of its first entry
// and its links (R4 §2.36.3, documents §3.3 and messaging §4.2): a document
// starts with its Composition and a message with its MessageHeader, neither
// may be empty, and paging links belong only to searches and histories.
func (w *walker) bundleShape(typ string, entries []model.BundleEntry, links []any, path string) {
	switch typ {
	case "document", "message":
		first := "Composition"
		if typ == "message" {
			first = "MessageHeader"
		}
		if len(entries) == 0 {
			w.add(model.Error, CodeBundle, path, fmt.Sprintf("a %s Bundle must have entries, the first of them its %s", typ, first), "")
			break
		}
		if !entries[0].HasResource {
			w.add(model.Error, CodeBundle, path+".entry[0]", fmt.Sprintf("the first entry of a %s Bundle must hold its %s, but has no resource", typ, first), "")
			break
		}
		if rt := entries[0].ResourceType; rt != first {
			w.add(model.Error, CodeBundle, path+".entry[0].resource", fmt.Sprintf("the first entry of a %s Bundle must be a %s, not a %s", typ, first, rt), "")
		}
	}
	switch typ {
	case "searchset", "history", "":
		return
	}
	for i, l := range links {
		lm, _ := l.(map[string]any)
		switch rel, _ := lm["relation"].(string); rel {
		case "first", "previous", "next", "last":
			w.add(model.Error, CodeBundle, path+".link["+strconv.Itoa(i)+"].relation", fmt.Sprintf("the link relation %q pages through search results; a %s Bundle may not have it", rel, typ), "")
		}
	}
}

// canonicalAsFullURL reports a canonical resource whose fullUrl is its own
// canonical URL where that URL is not the RESTful address of the resource
// (…/Type/id): a fullUrl is where the entry's resource lives, which equals
// the canonical URL only on the server that publishes it, there as
// [base]/Type/id (R4 §2.36.4 fullUrl, §2.3.0.7 canonical URLs). The
// reference validator reports it as an error. HL7's v2 and v3 code system
// URLs, which predate the rule, are left alone, as the reference does.
func (w *walker) canonicalAsFullURL(e model.BundleEntry, full, path string) {
	url, rt := e.URL, e.ResourceType
	if url != full || !isCanonicalType(rt) || strings.Contains(url, "/v2-") || strings.Contains(url, "/v3-") ||
		strings.HasPrefix(url, "http://hl7.org/fhir/v2/") || strings.HasPrefix(url, "http://hl7.org/fhir/v3/") {
		return
	}
	w.add(model.Error, CodeBundle, path, fmt.Sprintf("the fullUrl %s is the %s's canonical URL, which is its address only on its own server, written there as [base]/%s/%s: give the entry the address it has here", full, rt, rt, e.ID), full)
}
