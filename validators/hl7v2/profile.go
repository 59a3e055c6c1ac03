package hl7v2

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/dict"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/ukid"
)

// Rule is one statement of a conformance profile overlay, written in a suite
// under params.rules. Exactly one of Messages, Segment or Path says what it
// constrains:
//
//   - messages: {ADT^A01: ADT_A01, ADT^A04: ADT_A01}   # allowed events (MSH-9), and the MSH-9.3 each must carry when given
//   - z-segments: [ZU1, ZU2]                           # the only Z-segments allowed
//   - segment: PV1
//     usage: R                                         # R, RE, O or X; min and max bound the occurrences
//   - path: PID-3.1                                    # a field (PID-3) or component (PID-3.1, PID-3.4.1)
//     where: {component: 5, pattern: "^NH"}            # only the repetitions this holds for
//     usage: R
//     format: nhs-number                               # nhs-number, ods-code (rules of package ukid)
//     ranges: [england-wales, test]                    # nhs-number: ranges accepted without a warning (ukid.DefaultNHSRules)
//     grouped: true                                    # nhs-number: accept 3-3-4 groups ("943 476 5919")
//     fixed / values / pattern, min / max (repetitions)
//     length: 20                                       # most characters a value may have
//     min-length: 2                                    # fewest characters a present value may have
//     conf-length: 20=                                 # conformance length: = no truncation (a value ending with MSH-2's truncation character is an error), # truncation allowed
//     datatype: DT                                     # DT, DTM, TS, TM, NM or SI: the value's lexical form
//     table: 1                                         # the value is in HL7 table 0001 (tables carecert has codes for)
//     when: {path: MSH-9.2, in: [A01, A04]}            # only messages this holds for; also number: {op: gt, value: 0}, and all/any/not of conditions
//   - assert: {any: [{path: RXA-20, present: false}, {path: RXA-9.1, in: ["00", "01"]}]}
//     segment: RXA                                     # a conformance statement, tested in each RXA (without segment: once per message)
//     each: RXA-9                                      # and in each repetition of this field (a data type's statement)
//     # conditions also take compare: {op: lt, value: "20240101" or path: PID-29, as: string|number|date|time|datetime, truncated, identical},
//     # set-id: true (the value numbers its segment or repetition), and paths with [*] on the field (PID-3[*].5; at-least-once: true)
//   - structure: {name: ADT_A01, elements: [{segment: MSH, min: 1, max: 1}, {group: PROCEDURE, elements: [...]}]}
//     # segment order, segment and group usage and cardinality, as the profile nests them (max omitted: unbounded)
//     severity: warning                                # default error
//     message: "why this matters"                      # replaces the generated text
type Rule struct {
	Messages  map[string]string `json:"messages,omitempty" doc:"allowed events (MSH-9 type^event) and the structure (MSH-9.3) each must carry"`
	ZSegments []string          `json:"z-segments,omitempty" doc:"the only Z-segments allowed"`
	Segment   string            `json:"segment,omitempty" doc:"a segment the rule constrains, or where an assert is tested"`
	Path      string            `json:"path,omitempty" doc:"a field or component (PID-3, PID-3.1)"`
	Usage     string            `json:"usage,omitempty" doc:"R, RE, O or X"`
	Min       *int              `json:"min,omitempty" doc:"fewest occurrences or repetitions"`
	Max       *int              `json:"max,omitempty" doc:"most occurrences or repetitions"`
	Fixed     *string           `json:"fixed,omitempty" doc:"the only value allowed"`
	Values    []string          `json:"values,omitempty" doc:"the values allowed"`
	Pattern   string            `json:"pattern,omitempty" doc:"a regular expression values match"`
	Format    string            `json:"format,omitempty" doc:"nhs-number or ods-code (rules of package ukid)"`
	Ranges    []string          `json:"ranges,omitempty" doc:"nhs-number: ranges accepted without a warning"`
	Grouped   *bool             `json:"grouped,omitempty" doc:"nhs-number: accept 3-3-4 groups"`
	Where     *Condition        `json:"where,omitempty" doc:"only the repetitions this condition holds for"`
	When      *Condition        `json:"when,omitempty" doc:"only messages this condition holds for"`
	Length    int               `json:"length,omitempty" doc:"most characters a value may have"`
	MinLength int               `json:"min-length,omitempty" doc:"fewest characters a value may have"`
	// ConfLength is the conformance length (HL7 2.7 and later): the
	// length every receiver must support, not a limit on the value, with
	// "=" (the value may not be truncated) or "#" (it may).
	ConfLength string     `json:"conf-length,omitempty" doc:"the conformance length (2.7 and later): N, N= (no truncation) or N# (truncation allowed)"`
	Datatype   string     `json:"datatype,omitempty" doc:"DT, DTM, TS, TM, NM or SI: the value's lexical form"`
	Table      int        `json:"table,omitempty" doc:"the HL7 table values come from"`
	Severity   string     `json:"severity,omitempty" doc:"severity of a breach (default error)"`
	Message    string     `json:"message,omitempty" doc:"replaces the generated text"`
	Assert     *Condition `json:"assert,omitempty" doc:"a conformance statement: a condition that must hold"`
	Each       string     `json:"each,omitempty" doc:"an assert is tested in each repetition of this field"`
	Structure  *Layout    `json:"structure,omitempty" doc:"segment order, usage and cardinality as the profile nests them"`

	// noTruncation is set when ConfLength ends with "=".
	noTruncation bool

	// table holds the codes of Table, bound when the check is compiled.
	table *dict.Table

	path hl7v2.Path
	re   *regexp.Regexp
	sev  model.Severity
	// formatF judges a value's form with the identifier rules of package ukid.
	formatF func(string) (ukid.Problem, bool)
	// what names the rule's target in messages, built once.
	what string
	// layout is Structure compiled for the structure matcher.
	layout *profileLayout
	// each is Each parsed.
	each hl7v2.Path
	// whenPerRep is set when When reads the rule's own field: it is then
	// tested in each repetition rather than once per segment.
	whenPerRep bool
}

