package profile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/model"
)

// reference checks a Reference: the format of its reference, the resource type
// it points to against the allowed targets, and its resolution among the
// resource's contained resources, the resources of its Parameters or the
// entries of the record's Bundle (localrefs.go).
func (w *walker) reference(m map[string]any, t *typeInfo, at pathAt) {
	ref, _ := m["reference"].(string)
	declared, _ := m["type"].(string)
	if ref == "" {
		w.referenceDisplay(m, at)
	}
	w.referenceTo(ref, declared, t, at)
}

// referenceDisplay warns of a Reference that identifies nothing, neither by
// reference nor by identifier, and has no display either: a reader learns
// nothing of what it stands for (R4 §2.36: a reference with only a display
// is allowed, the display then being all there is). Values a profile fixes
// or patterns a Reference with are not references of data and are left
// alone, as the reference validator does.
func (w *walker) referenceDisplay(m map[string]any, at pathAt) {
	if d, _ := m["display"].(string); d != "" {
		return
	}
	if id, ok := m["identifier"].(map[string]any); ok {
		sys, _ := id["system"].(string)
		val, _ := id["value"].(string)
		if sys != "" || val != "" {
			return
		}
	}
	p := w.pathText(at)
	for _, v := range []string{".patternReference", ".fixedReference", ".defaultValueReference"} {
		if strings.HasSuffix(p, v) {
			return
		}
	}
	w.add(model.Warning, CodeReference, p, "the reference has neither a reference nor an identifier, and no display: it tells a reader nothing of what it refers to; give at least a display", "")
}

// referenceTo is reference for a Reference's reference and type ("" when
// absent), given as text (a stream-path scan has them without the
// Reference's map form).
func (w *walker) referenceTo(ref, declared string, t *typeInfo, at pathAt) {
	if ref == "" {
		return
	}
	// the reference's path, built only for a finding or a search among
	// the resources carried with the record
	rp := func() string { return w.pathText(at) + ".reference" }
	// typ is the type of what the reference points at, as far as it is
	// known; implied is the type its URL names, which Reference.type must
	// agree with whether or not the reference resolves.
	typ, implied := "", ""
	var target map[string]any
	// held is where the target was found, for the aggregation modes.
	held, judged := heldElsewhere, true
	w.referenceWithoutFullURL(ref, rp)
	switch {
	case strings.HasPrefix(ref, "#"):
		if ref == "#" {
			return // a reference to the containing resource
		}
		c := w.containedByID(ref[1:])
		if c == nil {
			w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %s points at a contained resource that does not exist", ref), "")
			return
		}
		typ, _ = c["resourceType"].(string)
		target = c
		held = heldContained
	case strings.HasPrefix(ref, "urn:uuid:") || strings.HasPrefix(ref, "urn:oid:"):
		if msg := checkString("uri", ref); msg != "" { // checkPrimitive's for a string, without boxing it
			w.add(model.Error, CodeReference, rp(), "reference "+msg, "")
			return
		}
		typ = w.resolveLocally(ref, rp)
		held = heldIfFound(typ)
	case strings.HasPrefix(ref, "urn:") && absoluteURI(ref) && !strings.ContainsAny(ref, " \t\r\n"):
		// Any other URN is an absolute URI too: a Bundle entry may carry it
		// as its fullUrl (R4 §2.36.4.1), and nothing else tells its type.
		typ = w.resolveLocally(ref, rp)
		held = heldIfFound(typ)
	default:
		if strings.ContainsAny(ref, " \t\r\n") {
			w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %q is not valid: it contains whitespace", ref), "")
			return
		}
		if ct, query, ok := w.conditionalType(ref); ok {
			typ = w.conditionalReference(ref, ct, query, rp)
			implied = typ
			judged = false // where a search finds its target is not judged
			if w.e.unresolvedUntyped {
				typ = ""
			}
			break
		}
		rt, ok := w.referenceType(ref)
		if !ok {
			w.malformedReference(ref, rp)
			return
		}
		typ, implied = rt, rt
		if found := w.resolveLocally(ref, rp); found != "" {
			if rt != "" && found != rt {
				// A urn:uuid: fullUrl names no type, so only the reference
				// can be wrong (a RESTful fullUrl that disagrees with its
				// resource is reported at the entry too).
				w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %s names the type %s, but the Bundle entry it resolves to holds a resource of type %s", ref, rt, found), "")
			}
			typ, implied = found, found
			held = heldBundled
		} else if w.e.unresolvedUntyped {
			// Not found here: what it points at is not known, unless
			// a REST reference's URL is taken to tell (Options).
			typ = ""
		}
	}
	var own *localEntry // the entry of the record's own Bundle it resolves to, in the Bundle's walk
	if held == heldElsewhere && w.bundle == nil && w.root["resourceType"] == "Bundle" {
		var inEntry bool
		own, inEntry = w.ownEntryTarget(ref)
		judged = judged && inEntry
		if own != nil {
			// As resolveLocally takes the type of the entry found: a
			// urn:uuid: names none, and a Type/id that disagrees is the
			// entry's own record's to report.
			held = heldBundled
			if own.typ != "" {
				typ, implied = own.typ, own.typ
			}
		}
	}
	if judged {
		w.aggregation(t, held, ref, rp)
	}
	if implied == "" {
		implied = typ
	}
	if declared != "" && implied != "" && declared != implied && w.e.IsResourceType(declared) {
		w.add(model.Error, CodeReference, w.pathText(at)+".type", fmt.Sprintf("Reference.type says %s but the reference points at a %s", declared, implied), "")
	}
	if typ == "" {
		typ = declared
	}
	if typ == "" || t.anyTarget() {
		return
	}
	if !slices.Contains(t.targets, typ) {
		if len(t.unreadTargets) > 0 {
			w.add(model.Warning, CodeReference, rp(), t.undecidedTargets("a "+typ), "")
			return
		}
		w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference to a %s, but this element may only refer to %s", typ, strings.Join(t.targets, ", ")), "")
		return
	}
	if t.profiledTargets {
		if target == nil {
			e := own
			if e != nil {
				target = w.e.bundleIndex(w.rec).resource(e)
			} else {
				e, target = w.findLocal(ref)
			}
			if e != nil && e.held && target == nil {
				// An entry read without the Bundle's tree whose bytes are
				// no longer held: carecert's limit, not the supplier's.
				w.add(model.Information, CodeReference, rp(), fmt.Sprintf("the profiles this element requires of its target are not checked on %s: carecert no longer holds that Bundle entry's resource", ref), "")
			}
		}
		if target != nil {
			w.targetProfiles(target, t, ref, rp())
		}
	}
}

