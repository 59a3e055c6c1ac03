package fhir

import (
	"bytes"

	"github.com/carecert/carecert/internal/lineindex"
	"github.com/carecert/carecert/model"
)

// bundleScan is one pass of the one-pass decoder over a document that may
// be a Bundle, noting where each resource of the root's entries (root
// object, entry array, entry object: depth 3) lies as it passes, so that
// each entry's record is placed without an index of the document's paths.
// With leaveOut, it also takes each entry's resource out of a Bundle's tree
// and summarises it (model.BundleEntry) in the same pass: nothing else
// will read it whole. A tree kept whole is summarised from the tree when a
// rule asks (BundleEntries), on a worker rather than the one reader.
type bundleScan struct {
	// leaveOut takes each entry's resource out of a Bundle's tree; a
	// placeholder holds its place until finish removes it. Only a root
	// already known to be a Bundle (resourceType read before entry) and not
	// known to be a document or a message (followsGraph) has its resources
	// left out, and only resources that name their type (the Bundle's
	// schema asks that of each); another document keeps its tree whole.
	leaveOut bool
	// rootType is the root's resourceType once read; bundleType is its
	// type and signed says it has a signature, as far as read before the
	// entries.
	rootType, bundleType string
	signed               bool
	// inEntries is set while the root's entry array is read, leaving while
	// it is read with its resources left out.
	inEntries, leaving bool
	// noted are the resources' spans in document order, with their
	// summaries when they were read leaving; finish makes entries of them,
	// one per item of Bundle.entry, and the lines on which they start.
	noted   []model.BundleEntry
	entries []model.BundleEntry
	lines   lineindex.EntryLines
	// left says a resource was taken out of the tree.
	left bool
}

// placeholder stands for an entry's resource left out of the tree, so that
// the entry's object still counts the key (a repeated "resource" is still
// seen) until finish removes it.
type placeholder struct{}

// member reads the value of key k of an object at depth, as
// fastDecoder.value does, noting the span of each entry's resource (and,
// leaving, its summary).
func (b *bundleScan) member(d *fastDecoder, depth int, k string) (any, bool) {
	opens := func(c byte) bool { return d.i < len(d.data) && d.data[d.i] == c }
	switch {
	case depth == 1 && k == "entry" && opens('['):
		b.inEntries, b.leaving = true, b.leaveOut && b.rootType == "Bundle" && apartAllowed(b.bundleType, b.signed)
		v, ok := d.value(depth)
		b.inEntries, b.leaving = false, false
		return v, ok
	case depth == 1 && (k == "resourceType" || k == "type" || k == "signature"):
		v, ok := d.value(depth)
		s, _ := v.(string)
		switch k {
		case "type":
			b.bundleType = s
		case "signature":
			b.signed = true
		default:
			b.rootType = s
		}
		return v, ok
	case depth == 3 && b.inEntries && k == "resource" && opens('{'):
		start := d.i
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		e := model.BundleEntry{Start: int64(start), End: int64(d.i)}
		if !b.leaving {
			b.noted = append(b.noted, e)
			return v, true
		}
		// no links: a Bundle whose type, read after its entries, says it
		// has a graph is read again whole (finish)
		res := v.(map[string]any)
		summarizeResource(&e, res, false)
		b.noted = append(b.noted, e)
		if e.ResourceType != "" {
			b.left = true
			return placeholder{}, true
		}
		return res, true
	}
	return d.value(depth)
}

// finish notes the lines of the entries' resources of the tree res, which
// the scan of data read, and, where it left resources out, makes the
// entries' summaries; it reports whether the tree can be used as the scan
// left it. A tree whose resources were left out can not when its Bundle is
// a document or a message or is signed (the type or signature read after
// the entries), an entry is itself a Bundle (whose own entries are records
// too) or a key is repeated anywhere (whose findings are placed by the
// whole document's paths).
func (b *bundleScan) finish(res map[string]any, data []byte, repeated bool) bool {
	noted := b.noted
	b.noted = nil
	if repeated || ResourceType(res) != "Bundle" {
		// a repeated "resource" would leave an entry noted twice
		return !b.left
	}
	if b.left && !apartAllowed(bundleType(res), signed(res)) {
		return false
	}
	list, _ := res["entry"].([]any)
	if b.left {
		b.entries = make([]model.BundleEntry, len(list))
	}
	k, line, at := 0, 1, 0
	for i, item := range list {
		em, ok := item.(map[string]any)
		if !ok {
			continue
		}
		r := em["resource"]
		kept, isMap := r.(map[string]any)
		_, isLeft := r.(placeholder)
		if !isMap && !isLeft {
			if b.left {
				summarizeEntry(&b.entries[i], em)
			}
			continue
		}
		span := noted[k]
		k++
		if b.left {
			e := &b.entries[i]
			*e = span
			summarizeEntry(e, em)
			e.Resource = kept
			if isLeft {
				delete(em, "resource")
			}
			if e.ResourceType == "Bundle" {
				return false
			}
		}
		line += bytes.Count(data[at:span.Start], []byte{'\n'})
		at = int(span.Start)
		b.lines.Set(i, line)
	}
	return true
}

// apartAllowed reports whether the entries of a root Bundle of type typ,
// signed or not, may be read apart from its tree, each a record decoded
// alone: not when the Bundle's rules read across its entries' resources,
// as a document's and a message's follow references from their first entry
// and a signature covers the whole Bundle. The JSON scan asks it at the
// entry array and again at the end (the type or signature may follow the
// entries), the XML reader at the first entry and again at the end.
func apartAllowed(typ string, signed bool) bool {
	return !graphType(typ) && !signed
}

// bundleType is a Bundle's type ("" when it has none).
func bundleType(bundle map[string]any) string {
	typ, _ := bundle["type"].(string)
	return typ
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
