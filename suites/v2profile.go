package suites

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// An HL7 v2 XML conformance profile (root HL7v2xConformanceProfile, the
// format HL7 publishes and profile tools such as the Messaging Workbench
// write) is read as a suite: each static definition's message type, and each
// of its segments with their fields and components, becomes a requirement
// decided by the hl7v2-profile check. What the profile says and carecert
// enforces: usage R, RE, X and O; C and CE where the predicate is one of the
// forms predicate.go reads (the element's usage when it holds, and X when a
// presence test does not), and otherwise nothing, the element listed in the
// suite's description as not checked; cardinality of segments outside repeating groups and of
// field repetitions, lengths, data types with a lexical form (DT, DTM, TS, TM,
// NM, SI), and table bindings to HL7 tables carecert has codes for.

// node is an element of the profile with its attributes and place.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	line     int
	// file is the XML file the element was read from, for the places
	// errors and the suite's description name.
	file string
	// text is the element's own character data (a Predicate's words).
	text string

	// For an element built from an IGAMT export: pred is its predicate
	// read from the constraints file (nil when none, or unreadable), and
	// rules are the conformance statements tested in a segment.
	pred  *predicate
	rules []any
	// groupRules (a group's, or the message's) are checked in each
	// instance of it: statements, and the presence its children's
	// predicates give them.
	groupRules []any
	// values is a bound value set's codes; binding waits on a composite
	// until its components are built.
	values  []string
	binding *binding
}

// predicate is a structured predicate: the condition, and the usage it
// gives when the condition holds and when it does not.
type predicate struct {
	when                  map[string]any
	trueUsage, falseUsage string
}

func (n *node) attr(k string) string { return strings.TrimSpace(n.attrs[k]) }

// where is the element's place for an error: its file as given, and line.
func (n *node) where() string { return fmt.Sprintf("%s:%d", n.file, n.line) }

// place is the element's place in the suite's description: its file's
// name, and line.
func (n *node) place() string { return fmt.Sprintf("%s:%d", filepath.Base(n.file), n.line) }

// IsV2Profile reports whether data is an HL7 v2 XML conformance profile:
// HL7's format, or the one IGAMT exports (root ConformanceProfile).
func IsV2Profile(data []byte) bool {
	switch rootName(data) {
	case "HL7v2xConformanceProfile", "ConformanceProfile":
		return true
	}
	return false
}

func readXML(name string, data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		line, col := dec.InputPos()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d:%d: %w", name, line, col, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ = dec.InputPos()
			n := &node{name: t.Name.Local, attrs: map[string]string{}, line: line, file: name}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%s: no XML element", name)
	}
	return root, nil
}

var notID = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FromV2Profile converts an HL7 v2 XML conformance profile into a suite.
func FromV2Profile(name string, data []byte, reg *check.Registry) (*Suite, error) {
	root, err := readXML(name, data)
	if err != nil {
		return nil, fmt.Errorf("conformance profile %w", err)
	}
	if root.name == "ConformanceProfile" {
		return fromIGAMT(name, root, reg)
	}
	if root.name == "ConformanceContext" {
		return nil, fmt.Errorf("conformance profile %s:%d: this is an IGAMT constraints file (ConformanceContext); give the profile (ConformanceProfile) exported beside it, which reads it", name, root.line)
	}
	if root.name != "HL7v2xConformanceProfile" {
		return nil, fmt.Errorf("conformance profile %s:%d: the root element is %s, not HL7v2xConformanceProfile", name, root.line, root.name)
	}
	s := &Suite{Kinds: []model.Kind{model.KindHL7v2}, Source: name}
	var meta *node
	var statics []*node
	for _, c := range root.children {
		switch c.name {
		case "MetaData":
			meta = c
		case "HL7v2xStaticDef":
			statics = append(statics, c)
		}
	}
	title, version := nameOf(name, meta)
	s.Version = version
	s.ID = strings.Trim(notID.ReplaceAllString(title, "-"), "-.")
	if id := root.attr("Identifier"); id != "" && s.ID == "" {
		s.ID = strings.Trim(notID.ReplaceAllString(id, "-"), "-.")
	}
	s.Title = title + " (HL7 v2 conformance profile)"
	s.Description = fmt.Sprintf("Converted from the HL7 v2.x XML conformance profile %s (HL7 %s). Enforced: the message structure "+
		"(segment order, usage and cardinality of segments and groups), usage, cardinality, lengths, data types with a lexical form "+
		"and bindings to HL7 tables carecert has codes for of fields, components and subcomponents, and conditional usage (C, CE) "+
		"where its predicate tests a value's presence or its code.", filepath.Base(name), root.attr("HL7Version"))
	if len(statics) == 0 {
		return nil, fmt.Errorf("conformance profile %s:%d: no HL7v2xStaticDef: nothing to check", name, root.line)
	}
	var unchecked []string
	for _, st := range statics {
		u, err := s.addStatic(name, st)
		if err != nil {
			return nil, err
		}
		unchecked = append(unchecked, u...)
	}
	if len(unchecked) > 0 {
		// Carecert's limit, said where the suite is described, never a
		// requirement that passes having checked nothing.
		s.Description += " Not checked (a conditional whose predicate carecert cannot read, or a conditional segment or group that may occur more than once): " + strings.Join(unchecked, "; ") + "."
	}
	return s.finish(name, root, reg)
}

