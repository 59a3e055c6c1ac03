package fhir

import (
	"bytes"

	"github.com/carecert/carecert/internal/lineindex"
	"github.com/carecert/carecert/model"
)

// bundleScan is one pass of the one-pass decoder over a document that may
// be a Bundle, summarising each resource of the root's entries (root
// object, entry array, entry object: depth 3) as it passes, so that the
// Bundle's entries are known (model.BundleEntry) without a second walk of
// its tree.
type bundleScan struct {
	// leaveOut takes each entry's resource out of a Bundle's tree; a
	// placeholder holds its place until finish removes it. Only a root
	// already known to be a Bundle (resourceType read before entry) has its
	// resources left out, and only resources that name their type (the
	// Bundle's schema asks that of each); another document keeps its tree
	// whole.
	leaveOut bool
	// rootType is the root's resourceType once read; bundleType is its
	// type, and typeRead says whether it was read before the entries.
	rootType, bundleType string
	typeRead             bool
	// inEntries is set while the root's entry array is read, leaving while
	// it is read with its resources left out.
	inEntries, leaving bool
	// noted are the resources' summaries in document order, with their
	// spans; finish makes entries of them, one per item of Bundle.entry,
	// and the lines on which the resources start.
	noted   []model.BundleEntry
	entries []model.BundleEntry
	lines   lineindex.EntryLines
	// left says finish took resources out of the tree.
	left bool
}

// placeholder stands for an entry's resource left out of the tree, so that
// the entry's object still counts the key (a repeated "resource" is still
// seen) until finish removes it.
type placeholder struct{}

// member reads the value of key k of an object at depth, as
// fastDecoder.value does, noting the span and summary of each entry's
// resource.
func (b *bundleScan) member(d *fastDecoder, depth int, k string) (any, bool) {
	opens := func(c byte) bool { return d.i < len(d.data) && d.data[d.i] == c }
	switch {
	case depth == 1 && k == "entry" && opens('['):
		b.inEntries, b.leaving = true, b.leaveOut && b.rootType == "Bundle"
		v, ok := d.value(depth)
		b.inEntries, b.leaving = false, false
		return v, ok
	case depth == 1 && (k == "resourceType" || k == "type"):
		v, ok := d.value(depth)
		s, _ := v.(string)
		if k == "type" {
			b.bundleType, b.typeRead = s, true
		} else {
			b.rootType = s
		}
		return v, ok
	case depth == 3 && b.inEntries && k == "resource" && opens('{'):
		start := d.i
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		res := v.(map[string]any)
		e := model.BundleEntry{Start: int64(start), End: int64(d.i)}
		// a type written after the entries is not known yet: the links are
		// collected, and finish drops them if the Bundle has no graph
		graph := !b.typeRead || b.bundleType == "document" || b.bundleType == "message"
		summarizeResource(&e, res, graph)
		b.noted = append(b.noted, e)
		if b.leaving && e.ResourceType != "" {
			return placeholder{}, true
		}
		return res, true
	}
	return d.value(depth)
}

// finish makes the entries of the tree res, which the scan of data read,
// and reports whether the tree can be used as the scan left it: a Bundle
// whose resources were left out can not when an entry is itself a Bundle
// (whose own entries are records too) or a key repeated anywhere (whose
// findings are placed by the whole document's paths). Entries are made
// only for a Bundle without a repeated key.
func (b *bundleScan) finish(res map[string]any, data []byte, repeated bool) bool {
	leaving := b.leaveOut && b.rootType == "Bundle" && len(b.noted) > 0
	noted := b.noted
	b.noted = nil
	if repeated || ResourceType(res) != "Bundle" {
		// a repeated "resource" would leave an entry noted twice
		return !leaving
	}
	list, _ := res["entry"].([]any)
	graph := followsGraph(res)
	if leaving && (graph || signed(res)) {
		return false
	}
	b.entries = make([]model.BundleEntry, len(list))
	k, line, at := 0, 1, 0
	for i, item := range list {
		em, ok := item.(map[string]any)
		if !ok {
			continue
		}
		e := &b.entries[i]
		var kept map[string]any
		switch r := em["resource"].(type) {
		case placeholder:
			delete(em, "resource")
			b.left = true
		case map[string]any:
			kept = r
		default:
			summarizeEntry(e, em)
			continue
		}
		*e = noted[k]
		k++
		summarizeEntry(e, em)
		e.Resource = kept
		if !graph {
			e.References, e.URLs = nil, nil
		}
		if leaving && e.ResourceType == "Bundle" {
			return false
		}
		line += bytes.Count(data[at:e.Start], []byte{'\n'})
		at = int(e.Start)
		b.lines.Set(i, line)
	}
	return true
}

// signed reports whether a Bundle has a signature, which digests the whole
// Bundle: such a Bundle keeps its tree whole, as does a document or a
// message (followsGraph), whose narratives and links reach across its
// entries. A Bundle held to a profile is read whole by the profile engine
// where the profile needs it (profile.Engine, wholeBundle).
func signed(bundle map[string]any) bool {
	_, ok := bundle["signature"]
	return ok
}
