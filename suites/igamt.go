package suites

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
)

// IGAMT (NIST's implementation guide authoring tool) exports a profile in
// its own XML: a ConformanceProfile whose Messages refer by ID to shared
// Segments and Datatypes (a field's components are its data type's, a
// component's subcomponents its data type's), with the predicates of
// conditional elements and the conformance statements in a separate
// ConformanceContext file exported beside it. carecert reads both and builds
// the same elements HL7's own format has, so one conversion (addStatic) and
// one check (hl7v2-profile) serve both.
//
// Predicates and conformance statements are expressions over paths such as
// "9[1].1[1]" relative to their context (a segment, a data type, a group or
// the message). carecert evaluates Presence, PlainText, StringList, Format,
// SimpleValue, PathValue, ValueSet and SetID, combined with AND, OR, NOT,
// IMPLY, XOR, EXIST and FORALL, with [*] on a field, and, in a group or
// message context, in a segment that occurs once or in the statement's own
// segment. Anything else is listed in the suite's description as not
// checked: carecert's limit, never the message's failure.

// igamt holds an export's definitions while it is converted.
type igamt struct {
	file      string
	segments  map[string]*node
	datatypes map[string]*node
	// preds and asserts are the constraints file's predicates and
	// conformance statements by context ("Segment/ID", "Datatype/ID",
	// "Group/ID", "Message/ID"; groups also by name).
	preds, asserts map[string][]*node
	unchecked      []string
	// codes holds the value set library's closed lists by binding id.
	codes        map[string][]string
	noValidation map[string]bool
	libraryFiles []string
	// valueSetAt is where each value set of the libraries is defined.
	valueSetAt map[string]*node
	// used holds the predicates and statements some element or context took;
	// the others are listed as not checked, never dropped.
	used map[*node]bool
	// valueSets counts bindings to value sets carecert has no codes for.
	valueSets map[string]bool
}

var (
	hl7Table = regexp.MustCompile(`^(?i)HL7(\d{4})$`)
	// confLength is a conformance length: "20=" may not be truncated,
	// "20#" may, "20" does not say.
	confLength = regexp.MustCompile(`^[0-9]+[=#]?$`)
)

func fromIGAMT(name string, root *node, reg *check.Registry) (*Suite, error) {
	g := &igamt{file: name, segments: map[string]*node{}, datatypes: map[string]*node{},
		preds: map[string][]*node{}, asserts: map[string][]*node{}, valueSets: map[string]bool{}, used: map[*node]bool{}, codes: map[string][]string{}, noValidation: map[string]bool{}, valueSetAt: map[string]*node{}}
	var messages []*node
	var meta *node
	for _, c := range root.children {
		switch c.name {
		case "MetaData":
			meta = c
		case "Messages":
			for _, m := range c.children {
				if m.name == "Message" {
					messages = append(messages, m)
				}
			}
		case "Segments":
			if err := define(g.segments, c, "Segment", "segment"); err != nil {
				return nil, err
			}
		case "Datatypes":
			if err := define(g.datatypes, c, "Datatype", "data type"); err != nil {
				return nil, err
			}
		}
	}
	ids := map[string]*node{}
	for _, m := range messages {
		if id := m.attr("ID"); id != "" {
			if first := ids[id]; first != nil {
				return nil, fmt.Errorf("conformance profile %s: message ID %q is defined twice (first at %s): its predicates and conformance statements could belong to either", m.where(), id, first.place())
			}
			ids[id] = m
		}
	}
	if len(messages) == 0 {
		return nil, fmt.Errorf("conformance profile %s:%d: no Messages/Message: nothing to check", name, root.line)
	}
	ctxFiles, err := g.readContext()
	if err != nil {
		return nil, err
	}
	title, version := nameOf(name, meta)
	s := &Suite{Kinds: []model.Kind{model.KindHL7v2}, Source: name, Version: version}
	s.ID = strings.Trim(notID.ReplaceAllString(title, "-"), "-.")
	s.Title = title + " (HL7 v2 conformance profile, IGAMT export)"
	s.Description = fmt.Sprintf("Converted from the IGAMT export %s (HL7 %s)", filepath.Base(name), root.attr("HL7Version"))
	if len(ctxFiles) > 0 {
		s.Description += " and its constraints " + strings.Join(ctxFiles, ", ")
	}
	if len(g.libraryFiles) > 0 {
		s.Description += " and value sets " + strings.Join(g.libraryFiles, ", ")
	}
	s.Description += ". Enforced: the message structure (segment order, usage and cardinality of segments and groups), " +
		"usage, cardinality, minimum and maximum lengths and truncation (ConfLength) of fields, components and subcomponents, data types with a lexical form, " +
		"bindings to HL7 tables carecert has codes for and to the closed value sets of the library, and the predicates and conformance statements carecert can evaluate."
	var unchecked []string
	for _, m := range messages {
		st, err := g.static(m)
		if err != nil {
			return nil, err
		}
		u, err := s.addStatic(name, st)
		if err != nil {
			return nil, err
		}
		unchecked = append(unchecked, u...)
	}
	unchecked = append(unchecked, g.unchecked...)
	unchecked = append(unchecked, g.unused()...)
	if len(g.valueSets) > 0 {
		ids := make([]string, 0, len(g.valueSets))
		for id := range g.valueSets {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		unchecked = append(unchecked, "bindings to value sets carecert has no codes for: "+strings.Join(ids, ", "))
	}
	// A data type's statement is read once for each element of that type.
	seen := map[string]bool{}
	unchecked = slices.DeleteFunc(unchecked, func(u string) bool {
		dup := seen[u]
		seen[u] = true
		return dup
	})
	if len(unchecked) > 0 {
		s.Description += " Not checked (carecert cannot evaluate them): " + strings.Join(unchecked, "; ") + "."
	}
	return s.finish(name, root, reg)
}

// define indexes the definitions under a Segments or Datatypes element by
// ID; an ID defined twice is an error naming both, since a reference to it
// could mean either.
func define(into map[string]*node, list *node, elem, what string) error {
	for _, d := range list.children {
		if d.name != elem {
			continue
		}
		id := d.attr("ID")
		if id == "" {
			return fmt.Errorf("conformance profile %s: %s has no ID", d.where(), elem)
		}
		if first := into[id]; first != nil {
			return fmt.Errorf("conformance profile %s: %s ID %q is defined twice (first at %s)", d.where(), what, id, first.place())
		}
		into[id] = d
	}
	return nil
}

// readContext reads what IGAMT exports beside the profile: every XML file
// in the same folder whose root is ConformanceContext (predicates and
// conformance statements) or ValueSetLibrary (value sets), each parsed
// once. It returns the constraints files' names. A file it cannot read is
// an error naming it: skipping it would drop its rules without a word.
func (g *igamt) readContext() ([]string, error) {
	dir := filepath.Dir(g.file)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("conformance profile %s: reading the folder for its constraints and value sets: %w", g.file, err)
	}
	self, _ := filepath.Abs(g.file)
	var contexts []string
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".xml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if abs, _ := filepath.Abs(path); abs == self {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("conformance profile %s: reading %s beside it: %w", g.file, path, err)
		}
		switch rootName(data) {
		case "ValueSetLibrary":
			root, err := readXML(path, data)
			if err != nil {
				return nil, fmt.Errorf("value set library %w", err)
			}
			if err := g.readValueSets(path, root); err != nil {
				return nil, err
			}
		case "ConformanceContext":
			root, err := readXML(path, data)
			if err != nil {
				return nil, fmt.Errorf("conformance context %w", err)
			}
			g.readConstraints(root)
			contexts = append(contexts, filepath.Base(path))
		}
	}
	return contexts, nil
}