// nameOf is a converted profile's title and version: its MetaData's Name and
// Version (meta may be nil), else the file's name and 1.0.0.
func nameOf(file string, meta *node) (title, version string) {
	title, version = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), "1.0.0"
	if meta != nil {
		if v := meta.attr("Name"); v != "" {
			title = v
		}
		if v := meta.attr("Version"); v != "" {
			version = v
		}
	}
	return title, version
}

// finish checks a converted profile and gives its requirements unique ids.
func (s *Suite) finish(name string, root *node, reg *check.Registry) (*Suite, error) {
	if s.ID == "" {
		return nil, fmt.Errorf("conformance profile %s:%d: no name to give the suite (MetaData Name or Identifier)", name, root.line)
	}
	if reg != nil && !reg.Has("hl7v2-profile") {
		return nil, fmt.Errorf("conformance profile %s: the hl7v2-profile check is not registered", name)
	}
	seen := map[string]bool{}
	for i := range s.Requirements {
		r := &s.Requirements[i]
		for n := 2; seen[r.ID]; n++ {
			r.ID = fmt.Sprintf("%s-%d", strings.TrimSuffix(r.ID, fmt.Sprintf("-%d", n-1)), n)
		}
		seen[r.ID] = true
	}
	if len(s.Requirements) == 0 {
		return nil, fmt.Errorf("conformance profile %s:%d: no segment, field or message rule carecert can check", name, root.line)
	}
	return s, nil
}

