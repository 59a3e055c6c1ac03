package profile

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/carecert/carecert/fhir"
)

// Slicing on the stream path. The scan hands the map walk's own slice a
// projection of each value of a sliced element: the members on its
// discriminators' paths, the values at their ends whole (a string as a view
// of the record's bytes), everything else skipped. A discriminator reads a
// value through those paths alone (walker.evalPath), so slice assigns each
// value to the slice it would on the value's map form, with the same
// findings for the slicing rules and the slices' cardinalities. Then the
// scan reads each value with the rules of the slice it matched, or of the
// element where it matched none, as walker.property walks them. A
// discriminator through a reference, by profile, or on a path with a
// function leaves the record to the map walk (sliceReadingOf, once per
// element and type, on its role).

// sliceReading is what the projection of one sliced element's values
// keeps: the discriminators' paths, as names (a type discriminator on $this
// reads the element's type, no member).
type sliceReading struct {
	paths [][]string
}

// sliced scans the values of element k, type t, whose slicing the scan
// decides; with build, it returns their map form.
func (s *scan) sliced(k *node, t *typeInfo, build bool) (any, bool) {
	if s.finds != nil {
		// the walk against the base type, whose coded values are kept,
		// meets no slicing: say so rather than keep values twice
		return nil, s.fail("slicing where coded values are kept at " + k.path)
	}
	r := s.st.roleOf(k, t)
	if r.fallback != "" {
		return nil, s.fail(r.fallback)
	}
	// where the value's depth cannot fail its projection, its bytes alone
	// decide its slices
	remember := s.depth+maxSlicedBytes/2 < fhir.MaxDepth
	var matched []*node
	ok := false
	if remember {
		matched, ok = s.buf.slicings.lookup(k, t, s.src, s.i)
	}
	if !ok {
		var v any
		var end int
		v, end, ok = s.project(s.i, r.slicing.paths, s.depth)
		if ok {
			items, many := v.([]any)
			if !many {
				items = []any{v}
			}
			matched = s.w.slice(items, k, t, k.path, k.name)
		}
		s.buf.forgetProjections() // slice's findings are strings, its matches nodes
		if !ok {
			return nil, s.fail("sliced values the projection leaves to the record's decoding at " + k.path)
		}
		if len(s.w.out) > 0 {
			return nil, s.fail("a finding of the slicing of " + k.path)
		}
		if remember {
			s.buf.slicings.keep(k, t, s.src[s.i:end], matched)
		}
	}
	return s.items(k, t, build, matched)
}

// slicings remembers, per sliced element and type, the slices the values
// written as the same bytes matched without a finding. slice reads nothing
// but the values, the element's slicing and the terminology engine's
// memberships (which are remembered too), so the same bytes match the
// same slices: a feed's vital signs repeat their category and their
// code's codings record after record, and slicing them again was most of
// the implied scan's slicing. A scan's buffer holds it (Streamer.bufs), so
// each worker has its own, dropped with the buffer.
type slicings map[sliceSite]map[string][]*node

// sliceSite is a sliced element and the type its values have.
type sliceSite struct {
	k *node
	t *typeInfo
}

// How much slicings holds: values of a few hundred bytes, and a bound on
// the distinct ones per element, for a feed whose values seldom repeat.
const (
	maxSlicedBytes  = 512
	maxSlicedValues = 1024
)

// lookup returns the slices the value at src[i] matched before, if it was
// seen.
func (m slicings) lookup(k *node, t *typeInfo, src []byte, i int) ([]*node, bool) {
	byValue := m[sliceSite{k, t}]
	if byValue == nil {
		return nil, false
	}
	end, ok := skipValue(src, i)
	if !ok || end-i > maxSlicedBytes {
		return nil, false
	}
	matched, ok := byValue[string(src[i:end])]
	return matched, ok
}

// keep remembers the slices the value raw matched without a finding.
func (m *slicings) keep(k *node, t *typeInfo, raw []byte, matched []*node) {
	if len(raw) > maxSlicedBytes {
		return
	}
	if *m == nil {
		*m = slicings{}
	}
	site := sliceSite{k, t}
	byValue := (*m)[site]
	if byValue == nil {
		byValue = map[string][]*node{}
		(*m)[site] = byValue
	}
	if len(byValue) < maxSlicedValues {
		byValue[string(raw)] = matched
	}
}

