package hl7v2

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
)

// Layout is a conformance profile's message structure: its segments and
// groups in order, each with the occurrences the profile allows. It is
// matched by the same look-ahead matcher as the standard's structures, so a
// group's Min and Max are counted per instance of the group around it, and
// a segment's usage R is required only where its groups are present.
type Layout struct {
	Name     string           `json:"name" doc:"the message structure's id (ADT_A01)"`
	Elements []*LayoutElement `json:"elements" doc:"its segments and groups, in order"`
	// Rules are checked once per message, reading its segments.
	Rules []*Rule `json:"rules,omitempty" doc:"assert rules checked once per message"`
}

// LayoutElement is a segment or a group of a Layout. Max omitted means
// unbounded; usage X (or max 0) says the element is not used.
type LayoutElement struct {
	Segment  string           `json:"segment,omitempty" doc:"a segment id"`
	Group    string           `json:"group,omitempty" doc:"a group's name"`
	Min      int              `json:"min,omitempty" doc:"fewest occurrences"`
	Max      *int             `json:"max,omitempty" doc:"most occurrences (omitted: unbounded)"`
	Usage    string           `json:"usage,omitempty" doc:"X: not used"`
	Elements []*LayoutElement `json:"elements,omitempty" doc:"a group's segments and groups"`
	// Rules (a group's) are checked in each instance of the group: assert
	// rules, and segment rules (usage R or X of a segment, under when).
	// Their paths read the segments of the instance.
	Rules []*Rule `json:"rules,omitempty" doc:"a group's assert rules and segment rules, checked in each instance of it"`
}

// profileLayout is a compiled Layout.
type profileLayout struct {
	s *structure
	// unused holds the segments the profile names only as not used (X).
	unused map[string]bool
	// rules are the rules of each group (and of the root: the message),
	// checked in each of its instances.
	rules map[*node][]*Rule
}

func (l *Layout) compile() (*profileLayout, error) {
	if l.Name == "" {
		return nil, fmt.Errorf("give the structure's name")
	}
	unused := map[string]bool{}
	rules := map[*dict.Element][]*Rule{}
	decode := func(rs []*Rule, el *dict.Element, where string) error {
		if len(rs) == 0 {
			return nil
		}
		if i, err := compileEach(rs); err != nil {
			return fmt.Errorf("%s: rules[%d]: %w", where, i, err)
		}
		for _, r := range rs {
			if r.Assert == nil && (r.Segment == "" || r.Usage != "R" && r.Usage != "X") {
				return fmt.Errorf("%s: a group's rules are assert rules or segment rules with usage R or X", where)
			}
		}
		rules[el] = rs
		return nil
	}
	var build func(els []*LayoutElement, at string) ([]*dict.Element, error)
	build = func(els []*LayoutElement, at string) ([]*dict.Element, error) {
		var out []*dict.Element
		for i, e := range els {
			where := fmt.Sprintf("%s element %d", at, i+1)
			if (e.Segment == "") == (e.Group == "") {
				return nil, fmt.Errorf("%s: give one of segment or group", where)
			}
			if e.Segment != "" && (len(e.Segment) != 3 || e.Elements != nil) {
				return nil, fmt.Errorf("%s: segment %q is not a segment id without elements", where, e.Segment)
			}
			mx := dict.Unbounded
			if e.Max != nil {
				mx = *e.Max
			}
			if e.Min < 0 || mx != dict.Unbounded && (mx < 0 || mx < e.Min) {
				return nil, fmt.Errorf("%s: min %d and max %d do not make a cardinality", where, e.Min, mx)
			}
			if strings.EqualFold(e.Usage, "X") || mx == 0 {
				// Not used: left out of the structure, so a segment it names
				// is reported wherever it appears.
				markUnused(e, unused)
				continue
			}
			el := &dict.Element{Name: e.Segment, Min: e.Min, Max: mx}
			if e.Group != "" {
				kids, err := build(e.Elements, where+" ("+e.Group+")")
				if err != nil {
					return nil, err
				}
				if len(kids) == 0 {
					continue // a group of unused elements
				}
				el.Name, el.Children = e.Group, kids
				if err := decode(e.Rules, el, where+" ("+e.Group+")"); err != nil {
					return nil, err
				}
			} else if e.Rules != nil {
				return nil, fmt.Errorf("%s: rules belong to groups", where)
			}
			out = append(out, el)
		}
		return out, nil
	}
	kids, err := build(l.Elements, "structure")
	if err != nil {
		return nil, err
	}
	if len(kids) == 0 {
		return nil, fmt.Errorf("structure %s uses no segment", l.Name)
	}
	s := &structure{id: l.Name, segments: map[string]bool{}, profile: true}
	root := &dict.Element{Name: l.Name, Min: 1, Max: 1, Children: kids}
	if err := decode(l.Rules, root, "structure"); err != nil {
		return nil, err
	}
	s.root = compile(root, s.segments)
	for name := range s.segments {
		delete(unused, name) // used in one place, unused in another: the matcher decides
	}
	pl := &profileLayout{s: s, unused: unused, rules: map[*node][]*Rule{}}
	// compile builds one node per element, in order: pair them.
	var pair func(e *dict.Element, n *node)
	pair = func(e *dict.Element, n *node) {
		if rs := rules[e]; rs != nil {
			pl.rules[n] = rs
		}
		for i, c := range e.Children {
			pair(c, n.children[i])
		}
	}
	pair(root, s.root)
	return pl, nil
}

