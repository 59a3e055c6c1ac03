package quality

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhirpath"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
)

// Node is one selected element: its path inside the record (FHIRPath-style
// with indices for FHIR, a column for CSV, a field for HL7 v2) and its value.
type Node struct {
	Path  string
	Value any
}

// Selector picks elements out of a record. It is compiled once and must be
// safe for concurrent use. An error means the expression could not be
// evaluated on this record (a FHIRPath type error, say); checks report it
// rather than take it for an absent element.
type Selector interface {
	Select(rec *model.Record) ([]Node, error)
}

// picker selects elements of one record for a check, collecting evaluation
// errors as findings.
type picker struct {
	r    *rule
	rec  *model.Record
	errs []model.Finding
}

func (r *rule) picker(rec *model.Record) *picker { return &picker{r: r, rec: rec} }

// get returns the nodes sel selects, or none after recording its error.
func (p *picker) get(sel Selector) []Node {
	nodes, err := sel.Select(p.rec)
	if err != nil {
		f := p.rec.Finding(model.Error, "quality.selection", "", "cannot evaluate a selection of requirement "+p.r.req+": "+err.Error())
		p.errs = append(p.errs, f)
		return nil
	}
	return nodes
}

// Language compiles selection expressions for the records of one kind. The
// CSV and HL7 v2 packages give theirs to Register so that suites can apply the
// same quality checks to rows and messages.
type Language struct {
	Kind model.Kind
	// Compile turns an expression written in a suite into a Selector.
	Compile func(expr string) (Selector, error)
	// Sensitive reports whether a selected path identifies a person, so that
	// evidence quoting it is redacted by default. May be nil.
	Sensitive func(path string) bool
}

// FHIRPaths is the built-in language for FHIR resources: FHIRPath, with the
// expression starting with the resource type ("Patient.birthDate"). Plain
// paths (element names, "[n]", "first()", "where(system = 'x')", choice
// elements named without their type suffix) are followed directly, which
// gives every selected element its own path with indices
// ("Patient.identifier[1].value") for findings; any other expression is
// evaluated by the fhirpath engine and its results are located at the
// expression.
func FHIRPaths() Language {
	return Language{Kind: model.KindFHIR, Compile: compileFHIRPath, Sensitive: personal.FHIRPath}
}

func compileFHIRPath(expr string) (Selector, error) {
	expr = strings.TrimSpace(expr)
	if typeFromExpr(expr) == "" {
		return nil, fmt.Errorf("an expression starts with the resource type (\"Patient.birthDate\")")
	}
	if p, err := compilePath(expr); err == nil {
		return p, nil
	}
	e, err := fhirpath.Compile(expr)
	if err != nil {
		return nil, err
	}
	return &fhirpathExpr{expr: e, env: &fhirpath.Env{}}, nil
}

// fhirpathExpr selects with the full FHIRPath engine.
type fhirpathExpr struct {
	expr *fhirpath.Expr
	env  *fhirpath.Env
}

func (f *fhirpathExpr) Select(rec *model.Record) ([]Node, error) {
	res := rec.Resource()
	if res == nil {
		return nil, nil
	}
	out, err := f.expr.Evaluate(f.env, res)
	if err != nil {
		return nil, err
	}
	nodes := make([]Node, len(out))
	for i, v := range out {
		nodes[i] = Node{Path: f.expr.String(), Value: v}
	}
	return nodes, nil
}

// step is one navigation step of a compiled path.
type step struct {
	name string
	// index >= 0 keeps only that position; first() is index 0.
	index int
	// where keeps items whose element at wherePath equals whereValue.
	wherePath  []string
	whereValue string
	isWhere    bool
}

type fhirPath struct {
	typ   string
	steps []step
}