// readConstraints adds a ConformanceContext's predicates and conformance
// statements to those of the files read before it.
func (g *igamt) readConstraints(root *node) {
	for _, part := range root.children {
		var into map[string][]*node
		switch part.name {
		case "Predicates":
			into = g.preds
		case "Constraints":
			into = g.asserts
		default:
			continue
		}
		for _, kind := range part.children {
			for _, by := range kind.children {
				key := kind.name + "/" + by.attr("ID")
				if by.name == "ByName" {
					key = kind.name + "/" + by.attr("Name")
				}
				into[key] = append(into[key], by.children...)
			}
		}
	}
}

// static builds an HL7v2xStaticDef-like element for one IGAMT Message.
func (g *igamt) static(m *node) (*node, error) {
	st := &node{name: "HL7v2xStaticDef", line: m.line, attrs: map[string]string{
		"MsgType": m.attr("Type"), "EventType": m.attr("Event"), "MsgStructID": m.attr("StructID")}}
	if st.attr("MsgType") == "" {
		return nil, fmt.Errorf("conformance profile %s:%d: Message has no Type", g.file, m.line)
	}
	kids, err := g.children(m, true)
	if err != nil {
		return nil, err
	}
	st.children = kids
	g.contextRules(st, true, "Message/"+m.attr("ID"))
	return st, nil
}

// children converts a Message's or Group's Segment references and Groups;
// single says the parent occurs at most once in a message.
func (g *igamt) children(parent *node, single bool) ([]*node, error) {
	var out []*node
	var uses map[string]int
	if parent.name == "Message" {
		uses = g.segmentUses(parent)
	}
	for _, c := range parent.children {
		switch c.name {
		case "Segment":
			def := g.segments[c.attr("Ref")]
			if def == nil {
				return nil, fmt.Errorf("conformance profile %s:%d: segment reference %q is not defined under Segments", g.file, c.line, c.attr("Ref"))
			}
			seg := &node{name: "Segment", line: c.line, attrs: map[string]string{
				"Name": def.attr("Name"), "LongName": def.attr("Description"),
				"Usage": c.attr("Usage"), "Min": c.attr("Min"), "Max": c.attr("Max"), "segID": c.attr("Ref")}}
			// A segment of the message itself is numbered by its occurrence
			// (SetID) when the message uses its name in this one place.
			if parent.name == "Message" && uses[def.attr("Name")] == 1 {
				seg.attrs["numbered"] = "true"
			}
			ctx := "Segment/" + c.attr("Ref")
			field := 0
			for _, f := range def.children {
				if f.name != "Field" {
					continue
				}
				field++
				fn, err := g.element("Field", f, []int{field}, def.attr("Name"), []string{ctx})
				if err != nil {
					return nil, err
				}
				seg.children = append(seg.children, fn)
			}
			g.statements(seg, ctx)
			out = append(out, seg)
		case "Group":
			grp := &node{name: "SegGroup", line: c.line, attrs: map[string]string{
				"Name": c.attr("Name"), "Usage": c.attr("Usage"), "Min": c.attr("Min"), "Max": c.attr("Max")}}
			once := single && c.attr("Max") == "1"
			kids, err := g.children(c, once)
			if err != nil {
				return nil, err
			}
			grp.children = kids
			g.contextRules(grp, once, "Group/"+c.attr("ID"), "Group/"+c.attr("Name"))
			out = append(out, grp)
		}
	}
	return out, nil
}

