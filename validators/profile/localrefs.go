package profile

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
)

// A localIndex maps the resources carried together in one Bundle (its entries)
// or one Parameters (its parameter and part resources) by fullUrl and by
// Type/id, so that each reference resolves by lookup, never by a scan. It is
// built once per Bundle or Parameters; a Bundle's from the summaries of its
// entries (model.BundleEntry), so that it needs no entry's resource.
type localIndex struct {
	// owner is the record whose resources are indexed.
	owner *model.Record
	// kind is "Bundle" or "Parameters"; bundleType is Bundle.type.
	kind, bundleType string
	// of is the identity of the Bundle resource indexed when it is not the
	// owner's own (a Bundle nested in the record).
	of uintptr
	// entries are a Bundle's entries, one per item of Bundle.entry (nil for
	// a Parameters); carried are the resources indexed, in order.
	entries []model.BundleEntry
	carried []localEntry
	// byFullURL and byTypeID find the carried entries of a fullUrl and of
	// a resource type and id.
	byFullURL keyedEntries[string]
	byTypeID  keyedEntries[typeID]
	// ids lists, per resource type, the ids a Parameters carries (its
	// findings name them).
	ids map[string][]string
	// ofResource finds a carried resource's entry by the resource's
	// identity, when the carrier's tree is kept; ofRecord by the index of
	// the entry's record, when a reader made records of the entries
	// without it: the entries so found, in the order of their records.
	ofResource map[uintptr]*localEntry
	ofRecord   []*localEntry
	// mu guards decoded, the entries' resources last decoded from the
	// Bundle's bytes (resource), most recent first.
	mu      sync.Mutex
	decoded []decodedEntry
	// entryObjects finds an entry object of the owner's own tree by its
	// identity (entryAt), made on first use.
	entryObjectsOnce sync.Once
	entryObjects     map[uintptr]int
	// definitions are the canonical resources among the entries, made on
	// first use (held.go).
	definitionsOnce sync.Once
	definitions     *carriedDefinitions
	// anchors counts what a #fragment can point at across the Bundle,
	// made on first use (anchorCounts).
	anchorsOnce sync.Once
	anchors     map[string]int
	// unreadAnchors counts the entries left out of the tree whose resource
	// could not be decoded from the Bundle's bytes: a #fragment found
	// nowhere else may point into one of them.
	unreadAnchors int
}

// decodedEntry is an entry's resource decoded from the Bundle's bytes.
type decodedEntry struct {
	index int
	res   map[string]any
}

// decodedKept is how many decoded resources an index keeps: the lookups
// that need another entry's whole resource (a reference's target profiles,
// a discriminator's resolve()) ask of a few entries, often again.
const decodedKept = 8

// entryAt returns the place in Bundle.entry of an entry object of the
// owner's own tree, and whether it is one.
func (x *localIndex) entryAt(entry map[string]any) (int, bool) {
	x.entryObjectsOnce.Do(func() {
		list, _ := x.owner.Resource()["entry"].([]any)
		x.entryObjects = make(map[uintptr]int, len(list))
		for i, v := range list {
			if m, ok := v.(map[string]any); ok {
				x.entryObjects[reflect.ValueOf(m).Pointer()] = i
			}
		}
	})
	i, ok := x.entryObjects[reflect.ValueOf(entry).Pointer()]
	return i, ok
}

