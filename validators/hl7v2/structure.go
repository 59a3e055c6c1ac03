package hl7v2

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
)

// structureID finds the structure a message uses in version v: MSH-9.3 when
// it names a defined one, else TYPE_EVENT when defined, else HL7 table 0354,
// else ACK for acknowledgements. how is "unknown-msh-9.3" when MSH-9.3 names
// a structure the version lacks.
func (d *Definitions) structureID(m *hl7v2.Message, v string) (id, how string) {
	if sid := m.StructureID(); sid != "" {
		if d.hasStructure(v, sid) {
			return sid, "msh-9.3"
		}
		how = "unknown-msh-9.3"
	}
	typ, ev := m.Type(), m.Event()
	switch {
	case d.hasStructure(v, typ+"_"+ev):
		return typ + "_" + ev, how
	case d.hasStructure(v, d.Dict.StructureFor(typ, ev)):
		return d.Dict.StructureFor(typ, ev), how
	case typ == "ACK" && d.hasStructure(v, "ACK"):
		return "ACK", how
	}
	return "", how
}

// definesType reports whether version v has a structure for message type
// typ. The embedded tables 0076 and 0003 are 2.7.1's; a type or event an
// older version defines and 2.7.1 withdrew (UDM, ORF^R04) is still correct
// in a message of that version.
func (d *Definitions) definesType(v, typ string) bool {
	if v == "" {
		return false
	}
	x, err := d.Dict.Version(v)
	if err != nil {
		return false
	}
	if x.Structures[typ] != nil {
		return true
	}
	for id := range x.Structures {
		if strings.HasPrefix(id, typ+"_") {
			return true
		}
	}
	return false
}

func (d *Definitions) hasStructure(v, id string) bool {
	if id == "" {
		return false
	}
	x, err := d.Dict.Version(v)
	return err == nil && x.Structures[id] != nil
}

// node is a compiled structure element: a segment, a choice of segments or
// a group.
type node struct {
	name     string
	min, max int
	children []*node
	// alts are the segments of a choice (<OBR|RQD|RQ1|RXO|ODS|ODT>).
	alts []string
	// first holds the segment ids that can open a group instance.
	first map[string]bool
}

// structure is a compiled message structure.
type structure struct {
	id   string
	root *node
	// segments holds every segment id the structure mentions.
	segments map[string]bool
	// profile is set for a conformance profile's structure, which places
	// only the segments it names (the others are reported on their own).
	profile bool
	// pattern holds the segments of the version a segment pattern may take
	// (dict.SegmentPattern): nil for a structure without one. They are
	// placed as dict.AnySegment, the pattern's place in the structure;
	// patternAfter names the segment that place follows, for messages.
	pattern      map[string]*dict.Segment
	patternAfter string

	nfaOnce sync.Once
	nfa     *nfa
}

func (d *Definitions) structure(v, id string) (*structure, error) {
	key := v + "/" + id
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.structures[key]; ok {
		return s, nil
	}
	x, err := d.Dict.Version(v)
	if err != nil {
		return nil, err
	}
	def := x.Structures[id]
	if def == nil {
		return nil, fmt.Errorf("HL7 %s defines no structure %s", v, id)
	}
	s := &structure{id: id, segments: map[string]bool{}}
	elements := dict.WithPatternPlace(id, def.Elements)
	s.root = compile(&dict.Element{Name: id, Min: 1, Max: 1, Children: elements}, s.segments)
	if after := placeAfter(elements, ""); after != "" {
		s.pattern, s.patternAfter = x.Segments, after
	}
	d.structures[key] = s
	return s, nil
}

// placeAfter returns the segment the place of a segment pattern
// (dict.AnySegment) follows in es, a structure's elements (prev: the one
// before es), or "" when es has no such place.
func placeAfter(es []*dict.Element, prev string) string {
	for _, e := range es {
		switch {
		case e.Name == dict.AnySegment:
			return prev
		case e.IsGroup():
			if after := placeAfter(e.Children, prev); after != "" {
				return after
			}
		}
		prev = e.Name
	}
	return ""
}

