package profile

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/carecert/carecert/model"
)

// A localIndex maps the resources carried together in one Bundle (its entries)
// or one Parameters (its parameter and part resources) by fullUrl and by
// Type/id, so that each reference resolves by lookup, never by a scan. It is
// built once per Bundle or Parameters.
type localIndex struct {
	// owner is the record whose resources are indexed.
	owner *model.Record
	// kind is "Bundle" or "Parameters"; bundleType is Bundle.type.
	kind, bundleType string
	byFullURL        map[string][]*localEntry
	byTypeID         map[string][]*localEntry
	// ids lists, per resource type, the ids carried (for messages).
	ids map[string][]string
	// fullURLOf maps a carried resource (by identity) to its fullUrl.
	fullURLOf map[uintptr]string
	// positionOf maps an entry's resource (by identity) to its place in a
	// Bundle: the entry's index and its index among entries of its type.
	positionOf map[uintptr]entryPosition
}

// entryPosition is where an entry stands in its Bundle, from 0.
type entryPosition struct{ index, ofType int }

// localEntry is one carried resource.
type localEntry struct {
	typ, id, fullURL, version string
	res                       map[string]any
}

func (e *localEntry) String() string {
	s := e.fullURL
	if s == "" {
		s = e.typ + "/" + e.id
	}
	if e.version != "" {
		s += " (version " + e.version + ")"
	}
	return s
}

func newLocalIndex(owner *model.Record, kind string) *localIndex {
	return &localIndex{owner: owner, kind: kind, byFullURL: map[string][]*localEntry{},
		byTypeID: map[string][]*localEntry{}, ids: map[string][]string{}, fullURLOf: map[uintptr]string{}}
}

func (x *localIndex) add(res map[string]any, fullURL string) {
	e := &localEntry{fullURL: fullURL, res: res}
	if res != nil {
		e.typ, _ = res["resourceType"].(string)
		e.id, _ = res["id"].(string)
		if meta, ok := res["meta"].(map[string]any); ok {
			e.version, _ = meta["versionId"].(string)
		}
		x.fullURLOf[reflect.ValueOf(res).Pointer()] = fullURL
	}
	if fullURL != "" {
		x.byFullURL[fullURL] = append(x.byFullURL[fullURL], e)
	}
	if e.typ != "" && e.id != "" {
		key := e.typ + "/" + e.id
		if len(x.byTypeID[key]) == 0 {
			x.ids[e.typ] = append(x.ids[e.typ], e.id)
		}
		x.byTypeID[key] = append(x.byTypeID[key], e)
	}
}

// indexBundle indexes the entries of a Bundle.
func indexBundle(b *model.Record) *localIndex {
	return indexBundleResource(b, b.Resource())
}

// indexBundleResource indexes the entries of a Bundle resource carried by
// the record b (itself, or nested in it).
func indexBundleResource(b *model.Record, res map[string]any) *localIndex {
	x := newLocalIndex(b, "Bundle")
	x.bundleType, _ = res["type"].(string)
	entries, _ := res["entry"].([]any)
	x.positionOf = make(map[uintptr]entryPosition, len(entries))
	ofType := map[string]int{}
	for i, e := range entries {
		em, _ := e.(map[string]any)
		r, _ := em["resource"].(map[string]any)
		full, _ := em["fullUrl"].(string)
		x.add(r, full)
		if r != nil {
			rt, _ := r["resourceType"].(string)
			x.positionOf[reflect.ValueOf(r).Pointer()] = entryPosition{i, ofType[rt]}
			ofType[rt]++
		}
	}
	return x
}

// parametersFullURL is the extension that gives a Parameters resource the
// fullUrl a Bundle entry would have, so references resolve as in a Bundle.
const parametersFullURL = "http://hl7.org/fhir/StructureDefinition/parameters-fullUrl"

// indexParameters indexes the resources of a Parameters, in parameters and
// their parts at any depth.
func indexParameters(p *model.Record) *localIndex {
	x := newLocalIndex(p, "Parameters")
	var walk func(list []any)
	walk = func(list []any) {
		for _, v := range list {
			pm, _ := v.(map[string]any)
			if r, ok := pm["resource"].(map[string]any); ok {
				x.add(r, extensionURI(pm, parametersFullURL))
			}
			parts, _ := pm["part"].([]any)
			walk(parts)
		}
	}
	params, _ := p.Resource()["parameter"].([]any)
	walk(params)
	return x
}

