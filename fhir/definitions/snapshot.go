package definitions

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SnapshotError says which element of a profile's differential could not be
// applied to its base, and why.
type SnapshotError struct {
	Profile string
	Element string
	Reason  string
	// Index is the element's position in the differential, -1 when the
	// problem is not one element's; Field is the part of that element at
	// fault ("path", "slicing", "slicing.discriminator[0]"), "" for all of it.
	Index int
	Field string
	// Fatal says the element could not be placed in the snapshot at all: the
	// profile's snapshot would lack its constraints, so the profile cannot
	// be used. The other problems leave a usable, if doubtful, snapshot.
	Fatal bool
}

func (e *SnapshotError) Error() string {
	return fmt.Sprintf("snapshot of %s: element %s: %s", e.Profile, e.Element, e.Reason)
}

// BaseError says a profile's base definition cannot be used, so its
// differential cannot be applied (or checked).
type BaseError struct {
	Profile string
	Base    string
	Err     error
}

func (e *BaseError) Error() string {
	if e.Base == "" {
		return fmt.Sprintf("snapshot of %s: %v", e.Profile, e.Err)
	}
	return fmt.Sprintf("snapshot of %s: base definition %s %v", e.Profile, e.Base, e.Err)
}

func (e *BaseError) Unwrap() error { return e.Err }

// generateSnapshot merges sd's differential onto its base's snapshot, for the
// registry. The first problem that leaves an element out is the error (the
// profile cannot be used); the others stay in sd.Problems.
func (r *Registry) generateSnapshot(sd *StructureDefinition, expanding []*Entry) error {
	problems, err := r.expand(sd, expanding)
	if err != nil {
		return err
	}
	for _, p := range problems {
		if p.Fatal {
			return p
		}
	}
	sd.Problems = problems
	return nil
}

// Expand generates sd's snapshot from its differential and its base (which
// the registry must hold), replacing any snapshot sd has, and returns every
// problem found: differential elements that match no element of the base
// (each reported once, not again for its children), slicing that a slice
// redefines, and discriminator paths that name no element of the sliced
// element's type. sd need not be in the registry: it can be a profile being
// validated as a resource. The error is a *BaseError when the base cannot be
// used. The registry is only read.
func (r *Registry) Expand(sd *StructureDefinition) ([]*SnapshotError, error) {
	sd.Snapshot = nil
	return r.expand(sd, nil)
}

func (r *Registry) expand(sd *StructureDefinition, expanding []*Entry) ([]*SnapshotError, error) {
	if sd.Differential == nil {
		sd.Differential = &ElementList{} // no constraints: the base as it is
	}
	if sd.BaseDefinition == "" {
		return nil, &BaseError{Profile: sd.URL, Err: errors.New("no snapshot and no baseDefinition to build one from")}
	}
	baseErr := func(err error) error { return &BaseError{Profile: sd.URL, Base: sd.BaseDefinition, Err: err} }
	baseEntry, ok := r.Lookup(sd.BaseDefinition)
	if !ok {
		return nil, baseErr(errors.New("is not loaded (load the guide that defines it with --ig)"))
	}
	if baseEntry.ResourceType != "StructureDefinition" {
		return nil, baseErr(fmt.Errorf("is a %s, not a StructureDefinition", baseEntry.ResourceType))
	}
	if through := r.baseCycle(baseEntry); through != "" {
		return nil, baseErr(fmt.Errorf("is circular: the baseDefinition chain comes back through %s", through))
	}
	base, err := r.structureDefinition(baseEntry, expanding)
	if err != nil {
		return nil, baseErr(fmt.Errorf("cannot be expanded: %w", err))
	}
	g := &snapshotter{r: r, sd: sd, elems: cloneElements(base.Snapshot.Element), expanding: expanding}
	if sd.Type != "" && base.Type != sd.Type && len(g.elems) > 0 {
		g.rebase(g.elems[0].Path, sd.Type)
	}
	g.apply(sd.Differential.Element)
	sd.Snapshot = &ElementList{Element: g.elems}
	return g.problems, nil
}

