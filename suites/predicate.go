package suites

import (
	"regexp"
	"strings"
)

// Conditional usage in an HL7 v2 conformance profile: an element whose usage
// is C or CE carries a predicate, written in words ("If PID-3.4 is valued").
// HL7 v2 chapter 2 gives its usage both ways: C is R when the predicate holds
// and X when it does not, CE is RE and X; a profile may say otherwise with
// the Predicate element's TrueUsage and FalseUsage. carecert reads the forms
// profiles commonly use: a path that is or is not valued, and a path equal to
// a code or one of a list of codes. It turns them into rules whose `when`
// tests the predicate, and whose `when` for the false branch is its `not`:
// a code test is false for every other value and when the path is empty.
// Any other predicate is not evaluated: the element is reported as not
// checked, never as passing.

var (
	predicateHead = regexp.MustCompile(`(?i)^\s*(?:if\s+)?(?:the\s+)?(?:field\s+|component\s+)?([A-Z][A-Z0-9]{2})[-.](\d+(?:\.\d+){0,2})\s+(.*?)[\s.]*$`)
	valued        = regexp.MustCompile(`(?i)^(?:is\s+)?(?:valued|present|populated|not\s+empty|non-empty)$`)
	notValued     = regexp.MustCompile(`(?i)^(?:is\s+)?(?:not\s+valued|not\s+present|not\s+populated|empty|absent|blank)$`)
	equalsCode    = regexp.MustCompile(`(?i)^(?:=|==|is|equals|is\s+equal\s+to)\s*['"]?([^\s'",]+)['"]?$`)
	oneOf         = regexp.MustCompile(`(?i)^(?:is\s+)?(?:one\s+of|in)\s*[(\[{]?\s*(.+?)\s*[)\]}]?$`)
	listSep       = regexp.MustCompile(`[\s,;/]+`)
)

// conditional returns the rules of a C or CE element, and false when its
// predicate is not one carecert can read.
func conditional(path string, n *node) ([]any, bool) {
	bs, ok := branches(n)
	var out []any
	for _, b := range bs {
		out = append(out, map[string]any{"path": path, "usage": b.usage, "when": b.when})
	}
	return out, ok
}

// branch is a usage a predicate gives an element and the condition under
// which it does.
type branch struct {
	usage string
	when  map[string]any
}

// branches reads a C or CE element's predicate into the branches carecert
// can check (usage R, RE or X); ok is false when it cannot read it. Any
// other element has none.
func branches(n *node) (out []branch, ok bool) {
	usage := usageOf(n)
	if usage != "C" && usage != "CE" {
		return nil, true
	}
	add := func(u string, when map[string]any) {
		if u == "R" || u == "RE" || u == "X" {
			out = append(out, branch{u, when})
		}
	}
	if n.pred != nil {
		// Read from an IGAMT constraints file: a condition already.
		add(n.pred.trueUsage, n.pred.when)
		add(n.pred.falseUsage, map[string]any{"not": n.pred.when})
		return out, true
	}
	trueUsage, falseUsage, text := "R", "X", ""
	if usage == "CE" {
		trueUsage = "RE"
	}
	if p := n.attr("Predicate"); p != "" {
		text = p
	}
	for _, c := range n.children {
		if c.name != "Predicate" {
			continue
		}
		text = strings.TrimSpace(c.text)
		for _, d := range c.children {
			if d.name == "Description" && text == "" {
				text = strings.TrimSpace(d.text)
			}
		}
		if u := usageOf(c); u != "" {
			trueUsage = u
		}
		if u := strings.ToUpper(c.attr("TrueUsage")); u != "" {
			trueUsage = u
		}
		if u := strings.ToUpper(c.attr("FalseUsage")); u != "" {
			falseUsage = u
		}
	}
	cond, ok := readPredicate(text)
	if !ok {
		return nil, false
	}
	add(trueUsage, cond)
	add(falseUsage, map[string]any{"not": cond})
	return out, true
}

// readPredicate reads "If PID-3.4 is valued" as a `when` condition.
func readPredicate(text string) (cond map[string]any, ok bool) {
	m := predicateHead.FindStringSubmatch(strings.Join(strings.Fields(text), " "))
	if m == nil {
		return nil, false
	}
	path, rest := strings.ToUpper(m[1])+"-"+m[2], m[3]
	switch {
	case valued.MatchString(rest):
		return map[string]any{"path": path, "present": true}, true
	case notValued.MatchString(rest):
		return map[string]any{"path": path, "present": false}, true
	case equalsCode.MatchString(rest):
		return map[string]any{"path": path, "equals": equalsCode.FindStringSubmatch(rest)[1]}, true
	case oneOf.MatchString(rest):
		var codes []any
		for _, c := range listSep.Split(oneOf.FindStringSubmatch(rest)[1], -1) {
			if c = strings.Trim(c, `'"`); c != "" && !strings.EqualFold(c, "or") {
				codes = append(codes, c)
			}
		}
		if len(codes) == 0 {
			return nil, false
		}
		return map[string]any{"path": path, "in": codes}, true
	}
	return nil, false
}
