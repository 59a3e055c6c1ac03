package profile

import (
	"reflect"
	"slices"

	"github.com/carecert/carecert/fhir"
)

// Vital signs on the stream path. An Observation coded with a vital sign's
// LOINC code must also conform to that sign's profile (implied.go), which
// slices code.coding, category, value[x] and component, fixes units and
// adds invariants (vs-1, vs-2, vs-3). The scan proves the record against
// its base type and notes the implied profile as it passes the codings of
// Observation.code; then it scans the record's bytes again, driven by the
// implied profile's own compiled snapshot as the first scan was by the
// base type's: the profile's cardinalities, types, fixed values,
// bindings, target types and invariants are the scan's ordinary rules,
// its slicing is decided by the map walk's own slice on map forms of the
// sliced values alone (stream_slices.go), and the must-support elements it
// passes are counted as the map walk counts them. Root invariants the
// profile shares with the base type (same key and expression) held on the
// first scan and are not evaluated again.
//
// Whatever that scan cannot decide (an extension, a reference to a
// profiled target, a slicing by profile) sends the profile back to today's
// walk on the record's map form, as ValidateRecord's second and later walks
// do; the record is clean only if its implied profile is proven or walked
// without a finding. A finding of the scan's own rules (they are the map
// walk's, on the values' map forms) decides at once that the profile has
// one: the profile check's walk then says which (profileState.observe), so
// the profile is not walked to learn it first (a Synthea blood pressure
// coded 55284-4 alone, without the sign's own LOINC code).

// imply notes the profile one coding of the record's code implies, if it
// ranks before those of the codings passed (implyBy).
func (s *scan) imply(system, code string) {
	s.implied = s.e.implyBy(s.implied, system, code)
}

// impliedOf compiles the stream form of a profile the records of base's
// type imply, once.
func (st *Streamer) impliedOf(url string, base *streamCompiled) *streamCompiled {
	v, ok := st.implied.Load(url)
	if !ok {
		v, _ = st.implied.LoadOrStore(url, st.e.compileImplied(url, base))
	}
	return v.(*streamCompiled)
}

// compileImplied builds the stream form of the implied profile url over
// base, the stream form of the type it constrains; one with no compiled
// profile leaves the profile to the map walk.
func (e *Engine) compileImplied(url string, base *streamCompiled) *streamCompiled {
	p, err := e.Compiled(url)
	if err != nil || p.root == nil || p.Kind != "resource" || p.Type != base.compiled.Type || len(p.imposed) > 0 {
		return &streamCompiled{}
	}
	sp := e.streamForm(p, base.compiled.root.invariants)
	if sp.compiled != nil {
		sp.held = heldMembers(p.root, base.compiled.root)
	}
	return sp
}

// heldMembers says, per slot of the profile root's layout, whether the
// member there has exactly the rules of the base type's member of that
// name: the profile adds nothing to it but, at most, must-support on the
// member itself. The scan against the base type held such a member to
// them, so the scan against the profile only marks it present (skipHeld).
func heldMembers(root, base *node) []bool {
	lay, baseLay := root.ownLayout(), base.ownLayout()
	held := make([]bool, lay.slots)
	for slot, k := range lay.slotKids {
		if k == nil {
			continue
		}
		b := baseLay.index[k.name]
		held[slot] = b != nil && sameRules(k, b, true)
	}
	return held
}

