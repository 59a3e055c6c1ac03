package profile

import (
	"strings"

	"github.com/carecert/carecert/fhir"
)

// Contained resources on the stream path. A record's contained resources
// (an ExplanationOfBenefit's Coverage and referral) are few and small beside
// the record, so the scan decodes them alone and hands them to the map
// walk's own walk of the root's contained property, as the map walk meets
// it: the same rules, the same findings, coded values and shape proof, with
// the rest of the record never decoded. For the root's rules about them the
// scan keeps the decoded resources (the root's projection, where a local
// reference finds them and dom-2, dom-4, dom-5 and the unique ids read them)
// and every local reference ("#…" strings) it passes elsewhere, for dom-3.

// containedMember walks the root's contained property, at s.i, as the map
// walk does (walker.property on the decoded value); parent is the root's
// path when coded values are kept. A value the one-pass decoder cannot read
// as the record's decoding would (a repeated key, a \u surrogate) is left to
// the map walk.
func (s *scan) containedMember(k *node, t *typeInfo, name string, parent pathAt) bool {
	v, end, ok := fhir.DecodeValueAt(s.src, s.i, s.depth)
	if !ok {
		return s.fail("contained resources the one-pass decoder leaves to the record's decoding")
	}
	s.i = end
	w := s.w
	s.rootProj = map[string]any{"resourceType": s.sp.compiled.Type, "contained": v}
	if s.id != "" {
		// A contained narrative's #link counts the anchors of the record's
		// resource too (walker.anchors), and of those the scan passes its
		// id alone (element ids and narratives leave the record to the map
		// walk, and so does an id after the contained resources: object).
		s.rootProj["id"] = strings.Clone(s.id)
	}
	w.res, w.root = s.rootProj, s.rootProj
	at := parent
	if s.finds == nil {
		at = w.pathRoot(s.sp.compiled.Type)
		defer w.pathEnd(at)
	}
	w.found = s.finds
	if s.judge != nil {
		w.proof = &shapeProof{judge: s.judge}
	}
	root := s.sp.compiled.root
	saved := w.holder
	w.holder = holder{value: s.rootProj, n: root}
	w.property(name, member{v: v, hasV: true}, k, t, at, hostElem{n: root})
	w.holder = saved
	if w.proof != nil && w.proof.doubt {
		s.doubt = true
	}
	partial := w.found != nil && w.found.partial
	w.found, w.proof = nil, nil
	switch {
	case len(w.out) > 0:
		return s.fail("a finding in a contained resource")
	case partial:
		return s.fail("a contained value the coded values leave out")
	}
	return true
}

// containedChecks adds to due the root's invariants about contained
// resources that evaluate on its projection, and decides dom-3 (its native
// form, the one containedRules can hold) on the local references the scan
// gathered with those of the contained resources; then the contained ids
// are held to a set, as walker.resource does.
func (s *scan) containedChecks(due []*invariant) ([]*invariant, bool) {
	for _, inv := range s.sp.containedRules {
		if inv.key != "dom-3" {
			due = append(due, inv)
			continue
		}
		refs := make(map[string]bool, len(s.localRefs)+4)
		for _, r := range s.localRefs {
			refs[r] = true
		}
		collectLocalRefs(s.rootProj["contained"], refs)
		if !containedReferenced(containedOf(s.rootProj), refs) {
			return nil, s.fail("a contained resource nothing refers to (dom-3)")
		}
	}
	s.w.uniqueSets(s.rootProj, s.sp.compiled.Type)
	if len(s.w.out) > 0 {
		return nil, s.fail("contained resources without an id, or with one id")
	}
	return due, true
}