// project reads the JSON value at src[i] keeping, of its members, those on
// paths (a name finds its member, or a choice's: "value" finds
// "valueQuantity", as evalPath does), and the values where a path ends
// whole; it returns the offset after the value. depth counts the objects
// and arrays around it. ok is false for what it does not read as the
// record's decoding would (an escaped key; the rest the scan checks after).
func (s *scan) project(i int, paths [][]string, depth int) (v any, end int, ok bool) {
	src := s.src
	if depth > fhir.MaxDepth {
		return nil, 0, false
	}
	for _, p := range paths {
		if len(p) == 0 {
			if src[i] == '"' {
				end := fhir.StringEnd(src, i)
				if end > 0 && bytes.IndexByte(src[i:end], '\\') < 0 {
					return unsafe.String(unsafe.SliceData(src[i+1:end-1]), end-i-2), end, true
				}
			}
			return fhir.DecodeValueAt(src, i, depth)
		}
	}
	switch src[i] {
	case '[':
		i = spaceAfter(src, i+1)
		if i < len(src) && src[i] == ']' {
			return []any(nil), i + 1, true
		}
		// the items are gathered here while their own projections are
		// made, then held in the scan's arena (scanBuf.projected)
		var itemsBuf [8]any
		items := itemsBuf[:0]
		for i < len(src) {
			item, next, ok := s.project(i, paths, depth+1)
			if !ok {
				return nil, 0, false
			}
			items = append(items, item)
			i = spaceAfter(src, next)
			if i < len(src) && src[i] == ',' {
				i = spaceAfter(src, i+1)
				continue
			}
			if i < len(src) && src[i] == ']' {
				return s.buf.projectedItems(items), i + 1, true
			}
			break
		}
		return nil, 0, false
	case '{':
		var m map[string]any
		var subBuf [4][]string
		sub := subBuf[:0]
		i = spaceAfter(src, i+1)
		if i < len(src) && src[i] == '}' {
			return m, i + 1, true
		}
		for i < len(src) && src[i] == '"' {
			keyEnd := fhir.StringEnd(src, i)
			if keyEnd < 0 || bytes.IndexByte(src[i:keyEnd], '\\') >= 0 {
				return nil, 0, false
			}
			key := unsafe.String(unsafe.SliceData(src[i+1:keyEnd-1]), keyEnd-i-2)
			i = spaceAfter(src, keyEnd)
			if i >= len(src) || src[i] != ':' {
				return nil, 0, false
			}
			i = spaceAfter(src, i+1)
			sub = sub[:0]
			for _, p := range paths {
				if rest, ok := strings.CutPrefix(key, p[0]); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z') {
					sub = append(sub, p[1:])
				}
			}
			var next int
			if len(sub) == 0 {
				if next, ok = skipValue(src, i); !ok {
					return nil, 0, false
				}
			} else {
				var kept any
				if kept, next, ok = s.project(i, sub, depth+1); !ok {
					return nil, 0, false
				}
				if m == nil {
					m = s.buf.projectedObject()
				}
				m[key] = kept
			}
			i = spaceAfter(src, next)
			if i < len(src) && src[i] == ',' {
				i = spaceAfter(src, i+1)
				continue
			}
			if i < len(src) && src[i] == '}' {
				return m, i + 1, true
			}
			break
		}
		return nil, 0, false
	}
	// a primitive where a path goes on: nothing there for it to find
	end, ok = skipValue(src, i)
	return nil, end, ok
}

// projectedObject lends a projection an empty object from the scan's
// arena: a vital sign's slicing projects a few objects, for the slicing of
// one element at a time (forgetProjections).
func (b *scanBuf) projectedObject() map[string]any {
	if b.projUsed == len(b.projObjects) {
		b.projObjects = append(b.projObjects, make(map[string]any, 2))
	}
	b.projUsed++
	return b.projObjects[b.projUsed-1]
}

// projectedItems holds a projection's array in the scan's arena.
func (b *scanBuf) projectedItems(items []any) []any {
	start := len(b.projected)
	b.projected = append(b.projected, items...)
	return b.projected[start:len(b.projected):len(b.projected)]
}

// forgetProjections empties what the projections of one sliced element
// held, once slice has decided it, for the next element's; nothing of
// the record's stays reachable from the arena.
func (b *scanBuf) forgetProjections() {
	for _, m := range b.projObjects[:b.projUsed] {
		clear(m)
	}
	b.projUsed = 0
	clear(b.projected)
	b.projected = b.projected[:0]
}

// spaceAfter returns the first offset from i that is not JSON white space.
func spaceAfter(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the offset after the JSON value at src[i], read only
// as far as finding its end (the scan checks its grammar after).
func skipValue(src []byte, i int) (int, bool) {
	depth := 0
	for i < len(src) {
		switch c := src[i]; {
		case c == '"':
			end := fhir.StringEnd(src, i)
			if end < 0 {
				return 0, false
			}
			if depth == 0 {
				return end, true
			}
			i = end
			continue
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth < 0 {
				return 0, false
			}
			if depth == 0 {
				return i + 1, true
			}
		case depth == 0:
			// a number or a literal: up to the next delimiter
			j := i
			for j < len(src) && !delimiter(src[j]) {
				j++
			}
			return j, j > i
		}
		i++
	}
	return 0, false
}

// delimiter reports whether c ends a JSON number or literal.
func delimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// sliceReadingOf says how the scan reads element n's slicing: the paths
// its projection keeps, or why the scan cannot decide it. The map walk's
// slice decides it on the projections alone when it slices by value,
// pattern, existence or the element's own type ($this), on paths of
// member names within the value; a type read from a resource's or a
// choice's name, a reference followed (resolve()), a profile or a path
// with a function need more than the projection keeps.
func sliceReadingOf(n *node) (*sliceReading, string) {
	if len(n.slices) == 0 || n.slicing == nil {
		return nil, "slicing without slices, or slices without slicing, on " + n.path
	}
	r := &sliceReading{}
	for _, d := range n.slicing.Discriminator {
		switch d.Type {
		case "value", "pattern", "exists":
		case "type":
			if d.Path == "$this" {
				continue // slice reads the element's type (discriminate)
			}
			return nil, "slicing by the type at " + d.Path + " on " + n.path
		default:
			return nil, "slicing by " + d.Type + " on " + n.path
		}
		var path []string
		for _, seg := range segments(d.Path) {
			if seg == "$this" {
				continue
			}
			if !isIdentifier(seg) {
				return nil, "a discriminator the values' projection cannot hold (" + d.Path + ") on " + n.path
			}
			path = append(path, seg)
		}
		r.paths = append(r.paths, path)
	}
	return r, ""
}