// apply merges each differential element in turn. An element that cannot be
// placed is reported and left out, and so are the elements inside it (their
// problem is the same one).
func (g *snapshotter) apply(diff []ElementDefinition) {
	ids := make([]string, len(diff)) // snapshot id of each element placed
	var failed []string
	sliceCtx := map[string]string{}
	for i := range diff {
		d := diff[i]
		id := d.ID
		if id == "" {
			id = legacyID(&d, sliceCtx)
		}
		if slices.ContainsFunc(failed, func(f string) bool { return within(id, f) }) {
			continue
		}
		fail := func(field, format string, args ...any) {
			g.report(i, id, field, true, format, args...)
			failed = append(failed, id)
		}
		if emptySegment(id) || emptySegment(d.Path) {
			fail("path", "%q has an empty element name ('..')", cmp.Or(d.Path, id))
			continue
		}
		nid, err := g.normaliseChoice(placeByPath(id, d.Path, d.SliceName), &d)
		if err != nil {
			fail("path", "%v", err)
			continue
		}
		idx, err := g.ensure(nid)
		if err != nil {
			fail("", "%v", err)
			continue
		}
		g.checkSlicingKept(i, nid, &d, diff, ids)
		merge(&g.elems[idx], &d)
		// A type naming several profiles (alternatives) keeps the base's
		// children: which element a value follows is decided per value.
		if len(d.Type) == 1 && len(d.Type[0].Profile) == 1 && d.Type[0].ProfileElement(0) != "" {
			if err := g.adoptElement(idx); err != nil {
				g.report(i, nid, "type", false, "%v", err)
			}
		}
		ids[i] = nid
	}
	for i := range diff {
		if diff[i].Slicing != nil && ids[i] != "" {
			g.checkDiscriminators(i, ids[i], diff[i].Slicing)
		}
	}
}

// within reports whether id is the element f or inside it (a child or a slice).
func within(id, f string) bool {
	rest, ok := strings.CutPrefix(id, f)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == ':')
}

func emptySegment(p string) bool {
	return p != "" && (strings.Contains(p, "..") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, "."))
}

func (g *snapshotter) report(i int, elem, field string, fatal bool, format string, args ...any) {
	g.problems = append(g.problems, &SnapshotError{Profile: g.sd.URL, Element: elem, Reason: fmt.Sprintf(format, args...), Index: i, Field: field, Fatal: fatal})
}

// enter and leave track the definitions whose snapshots are being generated,
// so a cycle of base definitions is an error rather than a deadlock.
// baseCycle walks the baseDefinition chain from e and returns the URL where it
// comes back to a definition already on it, or "". Expanding a profile
// expands its base first (each once, under a sync.Once), so a cycle would
// otherwise wait on itself forever. The walk reads only the baseDefinition of
// each entry and shares no state between goroutines.
func (r *Registry) baseCycle(e *Entry) string {
	seen := map[*Entry]bool{}
	for cur := e; cur != nil; {
		if seen[cur] {
			return cur.URL
		}
		seen[cur] = true
		if cur.core != nil {
			return "" // the core never derives from a guide's definition
		}
		var head struct {
			BaseDefinition string `json:"baseDefinition"`
		}
		if err := json.Unmarshal(cur.raw, &head); err != nil || head.BaseDefinition == "" {
			return ""
		}
		next, ok := r.Lookup(head.BaseDefinition)
		if !ok {
			return ""
		}
		cur = next
	}
	return ""
}

// legacyID computes the id of a differential element that has none (older
// profiles): children following a slice belong to that slice.
func legacyID(d *ElementDefinition, ctx map[string]string) string {
	id := d.Path
	best := ""
	for p := range ctx {
		if strings.HasPrefix(d.Path, p+".") && len(p) > len(best) {
			best = p
		}
	}
	if best != "" {
		id = ctx[best] + d.Path[len(best):]
	}
	if d.SliceName != "" {
		id += ":" + d.SliceName
		ctx[d.Path] = id
	} else {
		delete(ctx, d.Path)
	}
	return id
}

type snapshotter struct {
	r     *Registry
	sd    *StructureDefinition
	elems []ElementDefinition
	// expanding is the chain of definitions being expanded (see
	// Registry.structureDefinition).
	expanding []*Entry
	problems  []*SnapshotError
}