// Condition tests a value: in Where, component N of a repetition; in When
// and Assert, the value at Path in the message, or a combination of
// conditions (all, any, not), the form a profile's predicates and
// conformance statements are written in. A path in the segment a rule
// checks is read in the same occurrence of it, and in the same repetition
// when it is also the rule's field: "OBX-6 is required when OBX-2 is NM"
// speaks of each OBX, and "CX.4 is required when CX.1 is valued" of each
// identifier.
type Condition struct {
	Path      string   `json:"path,omitempty" doc:"the terse path read (MSH-9.2)"`
	Component int      `json:"component,omitempty" doc:"in where: the component of the repetition read"`
	Equals    *string  `json:"equals,omitempty" doc:"the value equals this"`
	In        []string `json:"in,omitempty" doc:"the value is one of these"`
	Pattern   string   `json:"pattern,omitempty" doc:"the value matches this regular expression"`
	Present   *bool    `json:"present,omitempty" doc:"the value is present (true) or absent (false)"`
	// Number compares the value as a number: {op: gt, value: 0}.
	Number *NumberTest `json:"number,omitempty" doc:"compares the value as a number: {op: gt, value: 0}"`
	// Compare compares the value with a constant or another path's value
	// as a string, number or date/time (see Comparison).
	Compare *Comparison `json:"compare,omitempty" doc:"compares the value with a constant or another path's value"`
	// SetID: the value numbers the instance it is tested in: the field
	// repetition an each rule tests (a data type's instance), else the
	// segment's occurrence in the message (1 for the first NK1, 2 for the
	// second).
	SetID bool `json:"set-id,omitempty" doc:"the value is the set id of the segment or repetition tested"`
	// AtLeastOnce: with a path whose field is [*] ("PID-3[*].5", every
	// repetition), a value test holds when one repetition passes it; by
	// default each present repetition must. Present asks for one.
	AtLeastOnce bool `json:"at-least-once,omitempty" doc:"with [*] in the path: one repetition passing is enough"`

	All []*Condition `json:"all,omitempty" doc:"every condition holds"`
	Any []*Condition `json:"any,omitempty" doc:"some condition holds"`
	Not *Condition   `json:"not,omitempty" doc:"the condition does not hold"`

	re   *regexp.Regexp
	path hl7v2.Path
	// star is set when the path's field is [*].
	star bool
}

// NumberTest compares a numeric value with Value: op is eq, ne, lt, le, gt
// or ge. A value that is not a number fails it.
type NumberTest struct {
	Op    string  `json:"op" doc:"eq, ne, lt, le, gt or ge"`
	Value float64 `json:"value" doc:"the number compared with"`
}

func (t *NumberTest) holds(v string) bool {
	x, ok := numberOf(v)
	return ok && order(t.Op, cmp.Compare(x, t.Value))
}

// place is where a rule is being checked: a segment occurrence and a
// repetition of the rule's field (nil for the whole message).
type place struct {
	seg        *hl7v2.Segment
	field, rep int
	// scoped places a group instance: segments from..to of the message,
	// the nth of its group in the instance around it. Paths read the
	// segments in it.
	scoped        bool
	from, to, nth int
}