// compilePath compiles the plain-path subset of FHIRPath.
func compilePath(expr string) (*fhirPath, error) {
	parts, err := splitPath(expr)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 || typeFromExpr(parts[0]) != parts[0] {
		return nil, fmt.Errorf("a path starts with the resource type (\"Patient.birthDate\")")
	}
	p := &fhirPath{typ: parts[0]}
	for _, part := range parts[1:] {
		s := step{index: -1}
		switch {
		case part == "first()":
			s.index = 0
		case strings.HasPrefix(part, "where(") && strings.HasSuffix(part, ")"):
			cond := strings.TrimSuffix(strings.TrimPrefix(part, "where("), ")")
			lhs, rhs, ok := strings.Cut(cond, "=")
			rhs = strings.TrimSpace(rhs)
			if !ok || len(rhs) < 2 || rhs[0] != '\'' || rhs[len(rhs)-1] != '\'' {
				return nil, fmt.Errorf("where() takes one condition element = 'literal', got %q", cond)
			}
			s.isWhere = true
			s.wherePath = strings.Split(strings.TrimSpace(lhs), ".")
			s.whereValue = rhs[1 : len(rhs)-1]
		default:
			name := part
			if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
				n, err := strconv.Atoi(part[i+1 : len(part)-1])
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%q: an index is a whole number", part)
				}
				name, s.index = part[:i], n
			}
			if !validName(name) {
				return nil, fmt.Errorf("%q is not an element name (the built-in selector knows names, [n], first() and where(a = 'b'))", part)
			}
			s.name = name
		}
		p.steps = append(p.steps, s)
	}
	return p, nil
}

func validName(s string) bool {
	if s == "" {
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

// splitPath splits on dots outside parentheses and quotes.
func splitPath(s string) ([]string, error) {
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
				return nil, fmt.Errorf("unbalanced ')' at %d", i+1)
			}
		case c == '.' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quoted || depth != 0 {
		return nil, fmt.Errorf("unbalanced quote or parenthesis")
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("empty step")
		}
	}
	return parts, nil
}

func (p *fhirPath) Select(rec *model.Record) ([]Node, error) {
	return p.selectNodes(rec), nil
}

func (p *fhirPath) selectNodes(rec *model.Record) []Node {
	res := rec.Resource()
	if res == nil || fhir.ResourceType(res) != p.typ {
		return nil
	}
	nodes := []Node{{Path: p.typ, Value: res}}
	for _, s := range p.steps {
		var next []Node
		switch {
		case s.isWhere:
			for _, n := range nodes {
				if whereMatches(n.Value, s.wherePath, s.whereValue) {
					next = append(next, n)
				}
			}
		case s.name == "":
			if s.index < len(nodes) {
				next = nodes[s.index : s.index+1]
			}
		default:
			for _, n := range nodes {
				next = child(next, n, s.name)
			}
			if s.index >= 0 {
				if s.index < len(next) {
					next = next[s.index : s.index+1]
				} else {
					next = nil
				}
			}
		}
		nodes = next
		if len(nodes) == 0 {
			return nil
		}
	}
	return nodes
}

// child appends the values of element name of n, flattening arrays; a choice
// element is found under its typed name.
func child(out []Node, n Node, name string) []Node {
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
				out = append(out, Node{Path: base + "[" + strconv.Itoa(i) + "]", Value: x})
			}
		}
		return out
	}
	return append(out, Node{Path: base, Value: v})
}

func whereMatches(v any, path []string, want string) bool {
	nodes := []Node{{Value: v}}
	for _, name := range path {
		var next []Node
		for _, n := range nodes {
			next = child(next, n, name)
		}
		nodes = next
	}
	for _, n := range nodes {
		if s, ok := scalar(n.Value); ok && s == want {
			return true
		}
	}
	return false
}

// scalar returns a primitive value as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case fmt.Stringer:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// present reports whether a selected value is present and non-empty: a string
// with something other than blanks, or a complex element with such a value
// somewhere inside.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case map[string]any:
		for k, e := range x {
			if k != "extension" && k != "id" && present(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if present(e) {
				return true
			}
		}
		return false
	}
	return true
}

// anyPresent reports whether any selected node is present and non-empty.
func anyPresent(nodes []Node) bool {
	for _, n := range nodes {
		if present(n.Value) {
			return true
		}
	}
	return false
}
