package profile

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// bundleGraph checks that a document or a message is one graph (R4 §3.3.1
// "Document Content", §4.2 "Messaging"): every entry is reachable from the
// first (the Composition or the MessageHeader) by following references and
// URLs between entries. An entry that only refers into the graph (such as a
// Provenance of the document) is reached backwards; that is expected of a
// Provenance and suspicious for anything else, so it is a warning. An entry
// reached neither way is an orphan: an error in a document, whose content is
// fixed by its Composition, and a warning in a message, as the reference
// validator has it.
func (w *walker) bundleGraph(typ string, b map[string]any, entries []any, links []any, path string) {
	if typ != "document" && typ != "message" || len(entries) == 0 {
		return
	}
	x := w.bundleIndexOf(b)
	// Entries with a resource, by their position; pos maps a resource to it.
	n := len(entries)
	res := make([]map[string]any, n)
	full := make([]string, n)
	pos := make(map[uintptr]int, n)
	for i, e := range entries {
		em, _ := e.(map[string]any)
		r, _ := em["resource"].(map[string]any)
		if r == nil {
			continue
		}
		res[i] = r
		full[i], _ = em["fullUrl"].(string)
		pos[reflect.ValueOf(r).Pointer()] = i
	}
	if res[0] == nil {
		return // reported by bundleShape
	}
	targets := make([][]int, n)
	for i, r := range res {
		if r == nil {
			continue
		}
		seen := map[int]bool{}
		link := func(t int) {
			if t != i && !seen[t] {
				seen[t] = true
				targets[i] = append(targets[i], t)
			}
		}
		entryLinks(r, func(ref string, isReference bool) {
			if isReference {
				ref, _, _ = strings.Cut(ref, "#")
				if ref == "" {
					return
				}
				if m := x.resolve(ref, full[i]).matches; len(m) == 1 {
					if t, ok := pos[reflect.ValueOf(m[0].res).Pointer()]; ok {
						link(t)
					}
				}
				return
			}
			for _, e := range x.byFullURL[ref] {
				if t, ok := pos[reflect.ValueOf(e.res).Pointer()]; ok {
					link(t)
				}
			}
		})
	}
	visited := make([]bool, n)
	var visit func(int)
	visit = func(i int) {
		if visited[i] {
			return
		}
		visited[i] = true
		for _, t := range targets[i] {
			visit(t)
		}
	}
	visit(0)
	// A stylesheet the document names by Type/id is part of it.
	for _, l := range objects(links) {
		if l["relation"] != "stylesheet" {
			continue
		}
		url, _ := l["url"].(string)
		for i, r := range res {
			if r != nil && url != "" && url == fmt.Sprint(r["resourceType"], "/", r["id"]) {
				visit(i)
				break
			}
		}
	}
	for grown := true; grown; {
		grown = false
		for i, r := range res {
			if r == nil || visited[i] {
				continue
			}
			back := false
			for _, t := range targets[i] {
				back = back || visited[t]
			}
			if !back {
				continue
			}
			if rt, _ := r["resourceType"].(string); rt != "Provenance" {
				sev := model.Warning
				if typ == "message" {
					sev = model.Information
				}
				w.add(sev, CodeBundle, path+".entry["+strconv.Itoa(i)+"]", fmt.Sprintf("entry %d%s is reached only by its own references into the %s, not from the %s: the %s should refer to what it carries", i, quoted(full[i]), typ, rootName(typ), rootName(typ)), "")
			}
			visit(i)
			grown = true
		}
	}
	for i, r := range res {
		if r == nil || visited[i] {
			continue
		}
		sev := model.Error
		if typ == "message" {
			sev = model.Warning
		}
		w.add(sev, CodeBundle, path+".entry["+strconv.Itoa(i)+"]", fmt.Sprintf("entry %d%s is an orphan: nothing links it to the %s, so it is not part of the %s", i, quoted(full[i]), rootName(typ), typ), "")
	}
}

func rootName(bundleType string) string {
	if bundleType == "message" {
		return "MessageHeader"
	}
	return "Composition"
}

func quoted(fullURL string) string {
	if fullURL == "" {
		return ""
	}
	return " (" + fullURL + ")"
}

// entryLinks calls found with every reference in a resource (a
// Reference.reference, isReference true) and every other string that may be
// a URL of another entry. Code systems and nested Bundles are not links.
func entryLinks(v any, found func(s string, isReference bool)) {
	switch x := v.(type) {
	case map[string]any:
		if x["resourceType"] == "Bundle" {
			return
		}
		for k, c := range x {
			switch k {
			case "system", "div":
				continue
			case "reference":
				if s, ok := c.(string); ok {
					found(s, true)
					continue
				}
			}
			entryLinks(c, found)
		}
	case []any:
		for _, c := range x {
			entryLinks(c, found)
		}
	case string:
		if strings.Contains(x, ":") {
			found(x, false)
		}
	}
}

// bundleIndexOf returns the index of a Bundle's entries: the record's own
// (shared with its entries) when b is the record's resource.
func (w *walker) bundleIndexOf(b map[string]any) *localIndex {
	if w.rec.Resource() != nil && reflect.ValueOf(w.rec.Resource()).Pointer() == reflect.ValueOf(b).Pointer() {
		return w.sink.locals.bundleIndex(w.rec)
	}
	return indexBundleResource(w.rec, b)
}