func (c *Condition) compile(inWhen bool) error {
	if c.All != nil || c.Any != nil || c.Not != nil {
		if !inWhen {
			return fmt.Errorf("where: all, any and not apply to when and assert")
		}
		if c.Path != "" || c.Component != 0 || c.Equals != nil || c.In != nil || c.Pattern != "" || c.Present != nil || c.Number != nil || c.Compare != nil || c.SetID ||
			(c.All != nil) && (c.Any != nil || c.Not != nil) || c.Any != nil && c.Not != nil {
			return fmt.Errorf("a condition is one of all, any, not or a test of a path")
		}
		for _, sub := range slices.Concat(c.All, c.Any) {
			if sub == nil {
				return fmt.Errorf("all and any take conditions: an entry is empty")
			}
		}
		for _, sub := range append(append(append([]*Condition{}, c.All...), c.Any...), c.Not) {
			if sub == nil {
				continue
			}
			if err := sub.compile(true); err != nil {
				return err
			}
		}
		return nil
	}
	if inWhen {
		path, star := c.Path, false
		if seg, rest, ok := strings.Cut(path, "-"); ok && strings.Contains(rest, "[*]") {
			field, tail, _ := strings.Cut(rest, ".")
			if !strings.HasSuffix(field, "[*]") || strings.Count(field, "[") != 1 || strings.Contains(tail, "[") {
				return fmt.Errorf("when: path %q: only a field repeats, so [*] follows the field (PID-3[*].5)", c.Path)
			}
			path, star = seg+"-"+strings.Replace(rest, "[*]", "", 1), true
		}
		p, ok := hl7v2.ParsePath(path)
		if !ok {
			return fmt.Errorf("when: path %q is not a terse path like MSH-9.2", c.Path)
		}
		c.path, c.star = p, star
	} else if c.Component < 1 {
		return fmt.Errorf("where: give the component (1 or more) whose value selects repetitions")
	}
	if c.Pattern != "" {
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return fmt.Errorf("pattern %q: %w", c.Pattern, err)
		}
		c.re = re
	}
	if c.Number != nil {
		if err := checkOp(c.Number.Op); err != nil {
			return fmt.Errorf("number: %w", err)
		}
	}
	if c.Compare != nil {
		if err := c.Compare.compile(); err != nil {
			return err
		}
	}
	if (c.SetID || c.Compare != nil) && !inWhen {
		return fmt.Errorf("where: compare and set-id apply to when and assert")
	}
	if c.AtLeastOnce && !c.star {
		return fmt.Errorf("at-least-once applies to a path whose field is [*]")
	}
	if c.Present == nil && !c.testsValue() {
		return fmt.Errorf("a condition needs equals, in, pattern, number, compare, set-id or present")
	}
	return nil
}

// testsValue reports whether a condition tests a value beyond its presence:
// compile asks for a test, and a [*] condition without one holds vacuously.
func (c *Condition) testsValue() bool {
	return c.Equals != nil || c.In != nil || c.re != nil || c.Number != nil || c.Compare != nil || c.SetID
}

// test reports whether a condition of When or Assert certainly holds at a
// place (nil: in the message as a whole).
func (c *Condition) test(m *hl7v2.Message, at *place) bool {
	return c.eval(m, at) == yes
}

// eval evaluates a condition: all, any and not in three-valued logic, so
// that an undecided comparison stays undecided unless the others settle it.
func (c *Condition) eval(m *hl7v2.Message, at *place) truth {
	switch {
	case c.All != nil:
		out := yes
		for _, x := range c.All {
			switch x.eval(m, at) {
			case no:
				return no
			case undecided:
				out = undecided
			}
		}
		return out
	case c.Any != nil:
		out := no
		for _, x := range c.Any {
			switch x.eval(m, at) {
			case yes:
				return yes
			case undecided:
				out = undecided
			}
		}
		return out
	case c.Not != nil:
		switch c.Not.eval(m, at) {
		case yes:
			return no
		case no:
			return yes
		}
		return undecided
	}
	if c.star {
		return c.evalEach(m, at)
	}
	raw := c.read(m, at)
	if isNull(raw) {
		return truthOf(c.ofNull())
	}
	v := m.Delims.Unescape(raw)
	if c.Present != nil && (v != "") != *c.Present {
		return no
	}
	return c.valueTest(m, at, v)
}

// ofNull is whether a condition holds on HL7 v2's explicit null "": it is
// present (it tells the receiver to delete the value) but has no value, so
// every test of a value fails on it, as on an absent one.
func (c *Condition) ofNull() bool {
	return (c.Present == nil || *c.Present) && !c.testsValue()
}

// selects reports whether a where condition holds for a repetition's raw
// component (before unescaping).
func (c *Condition) selects(d hl7v2.Delimiters, raw string) bool {
	if isNull(raw) {
		return c.ofNull()
	}
	return c.holds(d.Unescape(raw))
}

