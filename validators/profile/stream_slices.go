package profile

import "strings"

// Slicing on the stream path. A sliced element's values are few and small
// (a vital sign's categories, codings and components), so the scan reads
// them twice: first as values of the sliced element, building their map
// forms, which the map walk's own slice assigns to slices (with its
// findings for the slicing rules and slice cardinalities); then each as a
// value of the slice it matched, or of the element where it matched none,
// as walker.property walks them. Discriminators that reach beyond the
// value (through a reference, or by profile) leave the record to the map
// walk (undecidedSlicing).

// sliced scans the values of element k, type t, whose slicing the scan
// decides; with build, it returns their map form.
func (s *scan) sliced(k *node, t *typeInfo, build bool) (any, bool) {
	if s.finds != nil {
		// the walk against the base type, whose coded values are kept,
		// meets no slicing: say so rather than keep values twice
		return nil, s.fail("slicing where coded values are kept at " + k.path)
	}
	w := s.w
	start, ms, collecting := s.i, w.ms, s.collecting
	w.ms = nil // the map walk marks what it walks against the slices, below
	v, ok := s.items(k, t, true, nil)
	w.ms = ms
	if !ok {
		return nil, false
	}
	items, many := v.([]any)
	if !many {
		items = []any{v}
	}
	matched := w.slice(items, k, t, k.path, k.name)
	if len(w.out) > 0 {
		return nil, s.fail("a finding of the slicing of " + k.path)
	}
	// a bound CodeableConcept holding the values kept their codings above
	s.i, s.collecting = start, false
	_, ok = s.items(k, t, false, matched)
	s.collecting = collecting
	if !ok || !build {
		return nil, ok
	}
	return v, true
}

// undecidedSlicing says why the scan cannot decide element n's slicing, ""
// when it can: the map walk's slice decides it on the values' map forms
// alone when it slices by value, pattern, type or existence on paths within
// the value.
func undecidedSlicing(n *node) string {
	if len(n.slices) == 0 || n.slicing == nil {
		return "slicing without slices, or slices without slicing, on " + n.path
	}
	for _, d := range n.slicing.Discriminator {
		switch d.Type {
		case "value", "pattern", "type", "exists":
		default:
			return "slicing by " + d.Type + " on " + n.path
		}
		if strings.Contains(d.Path, "resolve()") {
			return "slicing through a reference on " + n.path
		}
	}
	return ""
}
