package profile

import (
	"regexp"
)

// Rules the stream path decides on the strings it keeps as it passes a
// value, where the map walk reads the value's map form (issue 18 step 2):
// a bound CodeableConcept's binding over its codings, and the datatype
// invariants whose exact core expressions have a form over the value's
// members (per-1 on a Period's start and end; "a.empty() or b.exists()",
// qty-3 and cpt-2). No map form is built for such a value. An invariant
// the form cannot decide leaves the record to the map walk.

// keptMember is one member of a value the scan passed: its JSON name and,
// for a string, its text (a view of the record's bytes).
type keptMember struct {
	name, text string
}

// keptCoding is a Coding of a bound CodeableConcept, as the scan kept it.
type keptCoding struct {
	system, code string
	hasCode      bool
}

func (c *captured) keep(name, text string) {
	if c.n == len(c.members) {
		c.more = true
		return
	}
	c.members[c.n] = keptMember{name: name, text: text}
	c.n++
}

// member returns a kept member's text and whether the value has it.
func (c *captured) member(name string) (string, bool) {
	for _, m := range c.members[:c.n] {
		if m.name == name {
			return m.text, true
		}
	}
	return "", false
}

// memberRule is an invariant with its form over a value's members:
// decide reports whether it holds, and whether the form could tell.
type memberRule struct {
	inv    *invariant
	decide func(c *captured) (holds, decided bool)
}

// emptyOrExists is the shape "a.empty() or b.exists()" of qty-3 and cpt-2.
var emptyOrExists = regexp.MustCompile(`^([a-z][A-Za-z]*)\.empty\(\) or ([a-z][A-Za-z]*)\.exists\(\)$`)

// memberRules returns the member forms of invs on a value of layout lay,
// or nil when one has none (or is one the engine does not evaluate, whose
// "not evaluated" the map walk must say). A name the forms read is a plain
// child of lay: a choice's JSON name is not the name FHIRPath navigates by.
func memberRules(invs []*invariant, lay *layout) []memberRule {
	plain := func(name string) bool {
		r := lay.role(name)
		return r != nil && r.plain >= 0 && !r.companion && len(r.choices) == 0
	}
	if lay == nil {
		return nil
	}
	out := make([]memberRule, 0, len(invs))
	for _, inv := range invs {
		if inv.native != nil || inv.compiled == nil {
			return nil
		}
		switch m := emptyOrExists.FindStringSubmatch(inv.expr); {
		case inv.key == "per-1" && inv.quick != nil && plain("start") && plain("end"):
			out = append(out, memberRule{inv: inv, decide: func(c *captured) (bool, bool) {
				start, hasStart := c.member("start")
				end, hasEnd := c.member("end")
				return periodOrdered(start, end, hasStart, hasEnd)
			}})
		case m != nil && plain(m[1]) && plain(m[2]):
			// JSON members only: the scan refuses a "_" companion, which
			// would make a primitive exist without its value.
			absent, present := m[1], m[2]
			out = append(out, memberRule{inv: inv, decide: func(c *captured) (bool, bool) {
				_, a := c.member(absent)
				_, b := c.member(present)
				return !a || b, true
			}})
		default:
			return nil
		}
	}
	return out
}

// memberChecks decides a value's invariants on the members the scan kept.
func (s *scan) memberChecks(c *captured, n *node, r *role) bool {
	if c.more {
		return s.fail("more members than the scan keeps at " + n.path)
	}
	for _, mr := range r.members {
		holds, decided := mr.decide(c)
		switch {
		case !decided:
			return s.fail("invariant " + mr.inv.key + " undecided on the kept members at " + n.path)
		case !holds:
			return s.fail("a finding of invariant " + mr.inv.key + " at " + n.path)
		}
	}
	return true
}

// conceptChecks checks a bound CodeableConcept's binding over its kept
// codings, as walker.codedBinding does on its map form.
func (s *scan) conceptChecks(codings []keptCoding, n *node) bool {
	w := s.w
	at := w.pathRoot(n.path)
	w.conceptBinding(n, len(codings), func(i int) (string, string, bool) {
		c := codings[i]
		if !c.hasCode {
			return "", "", false
		}
		// views of the record: the terminology engine copies what it
		// remembers (terminology's memo)
		return c.system, c.code, true
	}, at)
	w.pathEnd(at)
	if len(w.out) > 0 {
		return s.fail("a finding at " + n.path)
	}
	return true
}