// valueTest applies a condition's tests of a value other than presence.
func (c *Condition) valueTest(m *hl7v2.Message, at *place, v string) truth {
	if !c.holds(v) {
		return no
	}
	if c.SetID && (at == nil || at.seg == nil && !at.scoped || strings.TrimSpace(v) != strconv.Itoa(at.instance())) {
		return no
	}
	if c.Compare != nil {
		if v == "" {
			return no
		}
		return c.Compare.eval(m, at, v)
	}
	return yes
}

// evalEach evaluates a condition whose path's field is [*] over every
// repetition present: present asks for one; a value test holds when each
// passes it (or one, with at-least-once), and vacuously when none is there.
// A null is present with no value to test.
func (c *Condition) evalEach(m *hl7v2.Message, at *place) truth {
	s := at.segmentOf(m, c.path.Segment)
	var vals []string
	nulls := 0
	if s != nil {
		raw := s.Field(c.path.Field)
		for rep := 1; raw != "" && rep <= strings.Count(raw, string(m.Delims.Repetition))+1; rep++ {
			val := m.Delims.Value(raw, rep, c.path.Component, c.path.Sub)
			if isNull(val) {
				nulls++
			} else if v := m.Delims.Unescape(val); v != "" {
				vals = append(vals, v)
			}
		}
	}
	if c.Present != nil && (len(vals)+nulls > 0) != *c.Present {
		return no
	}
	if !c.testsValue() {
		return yes
	}
	out := yes
	if c.AtLeastOnce && len(vals) > 0 {
		out = no
	}
	for _, v := range vals {
		r := c.valueTest(m, at, v)
		switch {
		case r == undecided:
			out = undecided
		case c.AtLeastOnce && r == yes:
			return yes
		case !c.AtLeastOnce && r == no:
			return no
		}
	}
	return out
}

// instance is the number of the instance a place tests: the field's
// repetition, else the segment's occurrence in the message.
func (at *place) instance() int {
	if at.scoped {
		return at.nth
	}
	if at.rep > 0 {
		return at.rep
	}
	return at.seg.Seq
}

// segmentOf is the occurrence of segment name a condition reads at a place:
// the place's own when it is one, else the first in the message.
func (at *place) segmentOf(m *hl7v2.Message, name string) *hl7v2.Segment {
	if at != nil && at.scoped {
		return at.occurrence(m, name, 1)
	}
	if at != nil && at.seg != nil && at.seg.Name == name {
		return at.seg
	}
	return m.Segment(name, 1)
}

// occurrence is the nth segment name in a group instance.
func (at *place) occurrence(m *hl7v2.Message, name string, nth int) *hl7v2.Segment {
	for i := at.from; i <= at.to && i < len(m.Segments); i++ {
		if m.Segments[i].Name == name {
			if nth--; nth == 0 {
				return &m.Segments[i]
			}
		}
	}
	return nil
}

// reads reports whether a condition reads field of segment.
func (c *Condition) reads(segment string, field int) bool {
	for _, x := range append(append(append([]*Condition{}, c.All...), c.Any...), c.Not) {
		if x != nil && x.reads(segment, field) {
			return true
		}
	}
	return c.path.Segment == segment && c.path.Field == field
}

// read returns the value at the condition's path, in the place's segment
// occurrence and repetition when the path is in them.
func (c *Condition) read(m *hl7v2.Message, at *place) string {
	p := c.path
	if at != nil && at.scoped {
		s := at.occurrence(m, p.Segment, max(p.Seq, 1))
		if s == nil {
			return ""
		}
		return m.ValueIn(s, p)
	}
	if at == nil || at.seg == nil || p.Segment != at.seg.Name || p.Seq != 0 {
		return m.GetPath(p)
	}
	if p.Rep == 0 && p.Field == at.field && at.rep > 0 {
		p.Rep = at.rep
	}
	return m.ValueIn(at.seg, p)
}

func (c *Condition) holds(v string) bool {
	if c.Present != nil && (v != "") != *c.Present {
		return false
	}
	if c.Equals != nil && v != *c.Equals {
		return false
	}
	if c.In != nil && !contains(c.In, v) {
		return false
	}
	if c.re != nil && !c.re.MatchString(v) {
		return false
	}
	if c.Number != nil && !c.Number.holds(v) {
		return false
	}
	return true
}

// compileRules compiles a profile's decoded rules; a rule that cannot be
// compiled is reported at its place in the suite.
func compileRules(spec check.Spec, rules []*Rule) error {
	if i, err := compileEach(rules); err != nil {
		return spec.ErrorAt(fmt.Sprintf("rules[%d]", i), "%v", err)
	}
	return nil
}