func cloneElements(in []ElementDefinition) []ElementDefinition {
	out := make([]ElementDefinition, len(in))
	copy(out, in)
	for i := range out {
		if out[i].ID == "" {
			out[i].ID = out[i].ElementID()
		}
	}
	return out
}

// profileElementIndex is the index in sd's snapshot of the element whose
// children a value of type t has: the element t's single profile names
// through the profile-element extension, else the root; -1 when the named
// element is not there.
func profileElementIndex(sd *StructureDefinition, t TypeRef) int {
	if len(t.Profile) != 1 || t.ProfileElement(0) == "" || sd.Snapshot == nil {
		return 0
	}
	id := t.ProfileElement(0)
	for i := range sd.Snapshot.Element {
		if sd.Snapshot.Element[i].ElementID() == id {
			return i
		}
	}
	return -1
}

// rebase renames the root of every element (a specialisation of a base type).
func (g *snapshotter) rebase(from, to string) {
	for i := range g.elems {
		g.elems[i].Path = replaceRoot(g.elems[i].Path, from, to)
		g.elems[i].ID = replaceRoot(g.elems[i].ID, from, to)
	}
}

func replaceRoot(s, from, to string) string {
	if s == from {
		return to
	}
	if rest, ok := strings.CutPrefix(s, from); ok && (rest[0] == '.' || rest[0] == ':') {
		return to + rest
	}
	return s
}

func (g *snapshotter) index(id string) int {
	for i := range g.elems {
		if g.elems[i].ID == id {
			return i
		}
	}
	return -1
}

// normaliseChoice maps a renamed choice segment ("Observation.valueQuantity")
// to the choice element ("Observation.value[x]") restricted to that type. A
// rename for a type the choice does not allow ("valueBla") is an error.
func (g *snapshotter) normaliseChoice(id string, d *ElementDefinition) (string, error) {
	if g.index(id) >= 0 {
		return id, nil
	}
	segs := strings.Split(id, ".")
	changed := false
	for i := 1; i < len(segs); i++ {
		name, slice, _ := strings.Cut(segs[i], ":")
		if strings.HasSuffix(name, "[x]") {
			continue
		}
		prefix := strings.Join(segs[:i], ".")
		if g.index(prefix+"."+name) >= 0 {
			continue // an element of that very name ("valueSet" beside "value[x]")
		}
		choice, code, wrong := g.findChoice(prefix, name)
		if choice == "" && wrong == nil && renameLike(name) {
			// The choice may be a child of a data type not yet expanded
			// ("extension:a.valueIdentifier"): expand it and look again.
			if pi, err := g.ensure(prefix); err == nil && !g.hasChildren(pi) && g.expand(pi) == nil {
				choice, code, wrong = g.findChoice(prefix, name)
			}
		}
		if wrong != nil {
			return "", errors.New(notAChoice(wrong, name))
		}
		if choice == "" {
			continue
		}
		segs[i] = choice
		if slice != "" {
			segs[i] += ":" + slice
		}
		if i == len(segs)-1 && len(d.Type) == 0 {
			d.Type = []TypeRef{{Code: code}}
		}
		changed = true
	}
	if changed {
		return strings.Join(segs, "."), nil
	}
	return id, nil
}

// renameLike reports whether name could be a choice renamed for a type: an
// upper-case letter after a lower-case stem.
func renameLike(name string) bool {
	for i := 1; i < len(name); i++ {
		if name[i] >= 'A' && name[i] <= 'Z' {
			return true
		}
	}
	return false
}

// findChoice finds the choice child of prefix that name renames: its last
// segment ("value[x]") and the type code, or the choice element whose stem
// matches but that does not allow the type (wrong).
func (g *snapshotter) findChoice(prefix, name string) (choice, code string, wrong *ElementDefinition) {
	for j := range g.elems {
		el := &g.elems[j]
		if !strings.HasPrefix(el.ID, prefix+".") {
			continue
		}
		cand := el.ID[len(prefix)+1:]
		if strings.ContainsAny(cand, ".:") || !strings.HasSuffix(cand, "[x]") {
			continue
		}
		stem := strings.TrimSuffix(cand, "[x]")
		typ, ok := strings.CutPrefix(name, stem)
		if !ok || typ == "" || typ[0] < 'A' || typ[0] > 'Z' {
			continue
		}
		c, allowed := choiceType(el, typ)
		if !allowed {
			wrong = el
			continue
		}
		return cand, c, nil
	}
	return "", "", wrong
}