func compile(e *dict.Element, segs map[string]bool) *node {
	n := &node{name: e.Name, min: e.Min, max: e.Max}
	if e.Name == dict.AnySegment {
		// The place of a segment pattern: the conformance statement that
		// fills it says which segments and how many, so it takes any number
		// of them and is never missing (the 2.8 data makes it required in
		// RTB_Knn and MFN_Znn, as one segment).
		n.min, n.max = 0, dict.Unbounded
		return n
	}
	if !e.IsGroup() {
		if strings.Contains(e.Name, ",") {
			// The dictionaries write a choice <OBR|RQD|...> as one element
			// named "OBR,RQD,..." with the cardinality of its braces lost
			// (0..unbounded). In the standard's notation a choice is exactly
			// one of its segments; repetition belongs to the group around it.
			for _, a := range strings.Split(e.Name, ",") {
				if a = strings.TrimSpace(a); a != "" {
					n.alts = append(n.alts, a)
					segs[a] = true
				}
			}
			n.name = "<" + strings.Join(n.alts, "|") + ">"
			n.min, n.max = 1, 1
			if len(n.alts) == 0 {
				// A choice whose names the source lost: nothing can match it
				// and carecert cannot tell what is missing.
				n.min = 0
			}
			return n
		}
		segs[e.Name] = true
		return n
	}
	n.first = map[string]bool{}
	open := true
	for _, c := range e.Children {
		cn := compile(c, segs)
		n.children = append(n.children, cn)
		if open {
			switch {
			case cn.first != nil:
				for k := range cn.first {
					n.first[k] = true
				}
			case cn.alts != nil:
				for _, a := range cn.alts {
					n.first[a] = true
				}
			default:
				n.first[cn.name] = true
			}
			open = cn.min == 0
		}
	}
	return n
}

func (n *node) isGroup() bool { return n.children != nil }

func (n *node) starts(name string) bool {
	switch {
	case n.isGroup():
		return n.first[name]
	case n.alts != nil:
		return contains(n.alts, name)
	}
	return n.name == name
}

func (n *node) room(count int) bool { return n.max < 0 || count < n.max }

// frame is an open instance of a group while a message is matched.
type frame struct {
	g      *node
	pos    int
	counts []int
	// id is, for a walk that records instances, one more than the index
	// of the group instance the frame fills (0 until it is given one).
	id int
}

// missing is a required element a match skipped or never saw.
type missing struct {
	el    *node
	group string
}

// matcher walks a message's segments through a structure the way a receiver
// would, tolerantly: a segment the structure does not allow at its place is
// reported and skipped without moving the position, so one stray segment
// costs one finding and never shifts the rest of the message into the wrong
// group.
type matcher struct {
	stack []frame
}

func newFrame(g *node) frame {
	return frame{g: g, pos: -1, counts: make([]int, len(g.children))}
}

// accept places one segment; it returns the required elements skipped to
// place it, or ok=false when it fits nowhere ahead.
func (mt *matcher) accept(name string) (skipped []missing, ok bool) {
	for level := len(mt.stack) - 1; level >= 0; level-- {
		f := &mt.stack[level]
		for j := max(f.pos, 0); j < len(f.g.children); j++ {
			c := f.g.children[j]
			if j == f.pos && !c.room(f.counts[j]) {
				continue
			}
			if !c.starts(name) {
				continue
			}
			// Commit: close deeper frames, note skipped required elements.
			for l := len(mt.stack) - 1; l > level; l-- {
				skipped = append(skipped, mt.stack[l].close()...)
			}
			mt.stack = mt.stack[:level+1]
			f = &mt.stack[level]
			for k := f.pos + 1; k < j; k++ {
				if f.counts[k] < f.g.children[k].min {
					skipped = append(skipped, missing{el: f.g.children[k], group: f.g.name})
				}
			}
			f.pos = j
			f.counts[j]++
			mt.descend(c, name)
			return skipped, true
		}
	}
	return nil, false
}

// descend opens group instances down to the segment name starts.
func (mt *matcher) descend(n *node, name string) {
	for n.isGroup() {
		fr := newFrame(n)
		for j, c := range n.children {
			if c.starts(name) {
				fr.pos = j
				fr.counts[j] = 1
				mt.stack = append(mt.stack, fr)
				n = c
				break
			}
		}
		if fr.pos < 0 {
			return
		}
	}
}

func (f *frame) close() []missing {
	var out []missing
	for k := f.pos + 1; k < len(f.g.children); k++ {
		if f.counts[k] < f.g.children[k].min {
			out = append(out, missing{el: f.g.children[k], group: f.g.name})
		}
	}
	return out
}