func extensionURI(m map[string]any, url string) string {
	exts, _ := m["extension"].([]any)
	for _, e := range exts {
		em, _ := e.(map[string]any)
		if em["url"] == url {
			s, _ := em["valueUri"].(string)
			return s
		}
	}
	return ""
}

// localCache keeps the indexes of the last Bundle and the last Parameters a
// worker saw: the entries of one Bundle arrive together, and a Parameters is
// validated against each of its compiled profiles in turn.
type localCache struct {
	bundle, params *localIndex
	// definitions indexes the definitions the last Bundle asked of carries.
	definitions *carriedDefinitions
}

func (c *localCache) carriedIndex(b map[string]any) *carriedDefinitions {
	if c.definitions == nil || reflect.ValueOf(c.definitions.bundle).Pointer() != reflect.ValueOf(b).Pointer() {
		c.definitions = indexCarriedDefinitions(b)
	}
	return c.definitions
}

func (c *localCache) bundleIndex(b *model.Record) *localIndex {
	if c.bundle == nil || c.bundle.owner != b {
		c.bundle = indexBundle(b)
	}
	return c.bundle
}

func (c *localCache) parametersIndex(p *model.Record) *localIndex {
	if c.params == nil || c.params.owner != p {
		c.params = indexParameters(p)
	}
	return c.params
}

// resolution is the outcome of resolving a literal reference among the
// resources of a Bundle or Parameters.
type resolution struct {
	// matches are the entries the reference identifies: one when it resolves.
	matches []*localEntry
	// target is the absolute URL the reference stands for ("" when a relative
	// reference has no fullUrl to resolve against); version is the version it
	// asks for.
	target, version string
	// others are entries with the target's fullUrl or Type/id that the
	// version rules excluded.
	others []*localEntry
	// byTypeID is set when the matches were found by the reference's Type/id
	// because the referring entry has no fullUrl to form a target from.
	byTypeID bool
	// near are the entries of a Bundle with the reference's Type/id whose
	// fullUrl is not the target: the Bundle rules do not let them match.
	near []*localEntry
}

// resolve applies the FHIR rules for resolving a reference inside a Bundle
// (R4 §2.36.4.1 "Resolving references in Bundles"): an absolute reference
// matches a fullUrl; a relative Type/id is made absolute from the referring
// entry's fullUrl (with the service base of a RESTful one, or as the same
// kind of URN, urn:uuid:{id}, for a URN); a version-specific reference
// (…/_history/v) matches the fullUrl without the version and then
// meta.versionId. An entry with the Type/id but another fullUrl is not the
// target, only near it. Without a fullUrl to resolve against, and among the
// resources of a Parameters, a relative reference falls back to the entries
// with that Type/id, as readers commonly do.
func (x *localIndex) resolve(ref, referrer string) resolution {
	r := resolution{}
	base := ref
	if i := strings.Index(ref, "/_history/"); i > 0 {
		base, r.version = ref[:i], ref[i+len("/_history/"):]
	}
	var candidates []*localEntry
	switch {
	case absoluteURI(base):
		r.target = base
		candidates = x.byFullURL[base]
	default:
		if sb := serviceBase(referrer); sb != "" {
			r.target = sb + base
		} else if ub, ok := urnBase(referrer); ok && x.kind == "Bundle" {
			_, id, _ := strings.Cut(base, "/")
			r.target = ub + id
		}
		if r.target != "" {
			candidates = x.byFullURL[r.target]
		}
		if len(candidates) > 0 {
			break
		}
		byTypeID := x.byTypeID[base]
		if r.target != "" && x.kind == "Bundle" {
			r.near = byTypeID
			return r
		}
		candidates = byTypeID
		r.byTypeID = len(candidates) > 0
	}
	if r.version == "" {
		r.matches = candidates
		return r
	}
	for _, e := range candidates {
		if e.version == r.version {
			r.matches = append(r.matches, e)
		} else {
			r.others = append(r.others, e)
		}
	}
	return r
}