// referenceType returns the resource type a literal reference names: "Type/id",
// "Type/id/_history/v" or an absolute URL ending so. ok is false when the
// reference has neither form.
func (w *walker) referenceType(ref string) (string, bool) {
	typ, id, ok := fhir.LiteralReference(ref)
	if !ok {
		return "", false
	}
	absolute := strings.Contains(ref, "://")
	if !absolute && namedType(ref) == "" {
		return "", false // fhir/Patient/1: relative, but not Type/id[/_history/v]
	}
	if !w.e.IsResourceType(typ) || !lexical.Valid("id", id) {
		if absolute {
			return "", true // an absolute URL of some other shape: cannot tell its type
		}
		return "", false
	}
	return typ, true
}

func (w *walker) containedByID(id string) map[string]any {
	// A reference inside a contained resource points at the container's
	// contained resources, wherever the container is (the record, a
	// parameter's resource); a nested resource (Parameters) has its own.
	for _, holder := range []map[string]any{w.res, w.resHolder, w.root} {
		for _, c := range containedOf(holder) {
			if c["id"] == id {
				return c
			}
		}
	}
	return nil
}

// holding is where a reference's target is held, as aggregation modes
// distinguish: contained in the resource, an entry of the same Bundle (or a
// resource of the same Parameters), or neither, to be resolved elsewhere.
type holding int

const (
	heldElsewhere holding = iota
	heldContained
	heldBundled
)

// ownEntryTarget finds the entry of the record's own Bundle that a
// reference made inside one of its entries resolves to, in the Bundle's walk
// (which reaches its entries only for a Bundle profile's entry profiles, and
// resolves nothing there by the Bundle rules: each entry's own record does,
// and reports what they make wrong): looked up among them by the same rules
// (R4 §2.36.4.1), from the entry's fullUrl, reporting nothing, so that the
// entry profile's target types, target profiles and aggregation modes are
// held to what it points at, whatever form the reference takes. inEntry is
// false when the walked resource is in no entry (the Bundle's own elements):
// where their targets are held is not for this walk to say.
func (w *walker) ownEntryTarget(ref string) (found *localEntry, inEntry bool) {
	x := w.e.bundleIndex(w.rec)
	e := x.entryOf(w.res, nil)
	if e == nil {
		e = x.entryOf(w.resHolder, nil) // a resource contained in the entry's
	}
	if e == nil {
		return nil, false
	}
	return x.resolve(ref, e.fullURL).first(), true
}

func heldIfFound(typ string) holding {
	if typ != "" {
		return heldBundled
	}
	return heldElsewhere
}

// aggregation holds a reference to the ways its element's type lets it hold
// its target (ElementDefinition.type.aggregation): contained, bundled, or
// referenced — any target not contained, as the reference validator reads
// it. A profile that lists none allows every way.
func (w *walker) aggregation(t *typeInfo, held holding, ref string, rp func() string) {
	if len(t.aggregation) == 0 {
		return
	}
	for _, mode := range t.aggregation {
		switch {
		case mode == "contained" && held == heldContained,
			mode == "bundled" && held == heldBundled,
			mode == "referenced" && held != heldContained:
			return
		}
	}
	where := "neither to a contained resource nor to an entry of the same Bundle"
	switch held {
	case heldContained:
		where = "to a contained resource"
	case heldBundled:
		where = "to an entry of the same Bundle"
	}
	w.add(model.Error, CodeReference, rp(), fmt.Sprintf("reference %s is %s, but the profile lets this element hold its target only as %s (aggregation)", ref, where, strings.Join(t.aggregation, " or ")), ref)
}