// choiceType finds the type of choice element el that a renamed segment's
// suffix names ("Quantity", "DateTime"): its code, and whether el allows it.
// An element that lists no types allows any.
func choiceType(el *ElementDefinition, suffix string) (string, bool) {
	if len(el.Type) == 0 {
		return ChoiceSuffix(suffix), true
	}
	for _, t := range el.Type {
		code := t.Code
		if i := strings.LastIndexByte(code, '/'); i >= 0 {
			code = code[i+1:] // a logical model's type, by URL
		}
		if TypeSuffix(code) == suffix {
			return t.Code, true
		}
	}
	return "", false
}

// notAChoice explains that a renamed segment names a type the choice element
// does not allow.
func notAChoice(el *ElementDefinition, name string) string {
	stem := strings.TrimSuffix(el.Name(), "[x]")
	return fmt.Sprintf("%s is not one of the types %s allows (%s), so %s names no element; use %s, or %s followed by one of those types",
		name[len(stem):], el.Path, strings.Join(el.TypeCodes(), ", "), name, el.Name(), stem)
}

// SplitID separates an element id into its parent id and last segment
// ("Observation.component:bp.code" → "Observation.component:bp", "code").
func SplitID(id string) (parent, last string) {
	// Slice names may contain dots only after a colon; split at the last dot
	// that is not inside the final segment's slice name.
	seg := strings.LastIndexByte(id, '.')
	if c := strings.LastIndexByte(id, ':'); c > seg {
		// the dot before the colon separates parent and segment
		seg = strings.LastIndexByte(id[:c], '.')
	}
	if seg < 0 {
		return "", id
	}
	return id[:seg], id[seg+1:]
}

// ensure returns the index of the element with id, creating it (a new slice,
// or the children of a data type) when the base does not list it.
func (g *snapshotter) ensure(id string) (int, error) {
	if i := g.index(id); i >= 0 {
		return i, nil
	}
	parent, last := SplitID(id)
	name, slice, isSlice := strings.Cut(last, ":")
	if isSlice {
		baseID := name
		if parent != "" {
			baseID = parent + "." + name
		}
		if k := strings.LastIndexByte(slice, '/'); k >= 0 {
			baseID += ":" + slice[:k] // a re-slice slices its slice
		}
		bi, err := g.ensure(baseID)
		if err != nil {
			return 0, err
		}
		return g.addSlice(bi, baseID, id, slice), nil
	}
	if parent == "" {
		return 0, fmt.Errorf("no such root element (the base type is %s)", g.elems[0].Path)
	}
	pi, err := g.ensure(parent)
	if err != nil {
		return 0, err
	}
	if !g.hasChildren(pi) {
		if err := g.expand(pi); err != nil {
			return 0, err
		}
		if i := g.index(id); i >= 0 {
			return i, nil
		}
	}
	if p := &g.elems[pi]; len(p.Type) > 1 && p.ContentReference == "" {
		return 0, fmt.Errorf("element %s has several types (%s) and %q is not common to all of them: constrain it to one type before constraining its children", p.ID, strings.Join(p.TypeCodes(), ", "), name)
	}
	return 0, fmt.Errorf("%s has no child element %q", describeTypes(&g.elems[pi]), name)
}

func describeTypes(e *ElementDefinition) string {
	if e.ContentReference != "" {
		return "element " + e.ID + " (" + e.ContentReference + ")"
	}
	if len(e.Type) == 0 {
		return "element " + e.ID
	}
	return "element " + e.ID + " of type " + strings.Join(e.TypeCodes(), "|")
}

func (g *snapshotter) hasChildren(i int) bool {
	return i+1 < len(g.elems) && strings.HasPrefix(g.elems[i+1].ID, g.elems[i].ID+".")
}

// blockEnd returns the index of the last element belonging to the element at
// i: its children, and (for an unsliced element) its slices.
func (g *snapshotter) blockEnd(i int) int {
	id := g.elems[i].ID
	j := i
	for j+1 < len(g.elems) {
		next := g.elems[j+1].ID
		if strings.HasPrefix(next, id+".") || strings.HasPrefix(next, id+":") || strings.HasPrefix(next, id+"/") {
			j++
			continue
		}
		break
	}
	return j
}