// newStructureCheck: params z-segments "allow" (default), "warning" or
// "error"; allow-z lists Z-segments allowed even when others are reported.
func newStructureCheck(spec check.Spec, p structureParams, env *check.Env) (check.Check, error) {
	applies, err := messagesWhen(spec, p.When)
	if err != nil {
		return nil, err
	}
	z, allowZ, fallback := p.ZSegments, p.AllowZ, p.DefaultVersion
	var zsev model.Severity
	switch z {
	case "allow":
	case "warning", "error":
		zsev, _ = model.ParseSeverity(z)
	default:
		return nil, fmt.Errorf("parameter \"z-segments\": %q: want allow, warning or error", z)
	}
	defs, err := runDefinitions.Get(env)
	if err != nil {
		return nil, err
	}
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		m := message(rec)
		v, _ := versionOf(m, fallback)
		if v == "" {
			return nil
		}
		id, _ := defs.structureID(m, v)
		if id == "" {
			return nil // hl7v2-message-type reports it
		}
		s, err := defs.structure(v, id)
		if err != nil {
			return []model.Finding{finding(rec, model.Error, "hl7v2.internal", "", err.Error())}
		}
		ver, _ := defs.Dict.Version(v)
		return s.match(rec, m, ver, z, zsev, allowZ)
	}), nil
}

// issue is one way a message departs from its structure: a segment that fits
// nowhere (seg >= 0), or a required element missing before segment at
// (at == len(segments) for the end of the message).
type issue struct {
	at, seg int
	miss    missing
}

func (s *structure) match(rec *model.Record, m *hl7v2.Message, ver *dict.Version, z string, zsev model.Severity, allowZ []string) []model.Finding {
	var out []model.Finding
	var inPattern []*hl7v2.Segment
	issues := s.placement(m)
	next := 0
	for i := range m.Segments {
		for next < len(issues) && issues[next].at <= i && issues[next].seg < 0 {
			out = append(out, s.report(rec, m, issues[next]))
			next++
		}
		seg := &m.Segments[i]
		misplaced := next < len(issues) && issues[next].seg == i
		if s.inPattern(seg.Name) {
			if !misplaced {
				inPattern = append(inPattern, seg)
				continue
			}
		} else if strings.HasPrefix(seg.Name, "Z") && !s.segments[seg.Name] {
			if z != "allow" && !contains(allowZ, seg.Name) {
				out = append(out, finding(rec, zsev, "hl7v2.z-segment", seg.Path(), fmt.Sprintf("Z-segment %s is not allowed by this suite", seg.Name)))
			}
			continue
		}
		if misplaced {
			out = append(out, s.unexpected(rec, seg, ver))
			next++
		}
	}
	for ; next < len(issues); next++ {
		out = append(out, s.report(rec, m, issues[next]))
	}
	if len(inPattern) > 0 {
		out = append(out, s.notChecked(rec, inPattern))
	}
	return out
}

// inPattern reports whether a segment falls to the structure's segment
// pattern: a segment of the version the structure names nowhere else. A
// segment the version does not define is no HL7 segment of any pattern.
func (s *structure) inPattern(name string) bool {
	return s.pattern != nil && !s.segments[name] && s.pattern[name] != nil
}

// placeName is the name a segment is placed by: the pattern's place for a
// segment that falls to it, its own otherwise.
func (s *structure) placeName(name string) string {
	if s.inPattern(name) {
		return dict.AnySegment
	}
	return name
}

// notChecked says which segments were left to the segment pattern: the
// conformance statement that defines it is the query's or the site's, which
// carecert does not have, so their place and number are not checked (their
// fields are, by the field checks).
func (s *structure) notChecked(rec *model.Record, segs []*hl7v2.Segment) model.Finding {
	var names []string
	for _, seg := range segs {
		if !contains(names, seg.Name) {
			names = append(names, seg.Name)
		}
	}
	msg := fmt.Sprintf("not checked: %d segment(s) (%s) fill the segment pattern %s leaves to the conformance statement of the query or site, which carecert does not have; their order and cardinality are not checked",
		len(segs), strings.Join(names, ", "), s.id)
	return finding(rec, model.Information, "hl7v2.segment-pattern", segs[0].Path(), msg)
}

// structureMemo keys a message's placement in a structure, shared by every
// structure check of a run (a national suite's base check and the
// standard's own place a message once).
type structureMemo struct{ s *structure }

