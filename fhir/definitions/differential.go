package definitions

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// This file holds the checks snapshot generation makes on a differential
// beyond placing its elements: that a slice keeps the slicing of the element it
// slices, and that discriminator paths name elements of the sliced element.

// placeByPath returns the id to place a differential element by: its id
// when that names the element its path does (slice names aside), else one
// made of its path and the id's slice names. The path decides, as it does
// for the reference validator: ids are often edited by hand and left stale,
// and a path naming no element is then reported for the path.
func placeByPath(id, path, sliceName string) string {
	if path == "" || id == path || namesPath(id, path) {
		return id
	}
	is, ps := strings.Split(id, "."), strings.Split(path, ".")
	if len(is) != len(ps) {
		if sliceName != "" {
			return path + ":" + sliceName
		}
		return path
	}
	for i := range ps {
		if _, slice, ok := strings.Cut(is[i], ":"); ok {
			ps[i] += ":" + slice
		}
	}
	return strings.Join(ps, ".")
}

// namesPath reports whether id is path with slice names after some of its
// segments (slice names may hold dots, so it matches segment by segment).
func namesPath(id, path string) bool {
	segs := strings.Split(path, ".")
	rest := id
	for i, seg := range segs {
		after, ok := strings.CutPrefix(rest, seg)
		if !ok {
			return false
		}
		rest = after
		last := i == len(segs)-1
		if strings.HasPrefix(rest, ":") {
			if last {
				return true
			}
			k := strings.Index(rest, "."+segs[i+1])
			if k < 0 {
				return false
			}
			rest = rest[k:]
		}
		if last {
			return rest == ""
		}
		if rest, ok = strings.CutPrefix(rest, "."); !ok {
			return false
		}
	}
	return rest == ""
}

// checkSlicingKept reports a slice that states a slicing different from the
// one its sliced element defines earlier in the same differential: the
// slicing belongs to the sliced element, and a slice may repeat it but not
// change it.
func (g *snapshotter) checkSlicingKept(i int, id string, d *ElementDefinition, diff []ElementDefinition, ids []string) {
	if d.Slicing == nil {
		return
	}
	parent, last := SplitID(id)
	name, _, isSlice := strings.Cut(last, ":")
	if !isSlice {
		return
	}
	sliced := name
	if parent != "" {
		sliced = parent + "." + name
	}
	for j := i - 1; j >= 0; j-- {
		if ids[j] != sliced || diff[j].Slicing == nil {
			continue
		}
		if !slicingKept(diff[j].Slicing, d.Slicing) {
			g.report(i, id, "slicing", false, "%s defines the slicing %s, but its slice %s redefines it as %s: a slice may repeat the slicing of the element it slices, but not change it",
				sliced, describeSlicing(diff[j].Slicing), id, describeSlicing(d.Slicing))
		}
		return
	}
}

// slicingKept reports whether s2, stated at a slice, agrees with s1, the
// slicing of the sliced element: what s2 states must be what s1 says.
func slicingKept(s1, s2 *Slicing) bool {
	if len(s2.Discriminator) > 0 && !slices.Equal(s1.Discriminator, s2.Discriminator) {
		return false
	}
	if s2.Rules != "" && s1.Rules != "" && s2.Rules != s1.Rules {
		return false
	}
	return !s2.Ordered || s1.Ordered
}

func describeSlicing(s *Slicing) string {
	var ds []string
	for _, d := range s.Discriminator {
		ds = append(ds, d.Type+":"+d.Path)
	}
	order := "unordered"
	if s.Ordered {
		order = "ordered"
	}
	return fmt.Sprintf("[%s] (%s, %s)", strings.Join(ds, ", "), cmp.Or(s.Rules, "rules not stated"), order)
}