// addSlice copies the sliced element and its children as a new slice after the
// last existing slice.
func (g *snapshotter) addSlice(bi int, baseID, id, slice string) int {
	end := g.blockEnd(bi)
	var copies []ElementDefinition
	for j := bi; j <= end; j++ {
		el := g.elems[j]
		if j > bi && !strings.HasPrefix(el.ID, baseID+".") {
			continue // other slices and their children
		}
		el.ID = id + el.ID[len(baseID):]
		if j == bi {
			el.SliceName = slice
			if k := strings.LastIndexByte(slice, '/'); k >= 0 {
				el.SliceName = slice
			}
			el.Slicing = nil
			zero := 0
			el.Min = &zero
			// A type slice of a choice ("value[x]:valueQuantity") restricts its type.
			if stem, ok := strings.CutSuffix(g.elems[bi].Name(), "[x]"); ok {
				if typ, ok := strings.CutPrefix(slice, stem); ok && typ != "" {
					t := ChoiceSuffix(typ)
					for _, tr := range el.Type {
						if tr.Code == t {
							el.Type = []TypeRef{tr}
							break
						}
					}
				}
			}
		}
		copies = append(copies, el)
	}
	g.elems = slices.Insert(g.elems, end+1, copies...)
	return end + 1
}

// adoptElement gives the element at i the children of the element its type
// names in another profile (profile-element), in place of those it has from
// its base: the element is defined as that one is, and the differential's
// own constraints on its children apply on top.
func (g *snapshotter) adoptElement(i int) error {
	end := i + 1
	for end < len(g.elems) && strings.HasPrefix(g.elems[end].ID, g.elems[i].ID+".") {
		end++
	}
	if end == i+1 {
		return nil // no children yet: they come from the named element when needed (expand)
	}
	kept := slices.Clone(g.elems[i+1 : end])
	g.elems = slices.Delete(g.elems, i+1, end)
	if u, _ := SplitCanonical(g.elems[i].Type[0].Profile[0]); u == g.sd.URL {
		// An element of this very profile, which is not built yet: the
		// element is left without children, and validation takes them
		// from the named element.
		return nil
	}
	if err := g.expand(i); err != nil {
		g.elems = slices.Insert(g.elems, i+1, kept...)
		return err
	}
	return nil
}

// expand inserts the children of the element at i from its content reference
// or from the definition of its (single) type.
func (g *snapshotter) expand(i int) error {
	el := g.elems[i]
	var kids []ElementDefinition
	var fromID, fromPath string
	switch {
	case el.ContentReference != "":
		// The reference means the element as the base type defines it: a
		// profile's constraints and slices on Parameters.parameter do not
		// apply to each nested part, which only reuses the definition.
		_, ref, _ := strings.Cut(el.ContentReference, "#")
		from := g.elems
		if core, err := g.r.BaseType(g.sd.Type); err == nil && core.Snapshot != nil {
			from = core.Snapshot.Element
		}
		ri := -1
		for j := range from {
			if from[j].ElementID() == ref || from[j].Path == ref && from[j].SliceName == "" {
				ri = j
				break
			}
		}
		if ri < 0 {
			return fmt.Errorf("content reference %s: no such element", el.ContentReference)
		}
		fromID, fromPath = from[ri].ElementID(), from[ri].Path
		for j := ri + 1; j < len(from) && strings.HasPrefix(from[j].ElementID(), fromID+"."); j++ {
			if !strings.Contains(from[j].ElementID()[len(fromID):], ":") {
				kids = append(kids, from[j])
			}
		}
		kids = cloneElements(kids)
	default:
		codes := map[string]bool{}
		for _, t := range el.Type {
			codes[t.Code] = true
		}
		if len(codes) == 0 {
			return fmt.Errorf("element %s has no type, so its children are unknown", el.ID)
		}
		t := el.Type[0]
		if len(codes) > 1 {
			// Only what every data type has (Element's id and extension)
			// can be constrained before the choice is narrowed to one type.
			t = TypeRef{Code: "Element"}
		}
		var typeSD *StructureDefinition
		var err error
		if len(t.Profile) == 1 && t.Code != "Reference" {
			e, ok := g.r.Lookup(t.Profile[0])
			if !ok {
				return fmt.Errorf("profile %s of element %s is not loaded", t.Profile[0], el.ID)
			}
			typeSD, err = g.r.structureDefinition(e, g.expanding)
		} else {
			typeSD, err = g.r.BaseType(t.Code)
		}
		if err != nil {
			return fmt.Errorf("type %s of element %s: %w", t.Code, el.ID, err)
		}
		te := typeSD.Snapshot.Element
		if len(te) == 0 {
			return fmt.Errorf("type %s has an empty snapshot", t.Code)
		}
		start := profileElementIndex(typeSD, t)
		if start < 0 {
			return fmt.Errorf("profile %s of element %s has no element %s", t.Profile[0], el.ID, t.ProfileElement(0))
		}
		fromID, fromPath = te[start].ElementID(), te[start].Path
		end := start + 1
		for end < len(te) && strings.HasPrefix(te[end].ElementID(), fromID+".") {
			end++
		}
		kids = cloneElements(te[start+1 : end])
	}
	for k := range kids {
		kids[k].ID = el.ID + kids[k].ElementID()[len(fromID):]
		if strings.HasPrefix(kids[k].Path, fromPath) {
			kids[k].Path = el.Path + kids[k].Path[len(fromPath):]
		}
	}
	g.elems = slices.Insert(g.elems, i+1, kids...)
	return nil
}