// resource returns a carried entry's resource: the one the tree keeps, or
// else the one decoded from the Bundle record's bytes (Raw) at the span its
// reader noted; nil when neither can be had.
func (x *localIndex) resource(e *localEntry) map[string]any {
	if e.res != nil || !e.held || x.entries == nil {
		return e.res
	}
	s := &x.entries[e.index]
	if s.End <= s.Start {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, d := range x.decoded {
		if d.index == e.index {
			return d.res
		}
	}
	res, err := fhir.EntryResource(x.owner, s)
	if err != nil {
		return nil
	}
	x.decoded = slices.Insert(x.decoded[:min(len(x.decoded), decodedKept-1)], 0, decodedEntry{e.index, res})
	return res
}

// anchorCounts counts what a #fragment can point at (walker.eachAnchor)
// across the owner's whole Bundle: its tree, and each entry's resource its
// reader left out of it, decoded from the Bundle's bytes one at a time and
// not kept. It is made once, by the first walk (w) that looks beyond its own
// resource, for every entry's walk after it. unread is how many entries'
// resources could not be decoded, whose anchors are not counted.
func (x *localIndex) anchorCounts(w *walker) (counts map[string]int, unread int) {
	x.anchorsOnce.Do(func() {
		x.anchors = map[string]int{}
		count := func(a string) { x.anchors[a]++ }
		w.eachAnchor(x.owner.Resource(), count)
		for i := range x.entries {
			s := &x.entries[i]
			if !s.HasResource || s.Resource != nil {
				continue
			}
			res, err := fhir.EntryResource(x.owner, s)
			if err != nil {
				x.unreadAnchors++
				continue
			}
			w.eachAnchor(res, count)
		}
	})
	return x.anchors, x.unreadAnchors
}

// localEntry is one carried resource (or a Bundle entry without one, which
// only its fullUrl finds).
type localEntry struct {
	typ, id, fullURL, version string
	// index is a Bundle entry's place in Bundle.entry and ofType its place
	// among the entries holding the same type, from 0.
	index, ofType int
	// res is the resource when the carrier's tree is kept.
	res map[string]any
	// held says whether there is a resource at all.
	held bool
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

func newLocalIndex(owner *model.Record, kind string, n int) *localIndex {
	return &localIndex{owner: owner, kind: kind, carried: make([]localEntry, 0, n)}
}

// index adds the carried entries to the maps; carried no longer grows.
func (x *localIndex) index() {
	all := make([]*localEntry, len(x.carried))
	for i := range x.carried {
		all[i] = &x.carried[i]
	}
	x.byFullURL.start(all)
	x.byTypeID.start(all)
	if x.kind == "Parameters" {
		x.ids = map[string][]string{}
	}
	for i := range x.carried {
		e := &x.carried[i]
		if e.res != nil {
			if x.ofResource == nil {
				x.ofResource = make(map[uintptr]*localEntry, len(x.carried))
			}
			x.ofResource[reflect.ValueOf(e.res).Pointer()] = e
		}
		if e.fullURL != "" {
			x.byFullURL.add(e.fullURL, i)
		}
		if e.typ != "" && e.id != "" {
			key := typeIDOfEntry(e.typ, e.id)
			if x.ids != nil && len(x.byTypeID.find(key)) == 0 {
				x.ids[e.typ] = append(x.ids[e.typ], e.id)
			}
			x.byTypeID.add(key, i)
		}
	}
}

// keyedEntries finds carried entries by a key, in entry order. Nearly
// every key names one entry (versions of one fullUrl, which bdl-7 allows,
// and a history's entries share one), so a key's first entry is a pointer
// in a map and only keys of several hold a slice: a slice of its own per
// key, and a key string made per entry, were two thirds of a 200,000-entry
// Bundle's index (about 40 of 60 MB, a heap profile, issue 18). A key's
// first entry is its place in all, the carried entries in order, which
// both of an index's keys share: a key of one entry is answered with a
// window of all, no slice made per lookup.
type keyedEntries[K comparable] struct {
	all   []*localEntry
	first map[K]int32
	more  map[K][]*localEntry
}

func (k *keyedEntries[K]) start(all []*localEntry) {
	k.all = all
	k.first = make(map[K]int32, len(all))
}

// add files all[i] under key.
func (k *keyedEntries[K]) add(key K, i int) {
	f, ok := k.first[key]
	if !ok {
		k.first[key] = int32(i)
		return
	}
	if k.more == nil {
		k.more = map[K][]*localEntry{}
	}
	if k.more[key] == nil {
		k.more[key] = []*localEntry{k.all[f]}
	}
	k.more[key] = append(k.more[key], k.all[i])
}

// find returns the entries of key, first in entry order; the slice is
// the index's, not to be written, and has no room to append into.
func (k *keyedEntries[K]) find(key K) []*localEntry {
	if es, ok := k.more[key]; ok {
		return es[:len(es):len(es)]
	}
	if i, ok := k.first[key]; ok {
		return k.all[i : i+1 : i+1]
	}
	return nil
}

// typeID is the Type/id an entry's resource is found by.
type typeID struct{ typ, id string }

// typeIDOfEntry keys the resource typ/id: a resource type holding a slash
// (no type does, but a summary holds what was written) keys its Type/id
// string as a reference's is (typeIDOfReference), so that the two meet.
func typeIDOfEntry(typ, id string) typeID {
	if strings.IndexByte(typ, '/') < 0 {
		return typeID{typ, id}
	}
	return typeIDOfReference(typ + "/" + id)
}

// typeIDOfReference keys a relative reference's Type/id ("Patient/1"),
// split at its first slash.
func typeIDOfReference(ref string) typeID {
	typ, id, _ := strings.Cut(ref, "/")
	return typeID{typ, id}
}

// namedTypeID returns the first entry (in entry order) whose resource is
// named typeID ("Binary/css1", as a document's stylesheet link names one),
// or nil: the index's Type/id lookup, which references use too.
func (x *localIndex) namedTypeID(ref string) *localEntry {
	if es := x.byTypeID.find(typeIDOfReference(ref)); len(es) > 0 {
		return es[0]
	}
	return nil
}

// entryOf returns the carried entry that is res, or else the one that is
// the record rec (nil when neither is carried here).
func (x *localIndex) entryOf(res map[string]any, rec *model.Record) *localEntry {
	if e := x.ofResource[reflect.ValueOf(res).Pointer()]; e != nil && res != nil {
		return e
	}
	if rec == nil {
		return nil
	}
	if e := x.ofRecordIndex(rec.Index); e != nil && rec.Container == x.owner {
		return e
	}
	if r := rec.Resource(); r != nil {
		return x.ofResource[reflect.ValueOf(r).Pointer()]
	}
	return nil
}

// indexBundle indexes the entries of a Bundle record.
func indexBundle(b *model.Record) *localIndex {
	bt, _ := b.Resource()["type"].(string)
	return indexEntries(b, bt, fhir.BundleEntries(b))
}

// indexBundleResource indexes the entries of a Bundle resource carried by
// the record b (itself, or nested in it).
func indexBundleResource(b *model.Record, res map[string]any) *localIndex {
	bt, _ := res["type"].(string)
	x := indexEntries(b, bt, fhir.SummarizeEntries(res))
	x.of = reflect.ValueOf(res).Pointer()
	return x
}

// indexEntries indexes a Bundle's entries from their summaries.
func indexEntries(b *model.Record, bundleType string, entries []model.BundleEntry) *localIndex {
	x := newLocalIndex(b, "Bundle", len(entries))
	x.bundleType, x.entries = bundleType, entries
	ofType := map[string]int{}
	for i := range entries {
		s := &entries[i]
		if !s.Object {
			continue
		}
		e := localEntry{fullURL: s.FullURL, index: i, res: s.Resource, held: s.HasResource}
		if s.HasResource {
			e.typ, e.id, e.version = s.ResourceType, s.ID, s.VersionID
			e.ofType = ofType[e.typ]
			ofType[e.typ]++
		}
		x.carried = append(x.carried, e)
	}
	x.index()
	for i := range x.carried {
		e := &x.carried[i]
		if e.held && e.res == nil {
			x.ofRecord = append(x.ofRecord, e)
		}
	}
	// A reader numbers an entry's record as it emits it, in entry order;
	// sorting (stably, so that of two alike the later still answers, as it
	// did from a map) only keeps the search right if one did not.
	slices.SortStableFunc(x.ofRecord, func(a, b *localEntry) int {
		return cmp.Compare(entries[a.index].Record, entries[b.index].Record)
	})
	return x
}

// ofRecordIndex returns the carried entry whose record has index i, or nil.
func (x *localIndex) ofRecordIndex(i int64) *localEntry {
	after, _ := slices.BinarySearchFunc(x.ofRecord, i+1, func(e *localEntry, at int64) int {
		return cmp.Compare(x.entries[e.index].Record, at)
	})
	if after == 0 || x.entries[x.ofRecord[after-1].index].Record != i {
		return nil
	}
	return x.ofRecord[after-1]
}

// parametersFullURL is the extension that gives a Parameters resource the
// fullUrl a Bundle entry would have, so references resolve as in a Bundle.
const parametersFullURL = "http://hl7.org/fhir/StructureDefinition/parameters-fullUrl"

// indexParameters indexes the resources of a Parameters, in parameters and
// their parts at any depth.
func indexParameters(p *model.Record) *localIndex {
	x := newLocalIndex(p, "Parameters", 0)
	var walk func(list []any)
	walk = func(list []any) {
		for _, v := range list {
			pm, _ := v.(map[string]any)
			if r, ok := pm["resource"].(map[string]any); ok {
				e := localEntry{fullURL: extensionURI(pm, parametersFullURL), res: r, held: true}
				e.typ, _ = r["resourceType"].(string)
				e.id, _ = r["id"].(string)
				if meta, ok := r["meta"].(map[string]any); ok {
					e.version, _ = meta["versionId"].(string)
				}
				x.carried = append(x.carried, e)
			}
			parts, _ := pm["part"].([]any)
			walk(parts)
		}
	}
	params, _ := p.Resource()["parameter"].([]any)
	walk(params)
	x.index()
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

// localCache keeps the index of the last Parameters a worker saw: a
// Parameters is validated against each of its compiled profiles in turn.
// (Bundles' indexes are the engine's, shared by the workers: bundleIndexes.)
type localCache struct {
	params *localIndex
}

// bundleIndexes holds the indexes of the Bundle records whose entries are
// being validated, one per Bundle for all the workers: a Bundle's entries
// arrive together and are taken by whichever worker is free, so each
// worker's own index of the same Bundle was a copy (about 7 MB per 20,000
// entries). The last few are kept: a Bundle in an entry is a record whose
// entries come before the outer Bundle's next ones.
type bundleIndexes struct {
	mu   sync.Mutex
	last [4]*sharedIndex // the most recently asked for first
}

// sharedIndex is one Bundle's index, built once by whichever worker asks
// first while the others wait.
type sharedIndex struct {
	owner *model.Record
	once  sync.Once
	x     *localIndex
}

// bundleIndex returns the index of the entries of the Bundle record b.
func (e *Engine) bundleIndex(b *model.Record) *localIndex {
	c := &e.bundles
	c.mu.Lock()
	var s *sharedIndex
	for i, held := range c.last {
		if held != nil && held.owner == b {
			s = held
			copy(c.last[1:i+1], c.last[:i])
			break
		}
	}
	if s == nil {
		s = &sharedIndex{owner: b}
		copy(c.last[1:], c.last[:len(c.last)-1])
	}
	c.last[0] = s
	c.mu.Unlock()
	s.once.Do(func() { s.x = indexBundle(b) })
	return s.x
}

func (c *localCache) parametersIndex(p *model.Record) *localIndex {
	if c.params == nil || c.params.owner != p {
		c.params = indexParameters(p)
	}
	return c.params
}

// fullURLOf returns the fullUrl of the carried resource res ("" when it is
// not carried here or has none).
func (x *localIndex) fullURLOf(res map[string]any) string {
	if e := x.entryOf(res, nil); e != nil {
		return e.fullURL
	}
	return ""
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

// first is the entry a reference resolves to, or nil. Several matches
// (versions of one entry, in a history or told apart by meta.versionId, as
// bdl-7 allows) still hold the target, never "missing": the first answers,
// as resolveInBundle takes it, and resolveInBundle alone says whether the
// reference is ambiguous.
func (r resolution) first() *localEntry {
	if len(r.matches) == 0 {
		return nil
	}
	return r.matches[0]
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
		candidates = x.byFullURL.find(base)
	default:
		if sb := serviceBase(referrer); sb != "" {
			r.target = sb + base
		} else if ub, ok := urnBase(referrer); ok && x.kind == "Bundle" {
			_, id, _ := strings.Cut(base, "/")
			r.target = ub + id
		}
		if r.target != "" {
			candidates = x.byFullURL.find(r.target)
		}
		if len(candidates) > 0 {
			break
		}
		byTypeID := x.byTypeID.find(typeIDOfReference(base))
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
	r := x.resolve(ref, x.fullURLOf(w.res))
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
// resolve() in slicing discriminators), or nil; res is its resource when it
// can be had (kept in the tree, or decoded from the Bundle's bytes).
func (w *walker) findLocal(ref string) (e *localEntry, res map[string]any) {
	if rt, _ := w.root["resourceType"].(string); rt == "Parameters" {
		x := w.sink.locals.parametersIndex(w.rec)
		if t := x.resolve(ref, x.fullURLOf(w.res)).first(); t != nil {
			return t, t.res
		}
	}
	if w.bundle == nil && w.root["resourceType"] == "Bundle" {
		// The Bundle record's walk of its entries (a Bundle profile's entry
		// profiles): among them, as its references are (ownEntryTarget).
		own, inEntry := w.ownEntryTarget(ref)
		if own != nil {
			return own, w.e.bundleIndex(w.rec).resource(own)
		}
		if !inEntry {
			// The Bundle's own elements (an invariant of the Bundle, whose
			// expression reaches into its entries): no entry's fullUrl is
			// known to resolve against, so by fullUrl, by Type/id, by
			// version, the one entry that answers.
			x := w.e.bundleIndex(w.rec)
			if t := x.resolve(ref, "").first(); t != nil {
				return t, x.resource(t)
			}
		}
	}
	if w.bundle != nil {
		// Against the fullUrl resolveInBundle reads: the walked resource's
		// entry, in a Bundle nested in the record too.
		referrer, _ := w.entryFullURL()
		if t := w.bundle.resolve(ref, referrer).first(); t != nil {
			return t, w.bundle.resource(t)
		}
	}
	return nil, nil
}

// resolveCarried answers resolve() in an invariant (Focus.Resolve) as
// references are resolved everywhere else: among the resources of the
// record's Parameters or Bundle (findLocal; by fullUrl, by Type/id against
// the entry's fullUrl, by version). What no carried resource answers is
// known to be nothing only where nothing else can answer: a urn: names an
// entry of this Bundle only, and a document or message holds everything it
// refers to. Anything else may be on a server carecert does not read.
func (w *walker) resolveCarried(ref string) (map[string]any, bool) {
	e, res := w.findLocal(ref)
	if e != nil {
		return res, res != nil
	}
	x := w.bundle
	if x == nil && w.root["resourceType"] == "Bundle" {
		x = w.e.bundleIndex(w.rec) // the Bundle record's own walk
	}
	if x != nil && (strings.HasPrefix(ref, "urn:") || x.selfContained()) {
		return nil, true
	}
	return nil, false
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
