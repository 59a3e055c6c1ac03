package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// searchSetRules checks the entries of a search result (R4 §3.1.1.5.8 and
// Bundle.entry.search): the Bundle says which search it answers (a self
// link), each entry says why it is there (search.mode), a match or an
// include is a resource with an id, a match is of the type searched for, and
// an outcome is an OperationOutcome. As in the reference validator, when no
// entry gives a mode the Bundle is only warned about: the server may predate
// search.mode.
func (w *walker) searchSetRules(b map[string]any, entries []model.BundleEntry, path string) {
	var self string
	for _, l := range objects(b["link"]) {
		if l["relation"] == "self" {
			self, _ = l["url"].(string)
			break
		}
	}
	if self == "" {
		w.add(model.Warning, CodeBundle, path, "a searchset Bundle should have a self link giving the search it answers", "")
	}
	types := w.searchedTypes(self)
	modes := 0
	for _, e := range entries {
		if e.HasSearchMode {
			modes++
		}
	}
	for i, e := range entries {
		if !e.Object {
			continue
		}
		ep := path + ".entry[" + strconv.Itoa(i) + "]"
		if !e.HasResource {
			w.add(model.Error, CodeBundle, ep, fmt.Sprintf("entry %d of a searchset Bundle has no resource: a search returns resources", i), "")
			continue
		}
		rt, hasID, mode := e.ResourceType, e.HasID, e.SearchMode
		rp := ep + ".resource"
		if modes == 0 {
			switch {
			case rt == "OperationOutcome":
			case len(types) > 0 && !slices.Contains(types, rt):
				w.add(model.Warning, CodeBundle, ep, fmt.Sprintf("entry %d is a %s, but the search was for %s; give entries a search.mode to say which are matches", i, rt, strings.Join(types, ", ")), "")
			case !hasID:
				w.add(model.Warning, CodeBundle, rp, fmt.Sprintf("the %s in entry %d has no id: search results are resources on the server, with their ids", rt, i), "")
			}
			continue
		}
		switch mode {
		case "":
			w.add(model.Warning, CodeBundle, ep, fmt.Sprintf("entry %d has no search.mode, which says whether it is a match, an include or an outcome", i), "")
		case "match", "include":
			if !hasID {
				w.add(model.Error, CodeBundle, rp, fmt.Sprintf("the %s in entry %d (search mode %s) has no id: search results are resources on the server, with their ids", rt, i, mode), "")
			}
			if mode == "match" && len(types) > 0 && !slices.Contains(types, rt) {
				w.add(model.Error, CodeBundle, rp, fmt.Sprintf("entry %d is a match of a search for %s, but it is a %s", i, strings.Join(types, ", "), rt), "")
			}
		case "outcome":
			if rt != "OperationOutcome" {
				w.add(model.Error, CodeBundle, rp, fmt.Sprintf("entry %d has search mode outcome, so it must be an OperationOutcome, not a %s", i, rt), "")
			}
		}
	}
}

// searchedTypes reads the resource types a search URL is for: the type it
// is made on (…/Patient?name=x), or those its _type parameter lists for a
// search across types. nil when the URL does not say.
func (w *walker) searchedTypes(url string) []string {
	if url == "" {
		return nil
	}
	head, query, _ := strings.Cut(url, "?")
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		head = head[i+1:]
	}
	if w.e.IsResourceType(head) {
		return []string{head}
	}
	var types []string
	for _, p := range strings.Split(query, "&") {
		if list, ok := strings.CutPrefix(p, "_type="); ok {
			types = append(types, strings.Split(list, ",")...)
		}
	}
	return types
}