// mergeExtensions is the base element's extensions with the differential's
// in place of those with the same url, as a profile restates an element's
// extension to change it.
func mergeExtensions(base, diff []json.RawMessage) []json.RawMessage {
	url := func(raw json.RawMessage) string {
		var x struct {
			URL string `json:"url"`
		}
		_ = json.Unmarshal(raw, &x) // an extension without a url merges as ""
		return x.URL
	}
	restated := map[string]bool{}
	for _, d := range diff {
		restated[url(d)] = true
	}
	out := make([]json.RawMessage, 0, len(base)+len(diff))
	for _, b := range base {
		if !restated[url(b)] {
			out = append(out, b)
		}
	}
	return append(out, diff...)
}

// merge applies a differential element's constraints to a snapshot element.
func merge(s, d *ElementDefinition) {
	if d.SliceName != "" {
		s.SliceName = d.SliceName
	}
	if d.Slicing != nil {
		s.Slicing = d.Slicing
	}
	if d.Min != nil {
		s.Min = d.Min
	}
	if d.Max != "" {
		s.Max = d.Max
	}
	if len(d.Type) > 0 {
		s.Type = d.Type
	}
	if d.ContentReference != "" {
		s.ContentReference = d.ContentReference
	}
	if d.MaxLength != nil {
		s.MaxLength = d.MaxLength
	}
	if len(d.Extension) > 0 {
		s.Extension = mergeExtensions(s.Extension, d.Extension)
	}
	if d.MustSupport {
		s.MustSupport = true
	}
	if d.IsModifier {
		s.IsModifier = true
	}
	if d.Binding != nil {
		b := *d.Binding
		if b.ValueSet == "" && s.Binding != nil {
			b.ValueSet = s.Binding.ValueSet
		}
		if b.Strength == "" && s.Binding != nil {
			b.Strength = s.Binding.Strength
		}
		s.Binding = &b
	}
	if d.Fixed != nil {
		s.Fixed, s.FixedType = d.Fixed, d.FixedType
	}
	if d.Pattern != nil {
		s.Pattern, s.PatternType = d.Pattern, d.PatternType
	}
	if d.MinValue != nil {
		s.MinValue, s.MinValueType = d.MinValue, d.MinValueType
	}
	if d.MaxValue != nil {
		s.MaxValue, s.MaxValueType = d.MaxValue, d.MaxValueType
	}
	if d.Short != "" {
		s.Short = d.Short
	}
	if len(d.Constraint) > 0 {
		cs := slices.Clone(s.Constraint)
		for _, c := range d.Constraint {
			if i := slices.IndexFunc(cs, func(x Constraint) bool { return x.Key == c.Key }); i >= 0 {
				cs[i] = c
			} else {
				cs = append(cs, c)
			}
		}
		s.Constraint = cs
	}
}