// placement returns the problems of the best placement of m's segments in
// s; Z-segments the structure does not name are judged on their own.
func (s *structure) placement(m *hl7v2.Message) []issue {
	if v, ok := m.Memo(structureMemo{s}); ok {
		return v.([]issue)
	}
	issues := s.greedy(m)
	if len(issues) > 0 {
		seq := make([]int, 0, len(m.Segments))
		names := make([]string, 0, len(m.Segments))
		for i := range m.Segments {
			if s.placed(m.Segments[i].Name) {
				seq = append(seq, i)
				names = append(names, s.placeName(m.Segments[i].Name))
			}
		}
		// The greedy walk commits to the first place a segment fits. When it
		// finds problems, a search over every placement (look-ahead through
		// choices, optional and repeating groups) finds the fewest problems
		// that explain the message, so a valid message that needed a later
		// choice never fails.
		// At equal cost the fewer findings say it: a group missing, not
		// each of its members.
		if best, ok := s.nfaOf().fewest(m, seq, names); ok {
			if cb, ci := placementCost(best), placementCost(issues); cb < ci || cb == ci && len(best) < len(issues) {
				issues = best
			}
		}
	}
	m.SetMemo(structureMemo{s}, issues)
	return issues
}

// greedy places each segment at the first place ahead of the current one
// that can take it, the way a receiver reads a message: cheap, and exact for
// a message it can place without a problem.
func (s *structure) greedy(m *hl7v2.Message) []issue {
	var out []issue
	mt := matcher{stack: make([]frame, 0, 4)}
	mt.stack = append(mt.stack, newFrame(s.root))
	for i := range m.Segments {
		if !s.placed(m.Segments[i].Name) {
			continue
		}
		skipped, ok := mt.accept(s.placeName(m.Segments[i].Name))
		if !ok {
			out = append(out, issue{at: i, seg: i})
			continue
		}
		for _, x := range skipped {
			out = append(out, issue{at: i, seg: -1, miss: x})
		}
	}
	for l := len(mt.stack) - 1; l >= 0; l-- {
		for _, x := range mt.stack[l].close() {
			out = append(out, issue{at: len(m.Segments), seg: -1, miss: x})
		}
	}
	return out
}

// placed reports whether a segment is placed in the structure: all but the
// Z-segments it does not name (a profile's: only those it names).
func (s *structure) placed(name string) bool {
	if s.profile {
		return s.segments[name]
	}
	return !strings.HasPrefix(name, "Z") || s.segments[name]
}

// report describes a required element that is missing.
func (s *structure) report(rec *model.Record, m *hl7v2.Message, x issue) model.Finding {
	what := "segment " + x.miss.el.name
	if x.miss.el.isGroup() {
		what = fmt.Sprintf("group %s (%s)", x.miss.el.name, firstNames(x.miss.el))
	}
	where := "the message"
	if x.miss.group != s.id {
		where = "group " + x.miss.group
	}
	msg := fmt.Sprintf("required %s is missing from %s (%s structure)", what, where, s.id)
	f := finding(rec, model.Error, "hl7v2.segment-missing", x.miss.el.name, msg)
	if x.at < len(m.Segments) {
		at := &m.Segments[x.at]
		f.Line = at.Line
		f.Message = msg + "; expected before " + at.Path()
	}
	return f
}

// unexpected describes a segment the structure has no place for.
func (s *structure) unexpected(rec *model.Record, seg *hl7v2.Segment, ver *dict.Version) model.Finding {
	name := seg.Name
	code, msg := "hl7v2.unexpected-segment", fmt.Sprintf("segment %s is not part of the %s structure: kept in place, not matched", name, s.id)
	switch {
	case s.inPattern(name):
		code = "hl7v2.segment-order"
		msg = fmt.Sprintf("segment %s is out of order: %s takes it only in the segment pattern a conformance statement defines, whose place is after %s", name, s.id, s.patternAfter)
	case s.segments[name]:
		code = "hl7v2.segment-order"
		msg = fmt.Sprintf("segment %s is out of order or repeats more than %s allows here", name, s.id)
	case ver != nil && ver.Segments[name] == nil:
		code = "hl7v2.unknown-segment"
		msg = fmt.Sprintf("segment %s is not defined in HL7 %s", name, ver.Version)
	}
	return finding(rec, model.Error, code, seg.Path(), msg)
}

func firstNames(n *node) string {
	var names []string
	for k := range n.first {
		names = append(names, k)
	}
	sort.Strings(names)
	return "starting with " + strings.Join(names, " or ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