func (s *Suite) addStatic(name string, st *node) (unchecked []string, err error) {
	typ, ev, structID := st.attr("MsgType"), st.attr("EventType"), st.attr("MsgStructID")
	if typ == "" {
		return nil, fmt.Errorf("conformance profile %s:%d: HL7v2xStaticDef has no MsgType", name, st.line)
	}
	when := map[string]any{"path": "MSH-9.1", "equals": typ}
	at := func(n *node) string { return fmt.Sprintf("(%s:%d)", name, n.line) }
	prefix := typ
	if ev != "" {
		prefix += "_" + ev
		s.Requirements = append(s.Requirements, Requirement{
			ID: prefix + "-MESSAGE", Level: model.Shall, Check: "hl7v2-profile",
			Title:       fmt.Sprintf("%s messages are %s^%s with structure %s", typ, typ, ev, structID),
			Description: "The message type, event and structure the static definition is for " + at(st),
			At:          fmt.Sprintf("%s:%d", name, st.line),
			Params:      params.Params{"when": when, "rules": []any{map[string]any{"messages": map[string]any{typ + "^" + ev: structID}}}},
		})
	}
	// The static definition's segments and groups as one structure: order,
	// usage and cardinality of segments and groups, each counted in the
	// group instance around it.
	var segs []*node
	elements, presence, segUnchecked := layoutOf(name, st, &segs, false)
	unchecked = append(unchecked, segUnchecked...)
	layout := map[string]any{"name": orDefault(structID, prefix), "elements": elements}
	if len(st.groupRules) > 0 {
		layout["rules"] = st.groupRules
	}
	structRule := map[string]any{"structure": layout}
	structRules := append([]any{structRule}, presence...)
	if ev != "" {
		event := map[string]any{"path": "MSH-9.2", "equals": ev}
		for _, r := range structRules {
			r := r.(map[string]any)
			if w, ok := r["when"]; ok {
				r["when"] = map[string]any{"all": []any{event, w}}
			} else {
				r["when"] = event
			}
		}
	}
	s.Requirements = append(s.Requirements, Requirement{
		ID: prefix + "-STRUCTURE", Level: model.Shall, Check: "hl7v2-profile",
		Title:       fmt.Sprintf("Segment order, and the usage and cardinality of segments and groups, as the profile's %s structure defines them", orDefault(structID, prefix)),
		Description: "The segments and segment groups of the static definition " + at(st),
		At:          fmt.Sprintf("%s:%d", name, st.line),
		Params:      params.Params{"when": when, "rules": structRules},
	})
	seen := map[string]int{}
	for _, seg := range segs {
		sid := seg.attr("Name")
		if len(sid) != 3 {
			return nil, fmt.Errorf("conformance profile %s:%d: segment name %q is not a segment id", name, seg.line, sid)
		}
		seen[sid]++
		id := prefix + "-" + sid
		if seen[sid] > 1 {
			id += "-" + strconv.Itoa(seen[sid])
		}
		if usageOf(seg) == "X" {
			continue // the structure reports it wherever it appears
		}
		rules, u := fieldRules(name, sid, seg)
		rules = append(rules, seg.rules...)
		unchecked = append(unchecked, u...)
		if len(rules) == 0 {
			continue // the profile says nothing carecert can check here
		}
		s.Requirements = append(s.Requirements, Requirement{
			ID: id, Level: model.Shall, Check: "hl7v2-profile",
			Title:       fmt.Sprintf("%s (%s) as the profile defines it: usage, cardinality, lengths, types and tables of its fields, components and subcomponents", sid, seg.attr("LongName")),
			Description: fmt.Sprintf("Segment %s of %s %s", sid, prefix, at(seg)),
			At:          fmt.Sprintf("%s:%d", name, seg.line),
			Params:      params.Params{"when": when, "rules": rules},
		})
	}
	return unchecked, nil
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// layoutOf turns a static definition's (or a group's) Segment and SegGroup
// children into the elements of an hl7v2-profile structure rule, appending
// each segment to segs; repeating says a group around them repeats. A
// conditional segment or group is optional in the structure; its predicate,
// where carecert reads it and the element occurs at most once in a message,
// becomes segment rules (for a group, on the R segment that opens it):
// required when it holds, not used when it does not. Otherwise it is listed
// as not checked.
func layoutOf(file string, n *node, segs *[]*node, repeating bool) (elements, rules []any, unchecked []string) {
	for _, c := range n.children {
		if c.name != "Segment" && c.name != "SegGroup" {
			continue
		}
		usage := usageOf(c)
		el := map[string]any{}
		mn := minOf(c)
		switch usage {
		case "R":
			mn = max(mn, 1)
		default:
			mn = 0
		}
		el["min"] = mn
		// As for fields (partRules), a Max that is not a number is unbounded:
		// a max of 0 would make the layout read the element as not used.
		if mx := maxOf(c); mx > 0 {
			el["max"] = mx
		}
		if usage == "X" {
			el["usage"] = "X"
		}
		repeats := repeating || c.attr("Max") != "1"
		if (usage == "C" || usage == "CE") && c.attr("instancePredicate") == "" {
			r, ok := presenceRules(c, repeats)
			rules = append(rules, r...)
			if !ok && repeats {
				// Checked in each instance of the group around it instead.
				var inst []any
				if inst, ok = instancePresence(n, c); ok {
					n.groupRules = append(n.groupRules, inst...)
				}
			}
			if !ok {
				unchecked = append(unchecked, fmt.Sprintf("the usage of %s %s (%s:%d)", map[string]string{"Segment": "segment", "SegGroup": "group"}[c.name], c.attr("Name"), filepath.Base(file), c.line))
			}
		}
		if c.name == "Segment" {
			el["segment"] = c.attr("Name")
			*segs = append(*segs, c)
		} else {
			el["group"] = c.attr("Name")
			kids, r, u := layoutOf(file, c, segs, repeats)
			rules = append(rules, r...)
			unchecked = append(unchecked, u...)
			el["elements"] = kids
			if len(c.groupRules) > 0 {
				el["rules"] = c.groupRules
			}
		}
		elements = append(elements, el)
	}
	return elements, rules, unchecked
}

// presenceRules are the segment rules of a conditional segment or group
// that occurs at most once in a message.
func presenceRules(n *node, repeats bool) ([]any, bool) {
	anchor := n.attr("Name")
	if n.name == "SegGroup" {
		anchor = ""
		for _, c := range n.children {
			if c.name == "Segment" && usageOf(c) == "R" {
				anchor = c.attr("Name")
				break
			}
		}
	}
	bs, ok := branches(n)
	if !ok || repeats || anchor == "" {
		return nil, false
	}
	var out []any
	for _, b := range bs {
		if b.usage != "RE" { // RE asks nothing of a segment's presence
			out = append(out, map[string]any{"segment": anchor, "usage": b.usage, "when": b.when})
		}
	}
	return out, true
}

// instancePresence are the rules of a conditional child c of group (or
// message) parent that may occur more than once: in each instance of the
// parent, the segment that opens c is required when the predicate holds and
// not used (FalseUsage X) when it does not. The parent must hold that segment,
// and every segment the predicate reads, in one place, since the rules read
// them by name in the instance.
func instancePresence(parent, c *node) ([]any, bool) {
	bs, ok := branches(c)
	anchor := opener(c)
	if !ok || anchor == "" || holds(parent, anchor) != 1 {
		return nil, false
	}
	var out []any
	for _, b := range bs {
		if !readsHeld(parent, b.when) {
			return nil, false
		}
		if b.usage == "R" || b.usage == "X" {
			out = append(out, map[string]any{"segment": anchor, "usage": b.usage, "when": b.when})
		}
	}
	return out, true
}

// readsHeld reports whether every path a condition reads is in a segment
// parent holds in one place.
func readsHeld(parent *node, cond any) bool {
	switch c := cond.(type) {
	case map[string]any:
		for k, v := range c {
			if p, ok := v.(string); ok && k == "path" {
				name, _, _ := strings.Cut(p, "-")
				if holds(parent, name) != 1 {
					return false
				}
			} else if !readsHeld(parent, v) {
				return false
			}
		}
	case []any:
		for _, x := range c {
			if !readsHeld(parent, x) {
				return false
			}
		}
	}
	return true
}

// fieldRules are the rules of a segment's fields and their components, and
// the conditional ones whose predicate carecert cannot read.
func fieldRules(file, sid string, seg *node) (out []any, unchecked []string) {
	field := 0
	for _, f := range seg.children {
		if f.name != "Field" {
			continue
		}
		field++
		if sid == "MSH" && field <= 2 {
			continue // the delimiters, read before anything else
		}
		out, unchecked = partRules(file, fmt.Sprintf("%s-%d", sid, field), f, out, unchecked)
	}
	return out, unchecked
}

// partOf names the parts of a field (components) and of a component
// (subcomponents).
var partOf = map[string]string{"Field": "Component", "Component": "SubComponent"}

// partRules adds the rules of a field, component or subcomponent at path
// and, unless it is not used, of its parts: a component is checked in each
// field repetition that is present, a subcomponent in each component.
func partRules(file, path string, n *node, out []any, unchecked []string) ([]any, []string) {
	r := elementRule(path, n)
	if c := n.attr("ConfLength"); c != "" && c != "NA" && !confLength.MatchString(c) {
		unchecked = append(unchecked, fmt.Sprintf("the ConfLength %q of %s, which is not a conformance length (%s:%d)", c, path, filepath.Base(file), n.line))
	}
	cond, ok := conditional(path, n)
	out = append(out, cond...)
	if !ok {
		unchecked = append(unchecked, fmt.Sprintf("%s (%s:%d)", path, filepath.Base(file), n.line))
	}
	if n.name == "Field" {
		if mn := minOf(n); mn > 1 {
			r["min"] = mn
		}
		if mx := maxOf(n); mx > 0 {
			r["max"] = mx
		}
	}
	var parts []*node
	for _, c := range n.children {
		if c.name == partOf[n.name] {
			parts = append(parts, c)
		}
	}
	if len(parts) > 0 {
		// A composite: its lengths, type and table are its parts'.
		delete(r, "length")
		delete(r, "min-length")
		delete(r, "conf-length")
		delete(r, "datatype")
		delete(r, "table")
	}
	if len(r) > 1 {
		out = append(out, r)
	}
	if usageOf(n) == "X" {
		return out, unchecked
	}
	for j, c := range parts {
		out, unchecked = partRules(file, fmt.Sprintf("%s.%d", path, j+1), c, out, unchecked)
	}
	return out, unchecked
}

// elementRule is the rule for one field or component: usage, length, data
// type and table as the profile gives them.
func elementRule(path string, n *node) map[string]any {
	r := map[string]any{"path": path}
	switch u := usageOf(n); u {
	case "R", "RE", "X":
		r["usage"] = u
	}
	if l, err := strconv.Atoi(orDefault(n.attr("Length"), n.attr("MaxLength"))); err == nil && l > 0 {
		r["length"] = l
	}
	// A minimum of one is what presence already asks.
	if l, err := strconv.Atoi(n.attr("MinLength")); err == nil && l > 1 {
		r["min-length"] = l
	}
	if c := n.attr("ConfLength"); confLength.MatchString(c) {
		r["conf-length"] = c
	}
	switch t := n.attr("Datatype"); t {
	case "DT", "DTM", "TS", "TM", "NM", "SI":
		r["datatype"] = t
	}
	if t, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(n.attr("Table"), "HL7"), "hl7")); err == nil && t > 0 {
		r["table"] = t
	}
	if n.values != nil {
		vals := make([]any, len(n.values))
		for i, v := range n.values {
			vals[i] = v
		}
		r["values"] = vals
	}
	if v := n.attr("ConstantValue"); v != "" {
		r["fixed"] = v
	}
	return r
}

func usageOf(n *node) string { return strings.ToUpper(n.attr("Usage")) }

// maxOf reads Max: 0 for unbounded ("*") or absent.
func maxOf(n *node) int {
	v, err := strconv.Atoi(n.attr("Max"))
	if err != nil {
		return 0
	}
	return v
}

func minOf(n *node) int {
	v, _ := strconv.Atoi(n.attr("Min"))
	return v
}