// urnBase returns a URN fullUrl without its last part ("urn:uuid:" of
// "urn:uuid:5d9…"): a relative reference from such an entry stands for the
// URN of the same kind with the reference's id.
func urnBase(fullURL string) (string, bool) {
	if !strings.HasPrefix(fullURL, "urn:") {
		return "", false
	}
	i := strings.LastIndexByte(fullURL, ':')
	return fullURL[:i+1], true
}

// serviceBase returns the base of a RESTful fullUrl ("http://x/fhir/" of
// "http://x/fhir/Patient/1"), or "" when the fullUrl is not one (urn:uuid:).
func serviceBase(fullURL string) string {
	if !strings.Contains(fullURL, "://") {
		return ""
	}
	parts := strings.Split(fullURL, "/")
	if len(parts) < 5 || parts[len(parts)-1] == "" || parts[len(parts)-2] == "" {
		return ""
	}
	return strings.Join(parts[:len(parts)-2], "/") + "/"
}

// selfContained reports whether a Bundle must hold every resource it refers
// to: documents and messages travel as a unit and are read without a server.
func (x *localIndex) selfContained() bool {
	return x.kind == "Bundle" && (x.bundleType == "document" || x.bundleType == "message")
}

// resolveInBundle resolves a reference of the record against its Bundle and
// reports what the Bundle rules make wrong. It returns the type of the entry
// found, or "" when there is none.
func (w *walker) resolveInBundle(ref, rp string) string {
	x := w.bundle
	_, referrer, _ := w.bundleEntryOf()
	r := x.resolve(ref, referrer)
	switch {
	case len(r.matches) == 1:
		return r.matches[0].typ
	case len(r.matches) > 1:
		if x.bundleType == "history" || r.byTypeID {
			// A history holds every version of a resource; and the Bundle
			// rules give a relative reference no meaning without a RESTful
			// fullUrl, so a Type/id matched twice is not theirs to judge.
			return r.matches[0].typ
		}
		w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %s matches %d entries of the Bundle (%s): a reference must identify exactly one entry; give the version (…/_history/{versionId}) or remove the duplicate entries",
			ref, len(r.matches), describeEntries(r.matches)), "")
		return r.matches[0].typ
	}
	w.unversionedTargets(r, ref, rp)
	isURN := strings.HasPrefix(ref, "urn:")
	if len(r.near) > 0 {
		// The entry the author meant is most likely there, under a fullUrl
		// the reference does not stand for: say which, in any Bundle.
		sev := model.Warning
		if x.selfContained() {
			sev = model.Error
		}
		w.add(sev, CodeReference, rp, fmt.Sprintf("reference %s does not resolve in the Bundle: relative to this entry's fullUrl %s it means %s, and the entry with that type and id has the fullUrl %s%s",
			ref, referrer, r.target, describeEntries(r.near), selfContainedNote(x)), "")
		return ""
	}
	if !x.selfContained() && !isURN {
		return "" // may be held by a server
	}
	sev := model.Warning
	if x.selfContained() {
		sev = model.Error
	}
	msg := fmt.Sprintf("reference %s is not found in the Bundle", ref)
	switch {
	case len(r.others) > 0:
		msg += fmt.Sprintf(": no entry %s has meta.versionId %s (found %s)", orTypeID(r.target, ref), r.version, describeEntries(r.others))
	case isURN:
		msg += " (no entry has this fullUrl)"
	case r.target != "":
		msg += fmt.Sprintf(" (no entry has the fullUrl %s or is a %s)", r.target, typeIDOf(ref))
	default:
		msg += fmt.Sprintf(" (no entry is a %s)", typeIDOf(ref))
	}
	w.add(sev, CodeReference, rp, msg+selfContainedNote(x), "")
	return ""
}

// selfContainedNote is what a finding about an unresolved reference adds in
// a Bundle that must hold everything it refers to.
func selfContainedNote(x *localIndex) string {
	if !x.selfContained() {
		return ""
	}
	return fmt.Sprintf("; a %s Bundle must contain every resource it refers to", x.bundleType)
}

