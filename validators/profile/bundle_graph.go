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
func (w *walker) bundleGraph(typ string, x *localIndex, links []any, path string) {
	n := len(x.entries)
	if typ != "document" && typ != "message" || n == 0 {
		return
	}
	if !x.entries[0].HasResource {
		return // reported by bundleShape
	}
	// targets lists, per entry, the entries holding a resource it links to.
	targets := make([][]int, n)
	for i := range x.entries {
		s := &x.entries[i]
		if !s.HasResource {
			continue
		}
		seen := map[int]bool{}
		link := func(t int) {
			if t != i && !seen[t] {
				seen[t] = true
				targets[i] = append(targets[i], t)
			}
		}
		for _, ref := range s.References {
			ref, _, _ = strings.Cut(ref, "#")
			if ref == "" {
				continue
			}
			if m := x.resolve(ref, s.FullURL).matches; len(m) == 1 && m[0].held {
				link(m[0].index)
			}
		}
		for _, u := range s.URLs {
			for _, e := range x.byFullURL.find(u) {
				if e.held {
					link(e.index)
				}
			}
		}
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
		if e := x.namedTypeID(url); e != nil {
			visit(e.index)
		}
	}
	for grown := true; grown; {
		grown = false
		for i, s := range x.entries {
			if !s.HasResource || visited[i] {
				continue
			}
			back := false
			for _, t := range targets[i] {
				back = back || visited[t]
			}
			if !back {
				continue
			}
			if s.ResourceType != "Provenance" {
				sev := model.Warning
				if typ == "message" {
					sev = model.Information
				}
				w.add(sev, CodeBundle, path+".entry["+strconv.Itoa(i)+"]", fmt.Sprintf("entry %d%s is reached only by its own references into the %s, not from the %s: the %s should refer to what it carries", i, quoted(s.FullURL), typ, rootName(typ), rootName(typ)), "")
			}
			visit(i)
			grown = true
		}
	}
	for i, s := range x.entries {
		if !s.HasResource || visited[i] {
			continue
		}
		sev := model.Error
		if typ == "message" {
			sev = model.Warning
		}
		w.add(sev, CodeBundle, path+".entry["+strconv.Itoa(i)+"]", fmt.Sprintf("entry %d%s is an orphan: nothing links it to the %s, so it is not part of the %s", i, quoted(s.FullURL), rootName(typ), typ), "")
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

// bundleIndexOf returns the index of a Bundle's entries: the record's own
// (shared with its entries) when b is the record's resource, the walk's
// when it is the nested Bundle being walked.
func (w *walker) bundleIndexOf(b map[string]any) *localIndex {
	p := reflect.ValueOf(b).Pointer()
	if w.rec.Resource() != nil && reflect.ValueOf(w.rec.Resource()).Pointer() == p {
		return w.e.bundleIndex(w.rec)
	}
	if w.bundle != nil && w.bundle.of == p {
		return w.bundle
	}
	return indexBundleResource(w.rec, b)
}