// sameRules reports whether the profile's element a is the base's b in
// every rule a walk reads, its children too (as the profile lists them);
// member says a must-support mark on a itself is allowed.
func sameRules(a, b *node, member bool) bool {
	if a == b {
		return true
	}
	switch {
	case a.ms >= 0 && !member, a.name != b.name, a.choice != b.choice, a.min != b.min, a.max != b.max,
		a.baseMax1 != b.baseMax1, a.maxLength != b.maxLength, a.modifier != b.modifier,
		a.minType != b.minType, a.maxType != b.maxType,
		a.slicing != nil || b.slicing != nil || len(a.slices) > 0 || len(b.slices) > 0,
		a.controls != nil || b.controls != nil,
		a.contentRef != b.contentRef, // a profile's content references are the base type's elements (compile)
		!reflect.DeepEqual([]any{a.fixed, a.pattern, a.minValue, a.maxValue}, []any{b.fixed, b.pattern, b.minValue, b.maxValue}),
		!reflect.DeepEqual(a.binding, b.binding),
		len(a.types) != len(b.types), len(a.invariants) != len(b.invariants), len(a.children) != len(b.children):
		return false
	}
	for i, t := range a.types {
		u := b.types[i]
		if t.code != u.code || t.suffix != u.suffix || t.compiled != u.compiled || t.profiledTargets != u.profiledTargets ||
			t.elementIDs != nil || u.elementIDs != nil || len(t.alternatives) > 0 || len(u.alternatives) > 0 ||
			!slices.Equal(t.profiles, u.profiles) || !slices.Equal(t.targets, u.targets) ||
			!slices.Equal(t.targetProfiles, u.targetProfiles) || !slices.Equal(t.aggregation, u.aggregation) ||
			len(t.invariants) != len(u.invariants) {
			return false
		}
		for j, inv := range t.invariants {
			if inv.key != u.invariants[j].key || inv.expr != u.invariants[j].expr {
				return false
			}
		}
	}
	for i, inv := range a.invariants {
		if inv.key != b.invariants[i].key || inv.expr != b.invariants[i].expr {
			return false
		}
	}
	for i, k := range a.children {
		if !sameRules(k, b.children[i], false) {
			return false
		}
	}
	return true
}

// skipHeld passes a root member whose rules the first scan held it to
// (heldMembers), marking it present for the profile's must-support.
func (s *scan) skipHeld(k *node) bool {
	end, ok := skipValue(s.src, s.i)
	if !ok {
		return s.fail("malformed JSON")
	}
	s.i = end
	s.w.supported(k)
	return true
}

// impliedChecks holds the record to the profile its codes imply, as
// ValidateRecord does after the base walk: by a scan against the profile
// where that scan proves it, otherwise by today's walk of the record's map
// form. What the checks put in the sink (must-support coverage,
// unevaluated invariants) reaches sink only for a clean record: one that is
// not is walked again by the map walk.
func (s *scan) impliedChecks(sink *Sink) (bool, string) {
	url := s.implied.url
	if sp := s.st.impliedOf(url, s.sp); sp.compiled != nil {
		var own Sink
		ms, ok, found := s.impliedScan(sp, &own)
		switch {
		case ok:
			sink.Merge(&own)
			if len(ms) > 0 {
				sink.covered(sp.compiled.URL, ms)
			}
			return true, ""
		case found:
			return false, "a finding of the implied profile " + url + " on the scan"
		}
	}
	var scratch Sink
	if ok, why := s.impliedWalk(url, &scratch); !ok {
		return false, why
	}
	sink.Merge(&scratch)
	return true, ""
}

// impliedScan scans the record's bytes against the implied profile sp,
// returning which of its must-support elements the record populates when
// the scan proves the profile's walk would find nothing; found says the
// scan gave up on a finding of its rules, which the walk makes too.
func (s *scan) impliedScan(sp *streamCompiled, sink *Sink) (ms []bool, ok, found bool) {
	b := s.buf
	w := &b.impliedW
	*w = walker{e: s.e, rec: s.w.rec, compiled: sp.compiled, sink: sink}
	w.segs = w.segsBuf[:0]
	if n := len(sp.compiled.mustSupport); n > 0 {
		w.ms = make([]bool, n)
	}
	ps := &b.implied
	*ps = scan{e: s.e, st: s.st, sp: sp, src: s.src, w: w, buf: b}
	ok = ps.record()
	ms, found = w.ms, len(w.out) > 0
	*w = walker{} // the walker's maps and findings belong to this record alone
	return ms, ok, found
}

// impliedWalk walks the record's map form against the profile url, as
// ValidateRecord does after the base walk.
func (s *scan) impliedWalk(url string, sink *Sink) (bool, string) {
	if s.w.rec.Deferred() {
		// Streamer.Prove's record is decoded here once, for the other
		// checks too.
		s.w.rec.Load()
	}
	rec := *s.w.rec
	if rec.Resource() == nil {
		res, err := fhir.Decode(rec.Raw)
		if err != nil {
			return false, "not decoded: " + err.Error()
		}
		rec.Value = res
	}
	p, err := s.e.Compiled(url)
	if err != nil {
		return true, "" // ValidateRecord skips a profile it cannot compile
	}
	if len(s.e.validate(&rec, p, sink, false)) > 0 {
		return false, "a finding of the implied profile " + url
	}
	return true, ""
}