// resolveInParameters resolves a relative reference among the resources a
// Parameters carries: resources sent together to an operation refer to each
// other. A reference to a type the Parameters carries, but to an id it does
// not, is an error; references to types it does not carry may point at a
// server. It returns the type of the resource found ("" when there is none)
// and whether it reported the reference.
func (w *walker) resolveInParameters(ref, rp string) (string, bool) {
	x := w.sink.locals.parametersIndex(w.rec)
	referrer := x.fullURLOf[reflect.ValueOf(w.res).Pointer()]
	r := x.resolve(ref, referrer)
	if len(r.matches) > 0 {
		// Copies of one resource in several parameters (one per member of a
		// multi-member operation) are the same resource.
		return r.matches[0].typ, false
	}
	if absoluteURI(ref) {
		return "", false
	}
	typ := strings.SplitN(ref, "/", 2)[0]
	ids := x.ids[typ]
	if len(ids) == 0 {
		return "", false
	}
	sorted := slices.Clone(ids)
	sort.Strings(sorted)
	if len(sorted) > 5 {
		sorted = sorted[:5]
	}
	for i, id := range sorted {
		sorted[i] = typ + "/" + id
	}
	if len(ids) > len(sorted) {
		sorted = append(sorted, "…")
	}
	why := fmt.Sprintf("this Parameters carries %s but not %s", strings.Join(sorted, ", "), typeIDOf(ref))
	if len(r.others) > 0 {
		why = fmt.Sprintf("this Parameters carries %s but with meta.versionId %s, not %s", typeIDOf(ref), versionsOf(r.others), r.version)
	}
	w.add(model.Error, CodeReference, rp, fmt.Sprintf("reference %s does not resolve: %s; references between the resources of one Parameters must resolve among them", ref, why), "")
	return "", true
}

func describeEntries(es []*localEntry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func versionsOf(es []*localEntry) string {
	var vs []string
	for _, e := range es {
		v := e.version
		if v == "" {
			v = "(none)"
		}
		vs = append(vs, v)
	}
	return strings.Join(vs, ", ")
}

// typeIDOf returns the Type/id a relative reference names, without a version.
func typeIDOf(ref string) string {
	if i := strings.Index(ref, "/_history/"); i > 0 {
		return ref[:i]
	}
	return ref
}

func orTypeID(target, ref string) string {
	if target != "" {
		return "with fullUrl " + target
	}
	return typeIDOf(ref)
}

// resolveLocally resolves a literal reference among the resources carried
// with the record: those of the Parameters it is part of, then the entries of
// its Bundle. It returns the type of the resource found, "" when there is none
// (a finding says why when the rules make that wrong).
// rp gives the reference's path.
func (w *walker) resolveLocally(ref string, rp func() string) string {
	if rt, _ := w.root["resourceType"].(string); rt == "Parameters" {
		typ, reported := w.resolveInParameters(ref, rp())
		if typ != "" || reported {
			return typ
		}
	}
	if w.bundle != nil {
		return w.resolveInBundle(ref, rp())
	}
	return ""
}

// findLocal returns the one resource a reference identifies among those of
// the record's Parameters or Bundle, without reporting anything (for
// resolve() in slicing discriminators), or nil.
func (w *walker) findLocal(ref string) *localEntry {
	if rt, _ := w.root["resourceType"].(string); rt == "Parameters" {
		x := w.sink.locals.parametersIndex(w.rec)
		if r := x.resolve(ref, x.fullURLOf[reflect.ValueOf(w.res).Pointer()]); len(r.matches) > 0 {
			return r.matches[0]
		}
	}
	if w.bundle != nil {
		if r := w.bundle.resolve(ref, w.bundle.fullURLOf[reflect.ValueOf(w.rec.Resource()).Pointer()]); len(r.matches) == 1 {
			return r.matches[0]
		}
	}
	return nil
}

// unversionedTargets warns of the entries a version-specific reference
// (…/_history/v) finds by their fullUrl that state no meta.versionId: the
// reference cannot be matched to them, and the author most likely meant
// one of them (R4 §2.36.4.1 matches the version on meta.versionId).
func (w *walker) unversionedTargets(r resolution, ref, rp string) {
	if r.version == "" || r.byTypeID {
		return
	}
	for _, e := range r.others {
		if e.version == "" && e.fullURL != "" {
			w.add(model.Warning, CodeReference, rp, fmt.Sprintf("reference %s names version %s, but the entry %s states no meta.versionId: an entry referred to by version should declare its version", ref, r.version, e.fullURL), "")
		}
	}
}