// markUnused records the segments of an element not used, and of every
// element in it.
func markUnused(e *LayoutElement, unused map[string]bool) {
	if e.Segment != "" {
		unused[e.Segment] = true
	}
	for _, c := range e.Elements {
		markUnused(c, unused)
	}
}

// check places the message's segments in the profile's structure and
// reports what does not fit: a required segment or group missing, a segment
// out of order or repeating more than allowed, a segment not used (X); a
// segment the profile does not list is a warning, since the profile does not
// say how it is used.
func (l *profileLayout) check(r *Rule, rec *model.Record, m *hl7v2.Message, out []model.Finding) []model.Finding {
	name := l.s.id
	for i := range m.Segments {
		seg := &m.Segments[i]
		switch {
		case l.s.segments[seg.Name] || strings.HasPrefix(seg.Name, "Z") && !l.unused[seg.Name]:
		case l.unused[seg.Name]:
			out = r.add(out, rec, r.sev, "profile.usage", seg.Path(), fmt.Sprintf("segment %s is not used in this profile (usage X) but is present", seg.Name), "", false)
		default:
			out = r.add(out, rec, model.Warning, "profile.structure", seg.Path(),
				fmt.Sprintf("segment %s is not in the profile's %s structure, which does not say how it is used", seg.Name, name), "", false)
		}
	}
	out = l.checkInstances(r, rec, m, out)
	for _, x := range l.s.placement(m) {
		if x.seg >= 0 {
			seg := &m.Segments[x.seg]
			out = r.add(out, rec, r.sev, "profile.cardinality", seg.Path(),
				fmt.Sprintf("segment %s is out of order, or occurs more often than the profile's %s structure allows here", seg.Name, name), "", false)
			continue
		}
		el := x.miss.el
		what := "segment " + el.name
		if el.isGroup() {
			what = fmt.Sprintf("group %s (%s)", el.name, firstNames(el))
		}
		where := "the message"
		if x.miss.group != name {
			where = "each " + x.miss.group + " group"
		}
		code, msg := "profile.usage", fmt.Sprintf("required %s is missing from %s (%s in the profile)", what, where, name)
		if el.min > 1 {
			code = "profile.cardinality"
			msg = fmt.Sprintf("%s must occur at least %d times in %s (%s in the profile)", what, el.min, where, name)
		}
		line := 0
		if x.at < len(m.Segments) {
			line = m.Segments[x.at].Line
			msg += "; expected before " + m.Segments[x.at].Path()
		}
		out = r.add(out, rec, r.sev, code, el.name, msg, "", false)
		out[len(out)-1].Line = line
	}
	return out
}

// assert tests a conformance statement in each occurrence of its segment,
// or once in the message.
func (r *Rule) assert(rec *model.Record, m *hl7v2.Message, out []model.Finding) []model.Finding {
	if r.Segment == "" {
		return r.assertAt(rec, m, nil, "", out)
	}
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.Name != r.Segment {
			continue
		}
		if r.Each == "" {
			out = r.assertAt(rec, m, &place{seg: s}, s.Path(), out)
			continue
		}
		// A data type's statement holds in each instance of it.
		raw := s.Field(r.each.Field)
		if raw == "" {
			continue
		}
		reps := strings.Count(raw, string(m.Delims.Repetition)) + 1
		for rep := 1; rep <= reps; rep++ {
			path := fmt.Sprintf("%s.%d[%d]", s.Path(), r.each.Field, rep)
			out = r.assertAt(rec, m, &place{seg: s, field: r.each.Field, rep: rep}, path, out)
		}
	}
	return out
}

func (r *Rule) assertAt(rec *model.Record, m *hl7v2.Message, at *place, path string, out []model.Finding) []model.Finding {
	out, applies := r.applies(out, rec, m, at, func() (string, string) { return path, "whether the conformance statement applies" })
	if applies != yes {
		return out
	}
	switch r.Assert.eval(m, at) {
	case no:
		out = r.add(out, rec, r.sev, "profile.conformance-statement", path, "the conformance statement does not hold in "+path, "", false)
	case undecided:
		out = r.undecided(out, rec, path, "whether the conformance statement holds")
	}
	return out
}

// applies evaluates the rule's condition (When) at a place: yes when it
// has none. A rule whose condition is false is skipped; one the message
// leaves undecided is skipped too, with the information finding undecided
// gives, at the path and about the question where names (built only then).
func (r *Rule) applies(out []model.Finding, rec *model.Record, m *hl7v2.Message, at *place, where func() (path, what string)) ([]model.Finding, truth) {
	if r.When == nil {
		return out, yes
	}
	t := r.When.eval(m, at)
	if t == undecided {
		path, what := where()
		out = r.undecided(out, rec, path, what)
	}
	return out, t
}

// undecided reports a rule the message leaves undecided: it compares
// date/times whose spans overlap (different precision, or a local time
// against a zoned one when the sender's zone is unknown). Neither a failure
// nor a pass, it is said as information.
func (r *Rule) undecided(out []model.Finding, rec *model.Record, path, what string) []model.Finding {
	out = r.add(out, rec, model.Information, "profile.undecided", path,
		what+" cannot be decided from the message: it compares date/times whose spans overlap (different precision, or a time without a zone against one with a zone)", "", false)
	out[len(out)-1].Undecided = true
	return out
}
