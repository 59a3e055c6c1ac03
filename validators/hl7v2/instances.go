package hl7v2

import (
	"fmt"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
)

// A conformance profile's group and message statements and predicates hold
// in each instance of their group: "IN2 is required when IN1-2 is PUBLIC"
// speaks of each INSURANCE group, "OBR-1 numbers the ORDER groups" of each
// ORDER. An instance is the run of segments the structure walk places in
// one occurrence of the group; its number is its place among the group's
// occurrences within the instance around it.

// instance is one occurrence of a group (or the message) in a message.
type instance struct {
	g *node
	// from and to are the indexes of its first and last segments.
	from, to int
	// nth is its number among its group's occurrences in its parent.
	nth int
}

type instancesMemo struct{ s *structure }

// instances places m's segments in the profile's structure the way the
// structure walk does and returns every group instance, the message's
// first; ok is false when the walk finds a problem (the structure check
// reports it), since instances of a misplaced message are guesses.
func (s *structure) instances(m *hl7v2.Message) (out []instance, ok bool) {
	if v, hit := m.Memo(instancesMemo{s}); hit {
		r := v.([]instance)
		return r, r != nil
	}
	defer func() { m.SetMemo(instancesMemo{s}, out) }()
	mt := matcher{stack: []frame{newFrame(s.root)}}
	mt.stack[0].id = 1
	out = append(out, instance{g: s.root, from: 0, to: len(m.Segments) - 1, nth: 1})
	for i := range m.Segments {
		if !s.placed(m.Segments[i].Name) {
			continue
		}
		skipped, placed := mt.accept(s.placeName(m.Segments[i].Name))
		if !placed || len(skipped) > 0 {
			return nil, false
		}
		for l := range mt.stack {
			f := &mt.stack[l]
			if f.id == 0 {
				parent := mt.stack[l-1]
				out = append(out, instance{g: f.g, from: i, to: i, nth: parent.counts[parent.pos]})
				f.id = len(out)
			}
			out[f.id-1].to = i
		}
	}
	for l := len(mt.stack) - 1; l >= 0; l-- {
		if len(mt.stack[l].close()) > 0 {
			return nil, false
		}
	}
	return out, true
}

// checkInstances applies the rules the profile gives groups (and the
// message) in each of their instances.
func (l *profileLayout) checkInstances(r *Rule, rec *model.Record, m *hl7v2.Message, out []model.Finding) []model.Finding {
	if len(l.rules) == 0 || len(m.Segments) == 0 {
		return out
	}
	insts, ok := l.s.instances(m)
	if !ok {
		out = r.add(out, rec, model.Information, "profile.not-evaluated", "",
			"the profile's group and message statements and predicates were not evaluated: the message's segments do not fit its structure (reported), so its group instances are not known", "", false)
		out[len(out)-1].Undecided = true
		return out
	}
	for _, in := range insts {
		for _, gr := range l.rules[in.g] {
			at := &place{scoped: true, from: in.from, to: in.to, nth: in.nth}
			path := m.Segments[in.from].Path()
			if gr.Assert != nil {
				out = gr.assertAt(rec, m, at, path, out)
				continue
			}
			out = gr.presenceIn(rec, m, at, in.g.name, out)
		}
	}
	return out
}

// presenceIn checks a segment rule (usage R or X, under its condition) in
// one group instance.
func (r *Rule) presenceIn(rec *model.Record, m *hl7v2.Message, at *place, group string, out []model.Finding) []model.Finding {
	out, applies := r.applies(out, rec, m, at, func() (string, string) {
		return m.Segments[at.from].Path(), "whether " + r.Segment + " is required in this " + group
	})
	if applies != yes {
		return out
	}
	var first *hl7v2.Segment
	for i := at.from; i <= at.to; i++ {
		if m.Segments[i].Name == r.Segment {
			first = &m.Segments[i]
			break
		}
	}
	switch {
	case r.Usage == "R" && first == nil:
		msg := fmt.Sprintf("required segment %s is missing from this %s (from %s)", r.Segment, group, m.Segments[at.from].Path())
		out = r.add(out, rec, r.sev, "profile.usage", r.Segment, msg, "", false)
		out[len(out)-1].Line = m.Segments[at.from].Line
	case r.Usage == "X" && first != nil:
		out = r.add(out, rec, r.sev, "profile.usage", first.Path(), fmt.Sprintf("segment %s is not used in this %s here, but is present", r.Segment, group), "", false)
	}
	return out
}
