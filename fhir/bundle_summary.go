package fhir

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir/fhirxml"
	"github.com/carecert/carecert/model"
)

// BundleEntries returns the summaries of a Bundle record's entries: those its
// reader made (model.Record.Entries), or else ones made from its resource.
func BundleEntries(rec *model.Record) []model.BundleEntry {
	if rec.Entries != nil {
		return rec.Entries
	}
	return SummarizeEntries(rec.Resource())
}

// EntriesApart reports whether a Bundle record's reader left its entries'
// resources out of its tree (ReadFileApart): each is a record of its own,
// and the tree holds the rest of the Bundle.
func EntriesApart(rec *model.Record) bool {
	for i := range rec.Entries {
		if e := &rec.Entries[i]; e.HasResource && e.Resource == nil {
			return true
		}
	}
	return false
}

// WholeBundle returns a copy of a Bundle record whose entries are apart
// (EntriesApart) holding the whole Bundle, entries and all, decoded again
// from its bytes, for a rule that judges entries in the Bundle's own walk
// (a Bundle profile's entry slices); the record itself when they are not
// apart. The copy's entries are summarised from its tree. The whole form is
// decoded once per record and kept on it (model.Record.Keep), so every
// profile and rule that asks shares it and it goes with the record: a large
// Bundle is read apart to spare memory, which one tree per asking check
// would spend again.
func WholeBundle(rec *model.Record) (*model.Record, error) {
	if !EntriesApart(rec) {
		return rec, nil
	}
	if v, ok := rec.Kept(wholeKey{}); ok {
		w := v.(wholeForm)
		return w.rec, w.err
	}
	w := decodeWhole(rec)
	rec.Keep(wholeKey{}, w)
	return w.rec, w.err
}

// wholeKey is what WholeBundle keeps a record's whole form under.
type wholeKey struct{}

// wholeForm is a Bundle record's whole form, or why it could not be read.
type wholeForm struct {
	rec *model.Record
	err error
}

// decodeWhole decodes the whole Bundle of a record whose entries are apart.
func decodeWhole(rec *model.Record) wholeForm {
	var res map[string]any
	var err error
	if rec.Format == model.FormatXML {
		res, err = fhirxml.Decode(rec.Raw)
	} else {
		res, err = Decode(rec.Raw)
	}
	if err != nil {
		return wholeForm{err: fmt.Errorf("reading %s again whole: %w", rec.Source, err)}
	}
	whole := rec.Copy()
	whole.Value, whole.Entries, whole.Raw = res, nil, nil
	return wholeForm{rec: whole}
}

// SummarizeEntries summarises the entries of a decoded Bundle, one per item
// of Bundle.entry, keeping each entry's resource. The links of an entry are
// collected only in a document or a message, whose graph is followed.
func SummarizeEntries(bundle map[string]any) []model.BundleEntry {
	entries, _ := bundle["entry"].([]any)
	graph := followsGraph(bundle)
	out := make([]model.BundleEntry, len(entries))
	for i, v := range entries {
		em, ok := v.(map[string]any)
		if !ok {
			continue
		}
		e := &out[i]
		summarizeEntry(e, em)
		if res, ok := em["resource"].(map[string]any); ok {
			e.Resource = res
			summarizeResource(e, res, graph)
		}
	}
	return out
}

// EntryResource decodes again the resource of entry e of the Bundle record
// bundle, which its reader left out of the Bundle's tree, from the
// Bundle's bytes (Raw) at the entry's span, in the format the Bundle was
// written in.
func EntryResource(bundle *model.Record, e *model.BundleEntry) (map[string]any, error) {
	raw := bundle.Raw
	if e.End <= e.Start || int64(len(raw)) < e.End {
		return nil, fmt.Errorf("entry bytes %d to %d are not in the Bundle's %d", e.Start, e.End, len(raw))
	}
	if bundle.Format == model.FormatXML {
		res, _, _, err := fhirxml.DecodeEntry(raw[e.Start:e.End], e.Namespaces, 1)
		return res, err
	}
	return Decode(raw[e.Start:e.End])
}

// followsGraph reports whether the entries of a Bundle are a graph the
// profile engine follows (a document's or a message's), whose links the
// summaries collect.
func followsGraph(bundle map[string]any) bool { return graphType(bundleType(bundle)) }

// graphType reports whether a Bundle of type typ is a document or a message.
func graphType(typ string) bool { return typ == "document" || typ == "message" }

// summarizeEntry fills what the summary of an entry says of the entry
// itself (em, the entry's object).
func summarizeEntry(e *model.BundleEntry, em map[string]any) {
	e.Object = true
	e.FullURL, e.HasFullURL = em["fullUrl"].(string)
	_, e.HasRequest = em["request"]
	_, e.HasResponse = em["response"]
	if s, ok := em["search"].(map[string]any); ok && s["mode"] != nil {
		e.HasSearchMode = true
		e.SearchMode, _ = s["mode"].(string)
	}
}

// summarizeResource fills what the summary of an entry says of its
// resource res, with its links when graph is set.
func summarizeResource(e *model.BundleEntry, res map[string]any, graph bool) {
	e.HasResource = true
	e.ResourceType, _ = res["resourceType"].(string)
	e.ID, e.HasID = res["id"].(string)
	e.URL, _ = res["url"].(string)
	if meta, ok := res["meta"].(map[string]any); ok {
		e.VersionID, e.HasVersionID = meta["versionId"].(string)
	}
	if graph {
		EntryLinks(res, func(s string, isReference bool) {
			if isReference {
				e.References = append(e.References, s)
			} else {
				e.URLs = append(e.URLs, s)
			}
		})
	}
}

// EntryLinks calls found with every reference in a resource (a
// Reference.reference, isReference true) and every other string that may be
// a URL of another entry. Code systems, narratives and nested Bundles are
// not links.
func EntryLinks(v any, found func(s string, isReference bool)) {
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
			EntryLinks(c, found)
		}
	case []any:
		for _, c := range x {
			EntryLinks(c, found)
		}
	case string:
		if strings.Contains(x, ":") {
			found(x, false)
		}
	}
}
