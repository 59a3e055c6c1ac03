package profile

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/carecert/carecert/fhir/narrative"
	"github.com/carecert/carecert/model"
)

// narrativeLinks checks where a narrative's links and images point (R4 §2.4
// Narrative, and the reference validator's rules for them): a local link
// (#id) or image (#id) must find its target among the resource's element
// ids and the anchors of its narratives (for a link, also anywhere in the
// Bundle the resource travels in); a link to several targets is ambiguous.
// A link's scheme must be one a browser follows: urn: and cid: name things
// rather than locate them, and schemes other than http, https, tel, mailto
// and data may not be followed by readers (information).
func (w *walker) narrativeLinks(links []narrative.Link, path string) {
	for _, l := range links {
		if target, ok := strings.CutPrefix(l.Value, "#"); ok {
			if target == "" {
				continue // the top of the page
			}
			n, decided := w.anchors(target, l.Element == "a")
			switch {
			case n == 0 && !decided:
				w.add(model.Information, CodeNarrative, path, fmt.Sprintf("the narrative's <%s %s=%q> was not checked: no element of the resource has the id %q, and an entry of its Bundle could not be read to look there", l.Element, l.Attr, l.Value, target), "")
			case n == 0:
				w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the narrative's <%s %s=%q> points at nothing: no element of the resource and no anchor of its narrative has the id %q", l.Element, l.Attr, l.Value, target), "")
			case n > 1 && l.Element == "img":
				w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the narrative's <img src=%q> matches %d elements with the id %q: an image must have one source", l.Value, n, target), "")
			case n > 1:
				w.add(model.Warning, CodeNarrative, path, fmt.Sprintf("the narrative's <a href=%q> matches %d elements with the id %q: the link is ambiguous", l.Value, n, target), "")
			}
			continue
		}
		if l.Element != "a" || !absoluteURI(l.Value) {
			continue
		}
		switch scheme := strings.ToLower(l.Value[:strings.IndexByte(l.Value, ':')]); scheme {
		case "http", "https", "tel", "mailto", "data", "javascript", "vbscript":
			// followed by every reader; scripts are reported with the XHTML
		case "urn", "cid":
			w.add(model.Error, CodeNarrative, path, fmt.Sprintf("the narrative links to %q: a %s: URI names something but cannot be followed as a hyperlink", l.Value, scheme), "")
		default:
			w.add(model.Information, CodeNarrative, path, fmt.Sprintf("the narrative links with the scheme %s: (%q), which readers may not be able to follow", scheme, l.Value), "")
		}
	}
}

// anchors counts what a #fragment can point at: element ids (the resource's
// own id included) and narrative anchors, in the resource being walked, then
// in the record's resource, then (inBundle) in the Bundle it came in, whose
// entries its index reads whether the tree holds them or not
// (localIndex.anchorCounts). decided is false when none was found and an
// entry of the Bundle could not be read: carecert cannot say the fragment
// points at nothing.
func (w *walker) anchors(id string, inBundle bool) (n int, decided bool) {
	n = w.countAnchors(w.res, id)
	if n == 0 && w.root != nil && !sameMap(w.root, w.res) {
		n = w.countAnchors(w.root, id)
	}
	if n == 0 && inBundle && w.rec.Container != nil && w.rec.Container.Type == "Bundle" {
		counts, unread := w.e.bundleIndex(w.rec.Container).anchorCounts(w)
		n = counts[id]
		return n, n > 0 || unread == 0
	}
	return n, true
}

func (w *walker) countAnchors(v any, id string) int {
	n := 0
	w.eachAnchor(v, func(a string) {
		if a == id {
			n++
		}
	})
	return n
}

// eachAnchor calls fn with everything in v a #fragment can point at: each
// element id and each anchor of a narrative (repeated ones as often as
// they are written).
func (w *walker) eachAnchor(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			switch {
			case k == "id":
				if s, ok := c.(string); ok {
					fn(s)
				}
			case k == "div":
				if s, ok := c.(string); ok {
					res := w.narrativeOf(s)
					for _, a := range res.IDs {
						fn(a)
					}
					for _, a := range res.DuplicateIDs {
						fn(a)
					}
				}
			default:
				w.eachAnchor(c, fn)
			}
		}
	case []any:
		for _, c := range x {
			w.eachAnchor(c, fn)
		}
	}
}

// narrativeOf checks a div other than the one being walked without
// displacing it from the cache.
func (w *walker) narrativeOf(div string) narrative.Result {
	if w.div != nil && w.div.div == div {
		return w.div.res
	}
	return narrative.Check(div)
}

func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}