// compileEach compiles rules in order; on an error it says which.
func compileEach(rules []*Rule) (int, error) {
	for i, r := range rules {
		if r == nil {
			return i, fmt.Errorf("a rule is empty")
		}
		if err := r.compile(); err != nil {
			return i, err
		}
	}
	return 0, nil
}

func (r *Rule) compile() error {
	kinds := 0
	// An assertion's segment is where it is tested, not what it constrains.
	for _, set := range []bool{r.Messages != nil, r.ZSegments != nil, r.Segment != "" && r.Assert == nil, r.Path != "", r.Assert != nil, r.Structure != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return fmt.Errorf("give exactly one of messages, z-segments, segment, path, assert or structure")
	}
	if r.Assert != nil {
		if err := r.Assert.compile(true); err != nil {
			return fmt.Errorf("assert: %w", err)
		}
	}
	if r.Each != "" {
		p, ok := hl7v2.ParsePath(r.Each)
		if !ok || r.Assert == nil || p.Segment != r.Segment || p.Component != 0 || p.Rep != 0 || p.Seq != 0 {
			return fmt.Errorf("each %q: want a field of the assertion's segment, such as %s-3", r.Each, r.Segment)
		}
		r.each = p
	}
	if r.Structure != nil {
		l, err := r.Structure.compile()
		if err != nil {
			return fmt.Errorf("structure: %w", err)
		}
		r.layout = l
	}
	switch r.Usage {
	case "", "R", "RE", "O", "X":
	default:
		return fmt.Errorf("usage %q: want R, RE, O or X", r.Usage)
	}
	r.sev = model.Error
	if r.Severity != "" {
		s, err := model.ParseSeverity(r.Severity)
		if err != nil {
			return err
		}
		r.sev = s
	}
	if r.Path != "" {
		p, ok := hl7v2.ParsePath(r.Path)
		if !ok || p.Seq != 0 || p.Rep != 0 {
			return fmt.Errorf("path %q: want a field or component such as PID-3 or PID-3.1", r.Path)
		}
		r.path = p
	}
	if r.Segment != "" && len(r.Segment) != 3 {
		return fmt.Errorf("segment %q is not a segment id", r.Segment)
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return fmt.Errorf("pattern %q: %w", r.Pattern, err)
		}
		r.re = re
	}
	switch r.Format {
	case "":
	case "nhs-number":
		rules := ukid.DefaultNHSRules
		if r.Ranges != nil {
			set, err := ukid.ParseRanges(r.Ranges)
			if err != nil {
				return fmt.Errorf("ranges: %w", err)
			}
			rules.Ranges = set
		}
		if r.Grouped != nil {
			rules.Grouped = *r.Grouped
		}
		r.formatF = rules.Check
	case "ods-code":
		r.formatF = ukid.CheckODSCode
	default:
		return fmt.Errorf("format %q: want nhs-number or ods-code", r.Format)
	}
	switch r.Datatype {
	case "", "DT", "DTM", "TS", "TM", "NM", "SI":
	default:
		if r.Path == "" {
			return fmt.Errorf("datatype applies to a path rule")
		}
		// Other data types have no lexical form of their own to check.
		r.Datatype = ""
	}
	if (r.Length != 0 || r.MinLength != 0 || r.ConfLength != "" || r.Datatype != "" || r.Table != 0) && r.Path == "" {
		return fmt.Errorf("length, min-length, conf-length, datatype and table apply to a path rule")
	}
	if r.ConfLength != "" {
		n := strings.TrimRight(r.ConfLength, "=#")
		if _, err := strconv.Atoi(n); err != nil || len(r.ConfLength)-len(n) > 1 {
			return fmt.Errorf("conf-length %q: want a number then = (no truncation) or # (truncation allowed), such as 20=", r.ConfLength)
		}
		r.noTruncation = strings.HasSuffix(r.ConfLength, "=")
	}
	if r.Format != "nhs-number" && (r.Ranges != nil || r.Grouped != nil) {
		return fmt.Errorf("ranges and grouped apply to format nhs-number")
	}
	if r.Where != nil {
		if r.Path == "" {
			return fmt.Errorf("where applies to a path rule")
		}
		if err := r.Where.compile(false); err != nil {
			return err
		}
	}
	if r.When != nil {
		if err := r.When.compile(true); err != nil {
			return err
		}
		r.whenPerRep = r.Path != "" && r.When.reads(r.path.Segment, r.path.Field)
	}
	r.what = r.Path
	if r.Where != nil {
		r.what += " (in repetitions where component " + strconv.Itoa(r.Where.Component) + " " + r.Where.describe() + ")"
	}
	return nil
}