// checkDiscriminators reports each discriminator of the slicing at element id
// whose path names no element of the sliced element (its children, or those
// of its types and their profiles).
func (g *snapshotter) checkDiscriminators(i int, id string, s *Slicing) {
	idx := g.index(id)
	if idx < 0 {
		return
	}
	for k, d := range s.Discriminator {
		if d.Path == "" {
			continue
		}
		if why := g.walk(splitDiscriminator(d.Path), g.elems, idx, g.elems[idx].Type, 0); why != "" {
			g.report(i, id, fmt.Sprintf("slicing.discriminator[%d]", k), false,
				"the discriminator path %q does not resolve on the sliced element %s: %s", d.Path, g.elems[idx].Path, why)
		}
	}
}

// splitDiscriminator splits a discriminator path at the dots that separate
// its steps (not those inside extension('http://...')).
func splitDiscriminator(p string) []string {
	var out []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '.' && depth == 0:
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// position is an element among the elements of a snapshot, with the types
// in force there (a step such as ofType(X) narrows them).
type position struct {
	elems []ElementDefinition
	i     int
	types []TypeRef
}

// walk follows the steps of a discriminator path from element i of elems and
// returns why a step names no element, or "" when each does. Steps it cannot
// follow statically (resolve(), where(...) and other functions) end the
// walk without complaint: only what is certainly wrong is reported.
func (g *snapshotter) walk(steps []string, elems []ElementDefinition, i int, types []TypeRef, depth int) string {
	if len(steps) == 0 || depth > 32 {
		return ""
	}
	step, rest := strings.TrimSpace(steps[0]), steps[1:]
	fn, arg, isCall := splitCall(step)
	switch {
	case step == "$this":
		return g.walk(rest, elems, i, types, depth+1)
	case strings.HasPrefix(step, "@"):
		return "" // older discriminator markers (@type, @profile)
	case isCall && (fn == "ofType" || fn == "as"):
		var kept []TypeRef
		for _, t := range types {
			if typeName(t.Code) == arg || t.Code == arg {
				kept = append(kept, t)
			}
		}
		if len(types) > 0 && len(kept) == 0 {
			return fmt.Sprintf("%s(%s): %s has no type %s (its types are %s)", fn, arg, elems[i].Path, arg, strings.Join(codesOf(types), ", "))
		}
		return g.walk(rest, elems, i, kept, depth+1)
	case isCall && fn == "extension":
		cands, why := g.children(elems, i, types, "extension")
		if why != "" || len(cands) == 0 {
			return why
		}
		if sd := g.extensionDefinition(arg); sd != nil {
			return g.walk(rest, sd.Snapshot.Element, 0, sd.Snapshot.Element[0].Type, depth+1)
		}
		return g.walkAny(rest, cands, depth)
	case isCall:
		return ""
	}
	cands, why := g.children(elems, i, types, step)
	if why != "" {
		return why
	}
	return g.walkAny(rest, cands, depth)
}

// walkAny walks on from any of the candidate positions (an element of several
// types): the path is fine when it is fine from one of them.
func (g *snapshotter) walkAny(steps []string, cands []position, depth int) string {
	first := ""
	for _, c := range cands {
		why := g.walk(steps, c.elems, c.i, c.types, depth+1)
		if why == "" {
			return ""
		}
		if first == "" {
			first = why
		}
	}
	return first
}

func splitCall(step string) (fn, arg string, ok bool) {
	open := strings.IndexByte(step, '(')
	if open < 0 || !strings.HasSuffix(step, ")") {
		return "", "", false
	}
	arg = strings.TrimSpace(step[open+1 : len(step)-1])
	arg = strings.Trim(arg, `'"`)
	arg = strings.TrimPrefix(arg, "FHIR.")
	return step[:open], arg, true
}

// typeName is a type code without a logical model's URL.
func typeName(code string) string {
	if i := strings.LastIndexByte(code, '/'); i >= 0 {
		return code[i+1:]
	}
	return code
}

func codesOf(ts []TypeRef) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Code
	}
	return out
}

