package fhirpath

import (
	"strconv"
	"strings"
)

// Selected is an element or computed value Select found.
type Selected struct {
	// Path locates an element as EvaluateTyped does; "" for a computed value.
	Path string
	// Value is the value as Evaluate returns it.
	Value any
}

// Select returns the elements an expression selects from a resource, each
// with its path ("Patient.identifier[1].value"), and computed values with an
// empty path. It is the one way carecert's checks select elements.
//
// A plain path (the resource type, then element names, [n], first() and
// where(element = 'literal')) is walked directly: it is what suites write
// most, and a walk costs a fraction of an evaluation. Any other expression
// is evaluated. Elements without a value (a primitive that has only an
// extension) are left out.
func (e *Expr) Select(resource map[string]any) ([]Selected, error) {
	if e.plain != nil {
		return e.plain.walk(resource), nil
	}
	out, err := e.eval(nil, resource, true)
	if err != nil {
		return nil, err
	}
	sel := make([]Selected, 0, len(out))
	for _, it := range out {
		if it.v != nil {
			sel = append(sel, Selected{Path: it.loc, Value: it.v})
		}
	}
	return sel, nil
}

// plainPath is a compiled plain path.
type plainPath struct {
	typ   string
	steps []plainStep
}

// plainStep is one step of a plain path.
type plainStep struct {
	name string // an element; "" for first() and where()
	// index >= 0 keeps only that position of the collection so far.
	index int
	// where keeps items whose element at wherePath is the string whereValue.
	wherePath  []string
	whereValue string
	isWhere    bool
}

// compilePlain returns the plain path src is, or nil when it is any other
// expression (which the engine then evaluates).
func compilePlain(src string) *plainPath {
	parts, ok := splitSteps(strings.TrimSpace(src))
	if !ok || len(parts) < 2 || !isName(parts[0]) || parts[0][0] < 'A' || parts[0][0] > 'Z' {
		return nil
	}
	p := &plainPath{typ: parts[0]}
	for _, part := range parts[1:] {
		s := plainStep{index: -1}
		switch {
		case part == "first()":
			s.index = 0
		case strings.HasPrefix(part, "where(") && strings.HasSuffix(part, ")"):
			lhs, rhs, ok := strings.Cut(part[len("where("):len(part)-1], "=")
			lhs, rhs = strings.TrimSpace(lhs), strings.TrimSpace(rhs)
			if !ok || strings.ContainsAny(lhs, "!<>~") || len(rhs) < 2 || rhs[0] != '\'' || rhs[len(rhs)-1] != '\'' ||
				strings.ContainsAny(rhs[1:len(rhs)-1], `'\`) {
				return nil
			}
			s.isWhere, s.whereValue = true, rhs[1:len(rhs)-1]
			for _, name := range strings.Split(lhs, ".") {
				if !isName(name) {
					return nil
				}
				s.wherePath = append(s.wherePath, name)
			}
		default:
			name := part
			if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
				n, err := strconv.Atoi(part[i+1 : len(part)-1])
				if err != nil || n < 0 {
					return nil
				}
				name, s.index = part[:i], n
			}
			if !isName(name) {
				return nil
			}
			s.name = name
		}
		p.steps = append(p.steps, s)
	}
	return p
}

// isName reports a simple FHIRPath identifier that is not a keyword.
func isName(s string) bool {
	if s == "" {
		return false
	}
	switch s {
	case "and", "or", "xor", "implies", "div", "mod", "in", "contains", "is", "as", "true", "false":
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// splitSteps splits on dots outside parentheses and quotes.
func splitSteps(s string) ([]string, bool) {
	var parts []string
	depth, start := 0, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, false
			}
		case c == '.' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted || depth != 0 {
		return nil, false
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	return parts, true
}

func (p *plainPath) walk(res map[string]any) []Selected {
	if rt, _ := res["resourceType"].(string); rt != p.typ {
		return nil
	}
	nodes := []Selected{{Path: p.typ, Value: res}}
	for _, s := range p.steps {
		var next []Selected
		switch {
		case s.isWhere:
			for _, n := range nodes {
				if whereHolds(n.Value, s.wherePath, s.whereValue) {
					next = append(next, n)
				}
			}
		case s.name != "":
			for _, n := range nodes {
				next = appendChild(next, n, s.name)
			}
		default:
			next = nodes
		}
		if s.index >= 0 {
			if s.index < len(next) {
				next = next[s.index : s.index+1]
			} else {
				next = nil
			}
		}
		nodes = next
		if len(nodes) == 0 {
			return nil
		}
	}
	return nodes
}

// appendChild appends the values of element name of n, flattening arrays; a
// choice element named without its type is found under its typed name.
func appendChild(out []Selected, n Selected, name string) []Selected {
	m, ok := n.Value.(map[string]any)
	if !ok {
		return out
	}
	key := name
	v, ok := m[name]
	if !ok {
		for k, x := range m {
			if len(k) > len(name) && strings.HasPrefix(k, name) && k[len(name)] >= 'A' && k[len(name)] <= 'Z' {
				key, v, ok = k, x, true
				break
			}
		}
	}
	if !ok || v == nil {
		return out
	}
	base := n.Path + "." + key
	if arr, isArr := v.([]any); isArr {
		for i, x := range arr {
			if x != nil {
				out = append(out, Selected{Path: base + "[" + strconv.Itoa(i) + "]", Value: x})
			}
		}
		return out
	}
	return append(out, Selected{Path: base, Value: v})
}

// whereHolds reports whether path under v is the string want, as FHIRPath's
// = compares a collection with a string literal: it holds for exactly one
// item equal to it.
func whereHolds(v any, path []string, want string) bool {
	nodes := []Selected{{Value: v}}
	for _, name := range path {
		var next []Selected
		for _, n := range nodes {
			next = appendChild(next, n, name)
		}
		nodes = next
	}
	if len(nodes) != 1 {
		return false
	}
	s, ok := nodes[0].Value.(string)
	return ok && s == want
}