// newProfileCheck compiles a profile overlay. Params: rules (see Rule), and
// when (a Condition on the message, e.g. {path: MSH-9.1, equals: ADT}): the
// profile only looks at messages it holds for.
func newProfileCheck(spec check.Spec, p profileParams, env *check.Env) (check.Check, error) {
	applies, err := messagesWhen(spec, p.When)
	if err != nil {
		return nil, err
	}
	rules := p.Rules
	if err := compileRules(spec, rules); err != nil {
		return nil, err
	}
	for _, r := range rules {
		if r.Table == 0 {
			continue
		}
		defs, err := runDefinitions.Get(env)
		if err != nil {
			return nil, err
		}
		// A binding to a table carecert has no codes for (a user-defined
		// one) cannot be judged: it is left to the profile's other rules.
		if t := defs.Dict.Table(r.Table); t != nil && len(t.Codes) > 0 {
			r.table = t
		}
	}
	return check.PerRecord(applies, func(rec *model.Record) []model.Finding {
		m := message(rec)
		var out []model.Finding
		// judged is whether a rule decided something of the message: one
		// that said nothing held (or did not apply), one with a finding
		// that is not undecided decided it. Undecided findings stay
		// marked only on a message no rule decided.
		judged := false
		for _, r := range rules {
			n := len(out)
			out = r.apply(rec, m, out)
			judged = judged || n == len(out) || slices.ContainsFunc(out[n:], func(f model.Finding) bool { return !f.Undecided })
		}
		if judged {
			for i := range out {
				out[i].Undecided = false
			}
		}
		return out
	}), nil
}

func (r *Rule) add(out []model.Finding, rec *model.Record, sev model.Severity, code, path, msg, ev string, sensitive bool) []model.Finding {
	if r.Message != "" {
		msg = r.Message + " (" + msg + ")"
	}
	f := finding(rec, sev, code, path, msg)
	f.Evidence = ev
	f.Sensitive = sensitive
	return append(out, f)
}

func (r *Rule) apply(rec *model.Record, m *hl7v2.Message, out []model.Finding) []model.Finding {
	// A path rule or an assertion tests its condition where it checks (each
	// occurrence, or for an assertion without a segment the message, in
	// assertAt); any other rule, here in the message.
	local := r.Path != "" || r.Assert != nil
	if r.When != nil && !local && !r.When.test(m, nil) {
		return out
	}
	switch {
	case r.Structure != nil:
		return r.layout.check(r, rec, m, out)
	case r.Assert != nil:
		return r.assert(rec, m, out)
	case r.Messages != nil:
		name := m.TypeName()
		want, ok := r.Messages[name]
		if !ok {
			allowed := make([]string, 0, len(r.Messages))
			for k := range r.Messages {
				allowed = append(allowed, k)
			}
			sort.Strings(allowed)
			return r.add(out, rec, r.sev, "profile.message-type", "MSH[1].9",
				fmt.Sprintf("message type %s is not allowed (allowed: %s)", name, strings.Join(allowed, ", ")), name, false)
		}
		if sid := m.StructureID(); sid != "" && want != "" && sid != want {
			return r.add(out, rec, r.sev, "profile.message-structure", "MSH[1].9[1].3",
				fmt.Sprintf("%s uses structure %s, but MSH-9.3 says %s", name, want, sid), sid, false)
		}
		return out
	case r.ZSegments != nil:
		for i := range m.Segments {
			s := &m.Segments[i]
			if strings.HasPrefix(s.Name, "Z") && !contains(r.ZSegments, s.Name) {
				out = r.add(out, rec, r.sev, "profile.z-segment", s.Path(),
					fmt.Sprintf("Z-segment %s is not allowed (allowed: %s)", s.Name, strings.Join(r.ZSegments, ", ")), "", false)
			}
		}
		return out
	case r.Segment != "":
		n := m.Count(r.Segment)
		path := r.Segment
		switch {
		case r.Usage == "R" && n == 0:
			out = r.add(out, rec, r.sev, "profile.usage", path, fmt.Sprintf("required segment %s is missing", r.Segment), "", false)
		case r.Usage == "X" && n > 0:
			out = r.add(out, rec, r.sev, "profile.usage", path+"[1]", fmt.Sprintf("segment %s is not used in this profile but is present", r.Segment), "", false)
		}
		if r.Min != nil && n < *r.Min && !(r.Usage == "R" && n == 0) {
			out = r.add(out, rec, r.sev, "profile.cardinality", path, fmt.Sprintf("%s occurs %d time(s); at least %d required", r.Segment, n, *r.Min), "", false)
		}
		if r.Max != nil && n > *r.Max {
			out = r.add(out, rec, r.sev, "profile.cardinality", fmt.Sprintf("%s[%d]", r.Segment, *r.Max+1), fmt.Sprintf("%s occurs %d time(s); at most %d allowed", r.Segment, n, *r.Max), "", false)
		}
		return out
	}
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.Name == r.path.Segment {
			out = r.applyField(rec, m, s, out)
		}
	}
	return out
}