// children finds the child called name of element i (of the given types):
// among the elements that follow it, else in the definition of each type.
// No candidates and no reason means it cannot tell (an unknown type).
func (g *snapshotter) children(elems []ElementDefinition, i int, types []TypeRef, name string) ([]position, string) {
	el := &elems[i]
	if p, found, has := inlineChild(elems, i, name); has {
		if !found {
			return nil, fmt.Sprintf("%s has no element %q", el.Path, name)
		}
		return []position{p}, ""
	}
	if el.ContentReference != "" {
		_, ref, _ := strings.Cut(el.ContentReference, "#")
		for j := range elems {
			if elems[j].Path == ref && elems[j].SliceName == "" && j != i {
				return g.children(elems, j, elems[j].Type, name)
			}
		}
		return nil, ""
	}
	var out []position
	var missing []string
	seen := map[string]bool{}
	for _, t := range types {
		key := t.Code + "|" + strings.Join(t.Profile, "|")
		if seen[key] {
			continue
		}
		seen[key] = true
		sd, label := g.typeDefinition(t)
		if sd == nil {
			return nil, "" // a type carecert does not know: cannot tell
		}
		start := profileElementIndex(sd, t)
		if start < 0 {
			return nil, "" // reported when the snapshot is expanded there
		}
		if p, found, _ := inlineChild(sd.Snapshot.Element, start, name); found {
			out = append(out, p)
		} else {
			missing = append(missing, label)
		}
	}
	if len(out) == 0 && len(missing) > 0 {
		return nil, fmt.Sprintf("%s has no element %q", strings.Join(missing, " and "), name)
	}
	return out, ""
}

// inlineChild finds the direct child called name of element i among the
// elements that follow it. has says whether element i has children there.
// A choice child ("value[x]") answers to its stem ("value") and to a rename
// for one of its types ("valueQuantity"), which narrows its types.
func inlineChild(elems []ElementDefinition, i int, name string) (p position, found, has bool) {
	prefix := elems[i].ID
	if prefix == "" {
		prefix = elems[i].ElementID()
	}
	prefix += "."
	for j := i + 1; j < len(elems); j++ {
		id := elems[j].ElementID()
		rest, ok := strings.CutPrefix(id, prefix)
		if !ok {
			break
		}
		if strings.ContainsAny(rest, ".:") {
			continue // a grandchild, or a slice
		}
		has = true
		if rest == name {
			return position{elems, j, elems[j].Type}, true, true
		}
		stem, isChoice := strings.CutSuffix(rest, "[x]")
		if !isChoice {
			continue
		}
		if name == stem {
			return position{elems, j, elems[j].Type}, true, true
		}
		if suffix, ok := strings.CutPrefix(name, stem); ok && suffix != "" {
			for _, t := range elems[j].Type {
				if TypeSuffix(typeName(t.Code)) == suffix {
					return position{elems, j, []TypeRef{t}}, true, true
				}
			}
		}
	}
	return position{}, false, has
}

// typeDefinition returns the definition whose elements a value of type t
// has: its profile when it names exactly one that the registry can expand,
// else the base type; and a label for messages. nil when neither is known.
func (g *snapshotter) typeDefinition(t TypeRef) (*StructureDefinition, string) {
	if len(t.Profile) == 1 && t.Code != "Reference" && t.Code != "canonical" {
		if e, ok := g.r.Lookup(t.Profile[0]); ok && e.ResourceType == "StructureDefinition" {
			if sd, err := g.r.structureDefinition(e, g.expanding); err == nil && hasElements(sd) {
				return sd, "type " + t.Code + " (profile " + t.Profile[0] + ")"
			}
		}
	}
	sd, err := g.r.BaseType(t.Code)
	if err != nil || !hasElements(sd) {
		return nil, ""
	}
	return sd, "type " + t.Code
}

// extensionDefinition returns the loaded definition of an extension URL.
func (g *snapshotter) extensionDefinition(url string) *StructureDefinition {
	e, ok := g.r.Lookup(url)
	if !ok || e.ResourceType != "StructureDefinition" {
		return nil
	}
	sd, err := g.r.structureDefinition(e, g.expanding)
	if err != nil || !hasElements(sd) || sd.Type != "Extension" {
		return nil
	}
	return sd
}

func hasElements(sd *StructureDefinition) bool {
	return sd != nil && sd.Snapshot != nil && len(sd.Snapshot.Element) > 0
}
