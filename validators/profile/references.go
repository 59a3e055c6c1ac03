package profile

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/carecert/carecert/model"
)

// reference checks a Reference: the format of its reference, the resource type
// it points to against the allowed targets, and its resolution inside the
// record's Bundle or among the resource's contained resources.
func (w *walker) reference(m map[string]any, t *typeInfo, path string) {
	ref, ok := m["reference"].(string)
	if !ok || ref == "" {
		return
	}
	rp := path + ".reference"
	typ := ""
	resolved := false
	switch {
	case strings.HasPrefix(ref, "#"):
		if ref == "#" {
			return // a reference to the containing resource
		}
		c := w.containedByID(ref[1:])
		if c == nil {
			w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %s points at a contained resource that does not exist", ref), "")
			return
		}
		typ, _ = c["resourceType"].(string)
		resolved = true
	case strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:"):
		if msg := checkPrimitive("uri", ref); msg != "" {
			w.add(model.Error, CodeReference, rp, "reference "+msg, "")
			return
		}
		if w.bundle != nil {
			e, ok := w.bundle.byFullURL[ref]
			if !ok {
				// A document or message must be complete; other Bundles may
				// refer to resources held elsewhere.
				sev := model.Warning
				if bt, _ := w.bundle.bundle.Resource()["type"].(string); bt == "document" || bt == "message" {
					sev = model.Error
				}
				w.add(sev, CodeReference, rp, fmt.Sprintf("reference %s is not found in the Bundle (no entry has this fullUrl)", ref), "")
				return
			}
			typ, resolved = e.typ, true
		}
	default:
		if strings.ContainsAny(ref, " \t\r\n") {
			w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %q is not valid: it contains whitespace", ref), "")
			return
		}
		rt, ok := w.referenceType(ref)
		if !ok {
			w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %q is not a valid reference: use Type/id, an absolute URL ending in Type/id, urn:uuid:, or #id for a contained resource", ref), "")
			return
		}
		typ = rt
		if w.bundle != nil {
			if e, ok := w.bundle.resolve(ref, w.rec); ok {
				typ, resolved = e.typ, true
			}
		}
	}
	_ = resolved
	if declared, ok := m["type"].(string); ok && typ != "" && declared != typ && w.e.IsResourceType(declared) {
		w.add(model.Error, CodeReference, path+".type", fmt.Sprintf("Reference.type says %s but the reference points at a %s", declared, typ), "")
	}
	if typ == "" {
		typ, _ = m["type"].(string)
	}
	if typ == "" || len(t.targets) == 0 || slices.Contains(t.targets, "Resource") {
		return
	}
	if !slices.Contains(t.targets, typ) {
		w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference to a %s, but this element may only refer to %s", typ, strings.Join(t.targets, ", ")), "")
	}
}

// referenceType returns the resource type a literal reference names: "Type/id",
// "Type/id/_history/v" or an absolute URL ending so. ok is false when the
// reference has neither form.
func (w *walker) referenceType(ref string) (string, bool) {
	parts := strings.Split(ref, "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	if len(parts) < 2 {
		return "", false
	}
	typ, id := parts[len(parts)-2], parts[len(parts)-1]
	absolute := strings.Contains(ref, "://")
	if !w.e.IsResourceType(typ) || !idRE.MatchString(id) {
		if absolute {
			return "", true // an absolute URL of some other shape: cannot tell its type
		}
		return "", false
	}
	return typ, true
}

func (w *walker) containedByID(id string) map[string]any {
	// A reference inside a contained resource points at the container's
	// contained resources; a nested resource (Parameters) has its own.
	for _, c := range containedOf(w.res) {
		if c["id"] == id {
			return c
		}
	}
	for _, c := range containedOf(w.root) {
		if c["id"] == id {
			return c
		}
	}
	return nil
}

// bundleIndex maps the entries of one Bundle by fullUrl and Type/id, so that
// references resolve without scanning.
type bundleIndex struct {
	bundle    *model.Record
	byFullURL map[string]bundleEntry
	byTypeID  map[string]bundleEntry
	// fullURLOf maps an entry's resource (by identity) to its fullUrl.
	fullURLOf map[uintptr]string
}

type bundleEntry struct {
	typ, id, fullURL string
}

// bundleCache keeps the index of the last Bundle seen: entries of one Bundle
// arrive together, so one index per worker suffices.
type bundleCache struct {
	last *bundleIndex
}

func (c *bundleCache) index(b *model.Record) *bundleIndex {
	if c.last != nil && c.last.bundle == b {
		return c.last
	}
	idx := &bundleIndex{bundle: b, byFullURL: map[string]bundleEntry{}, byTypeID: map[string]bundleEntry{}, fullURLOf: map[uintptr]string{}}
	entries, _ := b.Resource()["entry"].([]any)
	for _, e := range entries {
		em, _ := e.(map[string]any)
		res, _ := em["resource"].(map[string]any)
		full, _ := em["fullUrl"].(string)
		be := bundleEntry{fullURL: full}
		if res != nil {
			be.typ, _ = res["resourceType"].(string)
			be.id, _ = res["id"].(string)
			idx.fullURLOf[reflect.ValueOf(res).Pointer()] = full
		}
		if full != "" {
			idx.byFullURL[full] = be
		}
		if be.typ != "" && be.id != "" {
			idx.byTypeID[be.typ+"/"+be.id] = be
		}
	}
	c.last = idx
	return idx
}

// resolve finds the entry a reference points at, relative to the fullUrl of the
// referring entry when it is a RESTful URL.
func (b *bundleIndex) resolve(ref string, rec *model.Record) (bundleEntry, bool) {
	if e, ok := b.byFullURL[ref]; ok {
		return e, true
	}
	if strings.Contains(ref, "://") {
		return bundleEntry{}, false
	}
	if self := b.fullURLOf[reflect.ValueOf(rec.Resource()).Pointer()]; strings.Contains(self, "://") {
		parts := strings.Split(self, "/")
		if len(parts) >= 2 {
			base := strings.Join(parts[:len(parts)-2], "/")
			if e, ok := b.byFullURL[base+"/"+ref]; ok {
				return e, true
			}
		}
	}
	e, ok := b.byTypeID[ref]
	return e, ok
}