// segmentUses counts the places a message (with its groups) uses each
// segment name in.
func (g *igamt) segmentUses(m *node) map[string]int {
	uses := map[string]int{}
	var count func(n *node)
	count = func(n *node) {
		for _, c := range n.children {
			if def := g.segments[c.attr("Ref")]; c.name == "Segment" && def != nil {
				uses[def.attr("Name")]++
			}
			count(c)
		}
	}
	count(m)
	return uses
}

// element builds a Field, Component or SubComponent from an IGAMT field or
// component and its data type; at is its position in the segment (field,
// component, subcomponent), and ctxs[i] the context (the segment, then the
// data types around it) whose paths start after at[:i].
func (g *igamt) element(kind string, e *node, at []int, seg string, ctxs []string) (*node, error) {
	n := &node{name: kind, line: e.line, attrs: map[string]string{
		"Name": e.attr("Name"), "Usage": e.attr("Usage"), "Min": e.attr("Min"), "Max": e.attr("Max")}}
	if l, err := strconv.Atoi(e.attr("MaxLength")); err == nil && l > 0 {
		n.attrs["Length"] = strconv.Itoa(l)
	}
	n.attrs["MinLength"] = e.attr("MinLength")
	if c := e.attr("ConfLength"); c != "" && c != "NA" {
		if !confLength.MatchString(c) {
			return nil, fmt.Errorf("conformance profile %s: ConfLength %q is not a conformance length (a number, then = when the value may not be truncated or # when it may)", e.where(), c)
		}
		n.attrs["ConfLength"] = c
	}
	dtID := e.attr("Datatype")
	dt := g.datatypes[dtID]
	if dt == nil && dtID != "" {
		return nil, fmt.Errorf("conformance profile %s:%d: data type %q is not defined under Datatypes", g.file, e.line, dtID)
	}
	n.attrs["Datatype"] = dtID
	if dt != nil {
		n.attrs["Datatype"] = dt.attr("Name")
		n.attrs["dtID"] = dtID
	}
	pred, err := g.predicateFor(ctxs, at, seg, strings.TrimPrefix(ctxs[0], "Segment/"))
	if err != nil {
		return nil, err
	}
	n.pred = pred
	var comps []*node
	if dt != nil {
		for _, c := range dt.children {
			if c.name == "Component" {
				comps = append(comps, c)
			}
		}
	}
	g.bind(n, e, len(comps))
	if len(comps) == 0 || len(at) == 3 {
		return n, nil
	}
	sub := "Component"
	if kind == "Component" {
		sub = "SubComponent"
	}
	inner := append(append([]string{}, ctxs...), "Datatype/"+dtID)
	for i, c := range comps {
		cn, err := g.element(sub, c, append(append([]int{}, at...), i+1), seg, inner)
		if err != nil {
			return nil, err
		}
		n.children = append(n.children, cn)
	}
	if pb := n.binding; pb != nil {
		n.binding = nil
		locs := strings.FieldsFunc(pb.at, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
		if len(locs) == 0 {
			locs = []string{"1"}
		}
		for _, l := range locs {
			if i, err := strconv.Atoi(l); err == nil && i >= 1 && i <= len(n.children) {
				pb.apply(n.children[i-1])
			} else if !strings.EqualFold(l, "or") {
				// A location that is no component of the type (or a
				// subcomponent's, "1.1") binds nothing carecert checks.
				g.valueSets[fmt.Sprintf("%s at BindingLocation %s of %s (%s:%d)", e.attr("Binding"), l, dt.attr("Name"), filepath.Base(g.file), e.line)] = true
			}
		}
	}
	return n, nil
}

// bind turns a Binding into a table binding where it names an HL7 table
// ("HL70001"), or a list of values where the value set library exported
// beside the profile defines it as a closed list; on a composite,
// BindingLocation says which components it binds. A binding carecert has no
// codes for, or a suggested one (BindingStrength S), is listed as not checked.
func (g *igamt) bind(n, e *node, comps int) {
	id := e.attr("Binding")
	if id == "" {
		return
	}
	b := &binding{at: e.attr("BindingLocation")}
	switch codes, ok := g.codes[id]; {
	case g.noValidation[id]:
		g.valueSets[id+" (NoValidation in the library)"] = true
		return
	case strings.EqualFold(e.attr("BindingStrength"), "S"):
		g.valueSets[id+" (suggested)"] = true
		return
	case ok:
		b.values = codes
	case hl7Table.MatchString(id):
		b.table = hl7Table.FindStringSubmatch(id)[1]
	default:
		g.valueSets[id] = true
		return
	}
	if comps == 0 {
		b.apply(n)
		return
	}
	// A composite's binding applies to the components it locates, which
	// are built after this.
	n.binding = b
}

// binding is a value set bound to an element: an HL7 table or a list.
type binding struct {
	table  string
	values []string
	at     string
}

func (b *binding) apply(n *node) {
	switch {
	case n.values != nil || n.attrs["Table"] != "":
	case b.values != nil:
		n.values = b.values
	default:
		n.attrs["Table"] = b.table
	}
}

// readValueSets reads the value set library IGAMT exports beside the
// profile: the closed lists of codes carecert can check a binding against.
// An open one, one the library marks NoValidation, or an empty one has no
// list: a binding to it is listed as not checked.
func (g *igamt) readValueSets(path string, root *node) error {
	for _, part := range root.children {
		if part.name == "NoValidation" {
			for _, id := range part.children {
				g.noValidation[strings.TrimSpace(id.text)] = true
			}
		}
	}
	for _, part := range root.children {
		if part.name != "ValueSetDefinitions" {
			continue
		}
		for _, def := range part.children {
			id := def.attr("BindingIdentifier")
			if def.name != "ValueSetDefinition" || id == "" {
				continue
			}
			if first := g.valueSetAt[id]; first != nil {
				return fmt.Errorf("value set library %s: value set %q is defined twice (first at %s)", def.where(), id, first.place())
			}
			g.valueSetAt[id] = def
			if strings.EqualFold(def.attr("Extensibility"), "Open") {
				continue
			}
			var codes []string
			for _, v := range def.children {
				// Excluded values (usage E) are not in the list.
				if v.name == "ValueElement" && !strings.EqualFold(v.attr("Usage"), "E") {
					codes = append(codes, v.attrs["Value"])
				}
			}
			if len(codes) > 0 {
				g.codes[id] = codes
			}
		}
	}
	g.libraryFiles = append(g.libraryFiles, filepath.Base(path))
	return nil
}

// predicateFor finds the predicate of the element at at in the contexts
// that can carry it (ctxs[i], whose paths start after at[:i]) and reads its
// condition as paths in segment seg.
func (g *igamt) predicateFor(ctxs []string, at []int, seg, segID string) (*predicate, error) {
	for i, ctx := range ctxs {
		target, prefix := at[i:], at[:i]
		var found *node
		for _, p := range g.preds[ctx] {
			pos, ok := positions(p.attr("Target"))
			if p.name != "Predicate" || !ok || !samePlace(pos, target) {
				continue
			}
			if found != nil {
				// Two predicates on one element give it two usages: which
				// one the author meant is theirs to say.
				return nil, fmt.Errorf("conformance context %s: a second predicate on the element at %s of %s (the first is at %s)", p.where(), p.attr("Target"), ctx, found.place())
			}
			found = p
		}
		if found == nil {
			continue
		}
		g.used[found] = true
		cond, why := g.condition(conditionOf(found), func(path string) (ref, bool) {
			return g.segmentRef(segID, seg, prefix, path, false)
		})
		if cond == nil {
			g.unchecked = append(g.unchecked, fmt.Sprintf("predicate %s (%s; %s)", found.attr("ID"), why, found.place()))
			return nil, nil
		}
		return &predicate{when: cond, trueUsage: strings.ToUpper(found.attr("TrueUsage")), falseUsage: strings.ToUpper(found.attr("FalseUsage"))}, nil
	}
	return nil, nil
}

func samePlace(pos []position, at []int) bool {
	if len(pos) != len(at) {
		return false
	}
	for i := range pos {
		if pos[i].n != at[i] {
			return false
		}
	}
	return true
}

func conditionOf(p *node) *node {
	for _, c := range p.children {
		if c.name == "Condition" || c.name == "Assertion" {
			for _, e := range c.children {
				return e
			}
		}
	}
	return nil
}

// statements adds the conformance statements of a segment's context, and of
// the data types its fields and components use, to seg as assert rules.
func (g *igamt) statements(seg *node, ctx string) {
	sid := seg.attr("Name")
	g.assertIn(seg, ctx, sid, nil, "")
	for f, fn := range seg.children {
		g.datatypeStatements(seg, fn, sid, []int{f + 1})
	}
}

func (g *igamt) datatypeStatements(seg, n *node, sid string, at []int) {
	if n.attrs["dtID"] != "" {
		each := fmt.Sprintf("%s-%d", sid, at[0])
		g.assertIn(seg, "Datatype/"+n.attrs["dtID"], sid, at, each)
	}
	for i, c := range n.children {
		g.datatypeStatements(seg, c, sid, append(append([]int{}, at...), i+1))
	}
}

// assertIn converts the conformance statements of ctx, whose paths start at
// prefix in segment sid, into assert rules on seg; each names the field whose
// repetitions a data type's statement is tested in.
func (g *igamt) assertIn(seg *node, ctx, sid string, prefix []int, each string) {
	for _, c := range g.asserts[ctx] {
		if c.name != "Constraint" {
			continue
		}
		g.used[c] = true
		cond, why := g.condition(conditionOf(c), func(path string) (ref, bool) {
			return g.segmentRef(seg.attrs["segID"], sid, prefix, path, seg.attrs["numbered"] == "true")
		})
		if cond == nil {
			g.unchecked = append(g.unchecked, fmt.Sprintf("conformance statement %s (%s; %s)", c.attr("ID"), why, c.place()))
			continue
		}
		r := map[string]any{"assert": cond, "segment": sid, "message": statementText(c)}
		if each != "" {
			r["each"] = each
		}
		seg.rules = append(seg.rules, r)
	}
}

// contextRules handles the predicates and statements of a group or the
// message, whose paths start with the position of one of its children. A
// statement that reads only its own segment, or segments that occur once,
// is tested in that segment; any other, and a predicate on a child that may
// occur more than once, is tested in each instance of the group (the
// message: once), reading the instance's segments (see instanceRef). What
// neither way can read is listed as not checked.
func (g *igamt) contextRules(built *node, single bool, keys ...string) {
	for _, key := range keys {
		for _, p := range g.preds[key] {
			g.childPredicate(built, p, key, single)
		}
		for _, c := range g.asserts[key] {
			if c.name != "Constraint" {
				continue
			}
			g.used[c] = true
			var target *node
			cond, _ := g.condition(conditionOf(c), func(path string) (ref, bool) {
				seg, rest, once, ok := childSegment(built, path)
				if !ok {
					return ref{}, false
				}
				if target == nil {
					target = seg
				}
				if seg != target && !(single && once) {
					return ref{}, false
				}
				return g.segmentRef(seg.attrs["segID"], seg.attr("Name"), nil, rest, false)
			})
			if cond != nil && target != nil {
				target.rules = append(target.rules, map[string]any{"assert": cond, "segment": target.attr("Name"), "message": statementText(c)})
				continue
			}
			cond, why := g.condition(conditionOf(c), func(path string) (ref, bool) { return g.instanceRef(built, path) })
			if cond == nil {
				g.unchecked = append(g.unchecked, fmt.Sprintf("conformance statement %s (%s; %s)", c.attr("ID"), why, c.place()))
				continue
			}
			built.groupRules = append(built.groupRules, map[string]any{"assert": cond, "message": statementText(c)})
		}
	}
}

// instanceRef resolves a group- or message-relative path in an instance of
// the group: the segment it reads must be one the group holds in one place
// (its name then finds it in the instance), reached through the first
// instance of any repeating group on the way; a segment that is the group's
// own child may be read in any of its occurrences ("2[3]"). A SetID there
// numbers the group's instance.
func (g *igamt) instanceRef(built *node, path string) (ref, bool) {
	cur, depth, seq := built, 0, 1
	for {
		head, tail, _ := strings.Cut(path, ".")
		pos, ok := positions(head)
		if !ok {
			return ref{}, false
		}
		if cur = member(cur, pos[0].n); cur == nil {
			return ref{}, false
		}
		depth++
		if cur.name == "Segment" && depth == 1 && pos[0].rep > 0 {
			seq = pos[0].rep
		} else if pos[0].rep != 1 {
			return ref{}, false
		}
		if cur.name == "Segment" {
			if tail == "" || holds(built, cur.attr("Name")) != 1 {
				return ref{}, false
			}
			r, ok := g.segmentRef(cur.attrs["segID"], cur.attr("Name"), nil, tail, false)
			if seq > 1 {
				r.path = strings.Replace(r.path, "-", fmt.Sprintf("[%d]-", seq), 1)
			}
			r.numbered = "group"
			return r, ok
		}
		path = tail
	}
}

// member is the nth (from 1) segment or group of a group or the message,
// or nil when it has fewer.
func member(n *node, nth int) *node {
	for _, c := range n.children {
		if c.name == "Segment" || c.name == "SegGroup" {
			if nth--; nth == 0 {
				return c
			}
		}
	}
	return nil
}

// holds counts the places a group (or the message) holds segment name in,
// its groups' included.
func holds(n *node, name string) int {
	count := 0
	for _, c := range n.children {
		switch {
		case c.name == "Segment" && c.attr("Name") == name:
			count++
		case c.name == "SegGroup":
			count += holds(c, name)
		}
	}
	return count
}

// childPredicate gives a segment or group of a group or the message the
// predicate whose Target is its position. When the child occurs at most once
// in a message and the condition reads segments that do too, the structure
// checks it (see layoutOf); otherwise it is checked in each instance of the
// group, on the segment that opens the child, when the group holds that
// segment in one place and the condition can be read there.
func (g *igamt) childPredicate(built, p *node, key string, single bool) {
	g.used[p] = true
	why := "its target is not a segment or group of its context"
	pos, ok := positions(p.attr("Target"))
	var kid *node
	if ok && len(pos) == 1 {
		kid = member(built, pos[0].n)
	}
	if kid != nil {
		trueUsage, falseUsage := strings.ToUpper(p.attr("TrueUsage")), strings.ToUpper(p.attr("FalseUsage"))
		if single && kid.attr("Max") == "1" {
			cond, _ := g.condition(conditionOf(p), func(path string) (ref, bool) {
				seg, rest, once, ok := childSegment(built, path)
				if !ok || !once {
					return ref{}, false
				}
				return g.segmentRef(seg.attrs["segID"], seg.attr("Name"), nil, rest, false)
			})
			if cond != nil {
				kid.pred = &predicate{when: cond, trueUsage: trueUsage, falseUsage: falseUsage}
				return
			}
		}
		anchor := opener(kid)
		cond, w := g.condition(conditionOf(p), func(path string) (ref, bool) { return g.instanceRef(built, path) })
		switch {
		case anchor == "" || holds(built, anchor) != 1:
			why = "its target opens with no required segment the context holds in one place"
		case cond == nil:
			why = w
		default:
			kid.attrs["instancePredicate"] = "true"
			for _, b := range []struct {
				usage string
				when  map[string]any
			}{{trueUsage, cond}, {falseUsage, map[string]any{"not": cond}}} {
				if b.usage == "R" || b.usage == "X" {
					built.groupRules = append(built.groupRules, map[string]any{"segment": anchor, "usage": b.usage, "when": b.when})
				}
			}
			return
		}
	}
	g.unchecked = append(g.unchecked, fmt.Sprintf("predicate %s on a %s (%s; %s)",
		p.attr("ID"), strings.ToLower(strings.SplitN(key, "/", 2)[0]), why, p.place()))
}

// opener is the segment whose presence is a child's: the segment itself, or
// a group's first required segment.
func opener(n *node) string {
	if n.name == "Segment" {
		return n.attr("Name")
	}
	for _, c := range n.children {
		if c.name == "Segment" && usageOf(c) == "R" {
			return c.attr("Name")
		}
	}
	return ""
}

// unused lists the predicates and conformance statements no element or
// context of the profile's messages took (a target that is no element, a
// context no message uses or an ID with a typo), in the constraints file's
// order: carecert checked none of them.
func (g *igamt) unused() []string {
	var left []*node
	seen := map[*node]bool{}
	for _, byContext := range []map[string][]*node{g.preds, g.asserts} {
		for _, ns := range byContext {
			for _, n := range ns {
				if (n.name == "Predicate" || n.name == "Constraint") && !g.used[n] && !seen[n] {
					seen[n] = true
					left = append(left, n)
				}
			}
		}
	}
	sort.Slice(left, func(i, j int) bool {
		if left[i].file != left[j].file {
			return left[i].file < left[j].file
		}
		return left[i].line < left[j].line
	})
	out := make([]string, len(left))
	for i, n := range left {
		what := "predicate"
		if n.name == "Constraint" {
			what = "conformance statement"
		}
		out[i] = fmt.Sprintf("%s %s (its target %q in its context is no element of the profile's messages; %s)", what, n.attr("ID"), n.attr("Target"), n.place())
	}
	return out
}

// childSegment resolves a group- or message-relative path ("3[1].20[1]") to
// the segment it enters, the rest of the path in that segment, and whether
// that segment occurs once in every message (itself and every group around it
// at most once).
func childSegment(parent *node, path string) (seg *node, rest string, single bool, ok bool) {
	single = true
	cur := parent
	for {
		head, tail, _ := strings.Cut(path, ".")
		pos, ok := positions(head)
		if !ok || pos[0].rep == 0 {
			return nil, "", false, false
		}
		if cur = member(cur, pos[0].n); cur == nil {
			return nil, "", false, false
		}
		single = single && cur.attr("Max") == "1"
		if cur.name == "Segment" {
			return cur, tail, single, tail != ""
		}
		path = tail
	}
}

// position is one step of a path: the child's position and its instance
// (0 for [*], every instance).
type position struct{ n, rep int }

// positions reads "9[1].1[*]"; a missing index is not a path.
func positions(path string) ([]position, bool) {
	var out []position
	for _, part := range strings.Split(path, ".") {
		num, idx, ok := strings.Cut(part, "[")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || !strings.HasSuffix(idx, "]") {
			return nil, false
		}
		idx = strings.TrimSuffix(idx, "]")
		rep := 0
		if idx != "*" {
			rep, err = strconv.Atoi(idx)
			if err != nil || rep < 1 {
				return nil, false
			}
		}
		out = append(out, position{n, rep})
	}
	return out, len(out) > 0
}

// ref is a condition's path resolved in a segment: carecert's terse path,
// the data type the profile gives the element there, and what a SetID there
// numbers.
type ref struct {
	path string
	// dt is the element's data type (nil when the profile defines none).
	dt *node
	// star is set when the path reads every repetition of its field.
	star bool
	// numbered is what the element's instance is numbered in: "segment"
	// (a segment the message uses in one place, outside any group) or
	// "repetition" (a data type's instance in a field); "" when carecert
	// cannot number it.
	numbered string
}

// segmentRef resolves a context-relative path in segment sid (defined as
// segID), after prefix (a data type instance's place in the segment);
// numbered says the segment's occurrences in the message are its SetID's
// numbering: it is a child of the message, used there in one place.
// Components do not repeat, so [*] after the field is their one instance;
// a TS is read in its first component (its time), as the standard compares it.
func (g *igamt) segmentRef(segID, sid string, prefix []int, path string, numbered bool) (ref, bool) {
	pos, ok := positions(path)
	if !ok {
		return ref{}, false
	}
	all := make([]position, 0, len(prefix)+len(pos))
	for _, p := range prefix {
		all = append(all, position{p, 1})
	}
	all = append(all, pos...)
	if len(all) > 3 {
		return ref{}, false
	}
	r := ref{star: all[0].rep == 0}
	for _, p := range all[1:] {
		if p.rep > 1 {
			return ref{}, false // components and subcomponents do not repeat
		}
	}
	// The data type at each step, from the definitions.
	var el *node = g.segments[segID]
	for i, p := range all {
		if el == nil {
			break
		}
		kind := "Field"
		if i > 0 {
			kind = "Component"
		}
		el = nth(el, kind, p.n)
		if el != nil {
			el = g.datatypes[el.attr("Datatype")]
		}
	}
	if el != nil && el.attr("Name") == "TS" && len(all) < 3 {
		if c := nth(el, "Component", 1); c != nil {
			all = append(all, position{1, 1})
			el = g.datatypes[c.attr("Datatype")]
		}
	}
	r.dt = el
	switch {
	case len(prefix) == 0 && numbered:
		r.numbered = "segment"
	case len(prefix) == 1:
		r.numbered = "repetition"
	}
	r.path = fmt.Sprintf("%s-%d", sid, all[0].n)
	switch {
	case r.star:
		r.path += "[*]"
	case all[0].rep > 1:
		r.path += fmt.Sprintf("[%d]", all[0].rep)
	}
	for _, p := range all[1:] {
		r.path += "." + strconv.Itoa(p.n)
	}
	return r, true
}

// nth is the nth child element of parent with the given name.
func nth(parent *node, name string, n int) *node {
	for _, c := range parent.children {
		if c.name == name {
			if n--; n == 0 {
				return c
			}
		}
	}
	return nil
}

// condition converts an IGAMT expression into an hl7v2-profile condition,
// or returns nil and why not.
func (g *igamt) condition(e *node, resolve func(string) (ref, bool)) (map[string]any, string) {
	if e == nil {
		return nil, "no condition"
	}
	path := func(attr string) (ref, string) {
		r, ok := resolve(e.attr(attr))
		if !ok {
			return ref{}, fmt.Sprintf("path %q is not one value carecert can locate", e.attr(attr))
		}
		return r, ""
	}
	absent := func(r ref) map[string]any { return map[string]any{"path": r.path, "present": false} }
	// A value test passes when the element is absent, unless the expression
	// says otherwise (NotPresentBehavior FAIL), as the format defines it.
	// With [*], each repetition present is tested (AtLeastOnce: one).
	valueTest := func(r ref, test map[string]any) map[string]any {
		test["path"] = r.path
		if r.star && strings.EqualFold(e.attr("AtLeastOnce"), "true") {
			test["at-least-once"] = true
		}
		if strings.EqualFold(e.attr("NotPresentBehavior"), "FAIL") {
			return map[string]any{"all": []any{map[string]any{"path": r.path, "present": true}, test}}
		}
		return map[string]any{"any": []any{absent(r), test}}
	}
	ignoreCase := strings.EqualFold(e.attr("IgnoreCase"), "true")
	list := func(kids []*node, op string) (map[string]any, string) {
		var out []any
		for _, k := range kids {
			c, why := g.condition(k, resolve)
			if c == nil {
				return nil, why
			}
			out = append(out, c)
		}
		if len(out) == 0 {
			return nil, op + " with nothing in it"
		}
		return map[string]any{op: out}, ""
	}
	if strings.EqualFold(e.attr("NotPresentBehavior"), "INCONCLUSIVE") {
		// An absent value leaves the expression undecided: carecert has no
		// such outcome for a value test, and would otherwise pass it.
		return nil, "a " + e.name + " whose NotPresentBehavior is INCONCLUSIVE"
	}
	switch e.name {
	case "Presence":
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		return map[string]any{"path": r.path, "present": true}, ""
	case "PlainText":
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		text := e.attrs["Text"]
		if ignoreCase {
			return valueTest(r, map[string]any{"pattern": "(?i)^" + regexp.QuoteMeta(text) + "$"}), ""
		}
		return valueTest(r, map[string]any{"equals": text}), ""
	case "StringList":
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		var codes []any
		var quoted []string
		for _, c := range strings.Split(e.attrs["CSV"], ",") {
			codes = append(codes, c)
			quoted = append(quoted, regexp.QuoteMeta(c))
		}
		if ignoreCase {
			return valueTest(r, map[string]any{"pattern": "(?i)^(?:" + strings.Join(quoted, "|") + ")$"}), ""
		}
		return valueTest(r, map[string]any{"in": codes}), ""
	case "Format":
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		re := "^(?:" + e.attrs["Regex"] + ")$"
		if _, err := regexp.Compile(re); err != nil {
			return nil, "a regular expression carecert's engine does not read"
		}
		return valueTest(r, map[string]any{"pattern": re}), ""
	case "SimpleValue":
		// A comparison with a constant, as the element's data type orders
		// its values (dates as dates, numbers as numbers).
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		op, known := operator(e)
		as := compareAs(e.attr("Type"), r.dt)
		if as == "" || !known {
			return nil, fmt.Sprintf("a SimpleValue comparing %s values with %s", e.attr("Type"), e.attr("Operator"))
		}
		if _, err := strconv.ParseFloat(e.attr("Value"), 64); as == "number" && err != nil {
			return nil, fmt.Sprintf("a SimpleValue whose value %q is not a number", e.attr("Value"))
		}
		return valueTest(r, map[string]any{"compare": map[string]any{"op": op, "value": e.attrs["Value"], "as": as}}), ""
	case "PathValue":
		return g.pathValue(e, path, absent)
	case "ValueSet":
		return g.valueSet(e, path, valueTest)
	case "SetID":
		r, why := path("Path")
		if r.path == "" {
			return nil, why
		}
		if r.star || r.numbered == "" {
			return nil, "a SetID whose instances carecert cannot number (a segment used in more than one place or inside a group, or a component's data type)"
		}
		return valueTest(r, map[string]any{"set-id": true}), ""
	case "AND", "FORALL":
		return list(e.children, "all")
	case "OR", "EXIST":
		return list(e.children, "any")
	case "NOT":
		if len(e.children) != 1 {
			return nil, "NOT of other than one expression"
		}
		c, why := g.condition(e.children[0], resolve)
		if c == nil {
			return nil, why
		}
		return map[string]any{"not": c}, ""
	case "IMPLY", "XOR":
		if len(e.children) != 2 {
			return nil, e.name + " of other than two expressions"
		}
		a, why := g.condition(e.children[0], resolve)
		if a == nil {
			return nil, why
		}
		b, why := g.condition(e.children[1], resolve)
		if b == nil {
			return nil, why
		}
		if e.name == "IMPLY" {
			return map[string]any{"any": []any{map[string]any{"not": a}, b}}, ""
		}
		return map[string]any{"any": []any{
			map[string]any{"all": []any{a, map[string]any{"not": b}}},
			map[string]any{"all": []any{map[string]any{"not": a}, b}}}}, ""
	}
	return nil, "a " + e.name + " expression"
}

// compareAs is how a SimpleValue or PathValue compares an element's values:
// by the expression's Type when it names a number or a date/time, else as
// the element's data type orders them (NM and SI as numbers, DT, TM, DTM
// and TS as date/times, others as text). "" when the Type is unknown.
func compareAs(typ string, dt *node) string {
	name := ""
	if dt != nil {
		name = dt.attr("Name")
	}
	byType := map[string]string{"NM": "number", "SI": "number", "DT": "date", "TM": "time", "DTM": "datetime", "TS": "datetime"}[name]
	switch t := strings.ToLower(typ); t {
	case "number":
		return t
	case "date", "time", "datetime":
		// The element's own form wins: a "Date" compared with a DTM
		// element is read as the DTM it is.
		if byType != "" && byType != "number" {
			return byType
		}
		return t
	case "", "string":
		return orDefault(byType, "string")
	}
	return ""
}

// operator reads a SimpleValue's or PathValue's Operator as the
// hl7v2-profile comparison op (EQ is eq); known is false for any other.
func operator(e *node) (op string, known bool) {
	op = strings.ToLower(e.attr("Operator"))
	return op, slices.Contains([]string{"eq", "ne", "lt", "le", "gt", "ge"}, op)
}

// pathValue converts a PathValue: the values at two paths compared. Both
// absent passes unless NotPresentBehavior is FAIL; one without the other
// fails, as the format defines it. The first path may be [*] (each of its
// repetitions against the second, or one with Path1Mode AtLeastOne); a
// second path with [*], or occurrence counts, are not evaluated.
func (g *igamt) pathValue(e *node, path func(string) (ref, string), absent func(ref) map[string]any) (map[string]any, string) {
	a, why := path("Path1")
	if a.path == "" {
		return nil, why
	}
	b, why := path("Path2")
	if b.path == "" {
		return nil, why
	}
	op, known := operator(e)
	if !known {
		return nil, fmt.Sprintf("a PathValue with operator %q", e.attr("Operator"))
	}
	if b.star {
		return nil, "a PathValue whose second path reads every repetition"
	}
	for _, mode := range []string{"Path1Mode", "Path2Mode"} {
		switch m := e.attr(mode); m {
		case "", "All", "AtLeastOne":
		default:
			return nil, fmt.Sprintf("a PathValue counting occurrences (%s %s)", mode, m)
		}
	}
	as := compareAs("", a.dt)
	if as == "string" {
		as = compareAs("", b.dt)
	}
	cmp := map[string]any{"op": op, "path": b.path, "as": as}
	if strings.EqualFold(e.attr("Truncated"), "true") {
		cmp["truncated"] = true
	}
	if strings.EqualFold(e.attr("IdenticalEquality"), "true") {
		cmp["identical"] = true
	}
	test := map[string]any{"path": a.path, "compare": cmp}
	if a.star && (e.attr("Path1Mode") == "AtLeastOne" || strings.EqualFold(e.attr("AtLeastOnce"), "true")) {
		test["at-least-once"] = true
	}
	if a.star {
		// Each repetition against the second path: the second must be there.
		test = map[string]any{"all": []any{map[string]any{"path": b.path, "present": true}, test}}
	}
	if strings.EqualFold(e.attr("NotPresentBehavior"), "FAIL") {
		return test, ""
	}
	return map[string]any{"any": []any{map[string]any{"all": []any{absent(a), absent(b)}}, test}}, ""
}

// valueSet converts a ValueSet expression: the value at a path is in a
// value set of the library, a coded element's code at any of its
// BindingLocation's components. A value set carecert has no closed list for
// (open, empty, NoValidation, absent) or a suggested one is not evaluated.
func (g *igamt) valueSet(e *node, path func(string) (ref, string), valueTest func(ref, map[string]any) map[string]any) (map[string]any, string) {
	r, why := path("Path")
	if r.path == "" {
		return nil, why
	}
	id := e.attr("ValueSetID")
	codes, ok := g.codes[id]
	switch {
	case strings.EqualFold(e.attr("BindingStrength"), "S"):
		return nil, "a ValueSet expression with a suggested binding (" + id + ")"
	case g.noValidation[id]:
		return nil, "a ValueSet expression on " + id + ", which the library marks NoValidation"
	case !ok:
		return nil, "a ValueSet expression on " + id + ", which has no closed list in the value set library"
	}
	in := make([]any, len(codes))
	for i, c := range codes {
		in[i] = c
	}
	comps := 0
	if r.dt != nil {
		for _, c := range r.dt.children {
			if c.name == "Component" {
				comps++
			}
		}
	}
	if comps == 0 {
		return valueTest(r, map[string]any{"in": in}), ""
	}
	// A coded element: its code is at one of the locations (1, or 1:4 for
	// the identifier or the alternate one).
	var present, found []any
	for _, l := range strings.FieldsFunc(orDefault(e.attr("BindingLocation"), "1"), func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(l)
		if strings.EqualFold(l, "or") {
			continue
		}
		if err != nil || n < 1 || n > comps || strings.Count(r.path, ".") >= 2 || r.star {
			return nil, fmt.Sprintf("a ValueSet expression whose BindingLocation %s is no component carecert can read", l)
		}
		at := fmt.Sprintf("%s.%d", r.path, n)
		present = append(present, map[string]any{"path": at, "present": true})
		found = append(found, map[string]any{"path": at, "in": in})
	}
	if len(found) == 0 {
		return nil, "a ValueSet expression with no BindingLocation"
	}
	if strings.EqualFold(e.attr("NotPresentBehavior"), "FAIL") {
		return map[string]any{"any": found}, ""
	}
	return map[string]any{"any": []any{map[string]any{"not": map[string]any{"any": present}}, map[string]any{"any": found}}}, ""
}

// statementText is how a finding names a conformance statement: its ID and
// description.
func statementText(c *node) string {
	desc := ""
	for _, d := range c.children {
		if d.name == "Description" {
			desc = strings.Join(strings.Fields(d.text), " ")
		}
	}
	if id := c.attr("ID"); id != "" {
		return strings.TrimSpace(id + ": " + desc)
	}
	return desc
}

// rootName is the local name of an XML document's root element, or "" when
// it has none: a file is told apart by its root without parsing it whole.
func rootName(data []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}