// applyField checks the rule's field or component in one segment occurrence.
func (r *Rule) applyField(rec *model.Record, m *hl7v2.Message, s *hl7v2.Segment, out []model.Finding) []model.Finding {
	d := m.Delims
	sensitive := personal.V2Segment(s.Name)
	raw := s.Field(r.path.Field)
	if (s.Name == "MSH") && r.path.Field <= 2 {
		raw = strings.ReplaceAll(raw, string(d.Repetition), "") // MSH-2 holds the repetition character itself
	}
	fieldPath := func() string { return s.Path() + "." + strconv.Itoa(r.path.Field) }
	whether := func() string { return "whether the rule on " + r.what + " applies" }
	if r.When != nil && !r.whenPerRep {
		var applies truth
		out, applies = r.applies(out, rec, m, &place{seg: s, field: r.path.Field}, func() (string, string) { return fieldPath(), whether() })
		if applies != yes {
			return out
		}
	}
	what := r.what
	selected, present, timeless := 0, 0, 0
	// open is set when a repetition was left undecided: the field's
	// presence and count are then not judged either.
	open := false
	reps := 0
	if raw != "" {
		reps = strings.Count(raw, string(d.Repetition)) + 1
	}
	for rep := 1; rep <= reps; rep++ {
		whole := d.Value(raw, rep, 0, 0)
		if r.Where != nil && !r.Where.selects(d, d.Value(whole, 1, r.Where.Component, 0)) {
			continue
		}
		if r.whenPerRep {
			var applies truth
			out, applies = r.applies(out, rec, m, &place{seg: s, field: r.path.Field, rep: rep}, func() (string, string) {
				return fmt.Sprintf("%s[%d]", fieldPath(), rep), whether()
			})
			if applies != yes {
				open = open || applies == undecided
				continue
			}
		}
		val := whole
		if r.path.Component > 0 {
			// A component is required only in a repetition that is there, a
			// subcomponent only in a component that is.
			parent := whole
			if r.path.Sub > 0 {
				parent = d.Value(whole, 1, r.path.Component, 0)
			}
			// A null repetition or component has no parts: it asks the
			// receiver to delete it whole.
			if parent == "" || isNull(parent) {
				continue
			}
			val = d.Value(whole, 1, r.path.Component, r.path.Sub)
		}
		selected++
		path := func() string {
			p := fmt.Sprintf("%s[%d]", fieldPath(), rep)
			if r.path.Component > 0 {
				p += "." + strconv.Itoa(r.path.Component)
				if r.path.Sub > 0 {
					p += "." + strconv.Itoa(r.path.Sub)
				}
			}
			return p
		}
		if val == "" {
			if r.Usage == "R" && r.path.Component > 0 {
				out = r.add(out, rec, r.sev, "profile.usage", path(), fmt.Sprintf("%s is required but empty", what), "", false)
			}
			continue
		}
		present++
		v := d.Unescape(val)
		if r.Usage == "X" {
			msg := "%s is not used in this profile but has a value"
			if isNull(val) {
				msg = `%s is not used in this profile but is sent, as the null ""`
			}
			out = r.add(out, rec, r.sev, "profile.usage", path(), fmt.Sprintf(msg, what), v, sensitive)
			continue
		}
		if isNull(val) {
			continue // present for usage and cardinality, with no value to check
		}
		lex := v
		if r.Datatype == "TS" && r.path.Sub == 0 {
			sep := d.Component
			if r.path.Component > 0 {
				sep = d.Subcomponent
			}
			t := tsTime(val, sep)
			if t == "" {
				// A degree of precision without its time is no value: the
				// element is missing, as hl7v2-fields reads TS.1.
				present--
				timeless++
				if r.Usage == "R" && r.path.Component > 0 {
					out = r.add(out, rec, r.sev, "profile.usage", path(), fmt.Sprintf("%s is required but %s", what, noTime), v, sensitive)
				}
				continue
			}
			if isNull(t) {
				continue // a null time: present, nothing to check
			}
			lex = d.Unescape(t)
		}
		if r.Fixed != nil && v != *r.Fixed {
			out = r.add(out, rec, r.sev, "profile.fixed", path(), fmt.Sprintf("%s must be %q, found %q", what, *r.Fixed, v), v, sensitive)
		}
		if r.Values != nil && !contains(r.Values, v) {
			out = r.add(out, rec, r.sev, "profile.value-set", path(), fmt.Sprintf("%s %q is not one of %s", what, v, strings.Join(r.Values, ", ")), v, sensitive)
		}
		if r.Length > 0 && utf8.RuneCountInString(v) > r.Length {
			out = r.add(out, rec, r.sev, "profile.length", path(), fmt.Sprintf("%s is %d characters; the profile allows %d", what, utf8.RuneCountInString(v), r.Length), v, sensitive)
		}
		if r.MinLength > 0 && utf8.RuneCountInString(v) < r.MinLength {
			out = r.add(out, rec, r.sev, "profile.length", path(), fmt.Sprintf("%s is %d characters; the profile requires at least %d", what, utf8.RuneCountInString(v), r.MinLength), v, sensitive)
		}
		// A value longer than the conformance length is allowed (it says
		// what receivers must keep); one the sender truncated, ending with
		// the truncation character, is not where the profile says "=".
		if r.noTruncation && d.Truncation != 0 && strings.HasSuffix(val, string(d.Truncation)) {
			out = r.add(out, rec, r.sev, "profile.truncated", path(), fmt.Sprintf("%s was truncated (it ends with the truncation character %c), which its conformance length %s forbids", what, d.Truncation, r.ConfLength), v, sensitive)
		}
		if why := lexical(r.Datatype, lex); why != "" {
			out = r.add(out, rec, r.sev, "profile.datatype", path(), fmt.Sprintf("%s %q is not a valid %s: %s", what, v, r.Datatype, why), v, sensitive)
		}
		if r.table != nil && !r.table.Has(v) {
			out = r.add(out, rec, r.sev, "profile.table", path(), fmt.Sprintf("%s %q is not in HL7 table %04d (%s), which the profile binds", what, v, r.Table, r.table.Desc), v, sensitive)
		}
		if r.re != nil && !r.re.MatchString(v) {
			out = r.add(out, rec, r.sev, "profile.pattern", path(), fmt.Sprintf("%s %q does not match %s", what, v, r.Pattern), v, sensitive)
		}
		if r.formatF != nil {
			if p, ok := r.formatF(v); !ok {
				sev := r.sev
				if p.Warning {
					sev = model.Warning
				}
				out = r.add(out, rec, sev, p.Code, path(), what+" "+p.Message, v, sensitive)
			}
		}
	}
	if open {
		return out
	}
	switch {
	// With where, a rule speaks of the repetitions it picks: when there are
	// none it has nothing to say (a min on a rule of its own asks for them).
	// A component's absence is its field's to report.
	case r.Usage == "R" && r.path.Component == 0 && selected > 0 && present == 0 && timeless > 0:
		out = r.add(out, rec, r.sev, "profile.usage", fieldPath(), fmt.Sprintf("%s is required but %s", what, noTime), "", false)
	case r.Usage == "R" && r.path.Component == 0 && ((selected == 0 && r.Where == nil) || (selected > 0 && present == 0)):
		out = r.add(out, rec, r.sev, "profile.usage", fieldPath(), fmt.Sprintf("%s is required but absent", what), "", false)
	case r.Usage == "RE" && present == 0 && (r.path.Component == 0 || selected > 0):
		out = r.add(out, rec, model.Information, "profile.usage", fieldPath(), fmt.Sprintf("%s is empty (required when known)", what), "", false)
	}
	if r.Min != nil && present < *r.Min && !(r.Usage == "R" && present == 0) {
		out = r.add(out, rec, r.sev, "profile.cardinality", fieldPath(), fmt.Sprintf("%s occurs %d time(s); at least %d required", what, present, *r.Min), "", false)
	}
	if r.Max != nil && present > *r.Max {
		out = r.add(out, rec, r.sev, "profile.cardinality", fieldPath(), fmt.Sprintf("%s occurs %d time(s); at most %d allowed", what, present, *r.Max), "", false)
	}
	return out
}

func (c *Condition) describe() string {
	switch {
	case c.Equals != nil:
		return "is " + strconv.Quote(*c.Equals)
	case c.In != nil:
		return "is one of " + strings.Join(c.In, ", ")
	case c.re != nil:
		return "matches " + c.Pattern
	}
	return "is present"
}

// messagesWhen reads the parameter "when" (a Condition on the message, e.g.
// {path: MSH-9.1, equals: ADT}) of a check: it applies to the messages the
// condition holds for, or to every message without one. A national profile
// uses it to hold only its own messages to the base standard too.
func messagesWhen(spec check.Spec, when *Condition) (func(*model.Record) bool, error) {
	if when == nil {
		return isMessage, nil
	}
	if err := when.compile(true); err != nil {
		return nil, spec.ErrorAt("when", "%v", err)
	}
	return func(rec *model.Record) bool {
		if !isMessage(rec) {
			return false
		}
		m := message(rec)
		return when.test(m, nil)
	}, nil
}
