package profile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// bundleRules checks what the Bundle invariants demand and that readers most
// often get wrong: unique fullUrls and entry.request in transactions and
// batches (checked natively so they hold with or without FHIRPath); then the
// rules of each Bundle type: fullUrls (bundle_entries.go), the graph of a
// document or message (bundle_graph.go) and search results
// (bundle_search.go). They read the entries' summaries (model.BundleEntry),
// never an entry's resource, so a Bundle whose entries are records of their
// own is judged without holding them.
func (w *walker) bundleRules(b map[string]any, path string) {
	typ, _ := b["type"].(string)
	links, _ := b["link"].([]any)
	w.uniqueLinks(typ, links, path)
	w.bundleSignature(b, path)
	x := w.bundleIndexOf(b)
	entries := x.entries
	w.bundleShape(typ, entries, links, path)
	w.bundleEntryRules(typ, entries, path)
	w.bundleGraph(typ, x, links, path)
	if typ == "searchset" {
		w.searchSetRules(b, entries, path)
	}
	if typ == "document" {
		w.documentStylesheets(x, links, path)
	}
	seen := map[string]int{}
	for i, e := range entries {
		if !e.Object {
			continue
		}
		ep := path + ".entry[" + strconv.Itoa(i) + "]"
		if e.HasFullURL {
			full := e.FullURL
			if !absoluteURI(full) {
				w.add(model.Error, CodeBundle, ep+".fullUrl", fmt.Sprintf("fullUrl %q must be an absolute URL or a urn:uuid: / urn:oid:", full), "")
			}
			key := full
			if e.HasVersionID {
				key += "|" + e.VersionID
			}
			if first, dup := seen[key]; dup {
				w.add(model.Error, CodeBundle, ep+".fullUrl", fmt.Sprintf("fullUrl %s is used by entry %d too: fullUrls must be unique within a Bundle (bdl-7)", full, first), "")
			} else {
				seen[key] = i
			}
		}
		switch typ {
		case "transaction", "batch", "history":
			if !e.HasRequest {
				w.add(model.Error, CodeBundle, ep, fmt.Sprintf("entry %d of a %s Bundle has no request: every entry needs request.method and request.url (bdl-3)", i, typ), "")
			}
		default:
			if e.HasRequest {
				w.add(model.Error, CodeBundle, ep+".request", fmt.Sprintf("entry %d has a request, which only transaction, batch and history Bundles may have (bdl-3)", i), "")
			}
		}
		switch typ {
		case "transaction-response", "batch-response", "history":
			if !e.HasResponse {
				w.add(model.Error, CodeBundle, ep, fmt.Sprintf("entry %d of a %s Bundle has no response (bdl-4)", i, typ), "")
			}
		default:
			if e.HasResponse {
				w.add(model.Error, CodeBundle, ep+".response", fmt.Sprintf("entry %d has a response, which only response and history Bundles may have (bdl-4)", i), "")
			}
		}
	}
}

// uniqueLinks reports a link relation that names one resource a second time:
// a Bundle has one self link, and search results (a searchset or history)
// one link to each of their first, previous, next and last pages (R4
// §3.1.1.3 paging, Bundle.link). Other relations may repeat: a document
// names several stylesheets, any Bundle several alternates. The reference
// validator's BundleValidator holds the same relations unique per type.
func (w *walker) uniqueLinks(typ string, links []any, path string) {
	seen := map[string]bool{}
	for i, l := range links {
		lm, _ := l.(map[string]any)
		rel, _ := lm["relation"].(string)
		switch rel {
		case "self":
		case "first", "previous", "next", "last":
			if typ != "searchset" && typ != "history" {
				continue // bundleShape prohibits them outside search results
			}
		default:
			continue
		}
		if seen[rel] {
			w.add(model.Error, CodeBundle, path+".link["+strconv.Itoa(i)+"]", fmt.Sprintf("the link relation %q may occur only once: it names the one %s", rel, linkTarget(rel)), "")
		}
		seen[rel] = true
	}
}

// linkTarget says what a relation a Bundle may have once names.
func linkTarget(rel string) string {
	if rel == "self" {
		return "address of this Bundle"
	}
	return rel + " page of the results"
}

// absoluteURI reports whether s starts with a URI scheme ("http:", "urn:").
func absoluteURI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return false
	}
	for i, c := range s[:colon] {
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}
