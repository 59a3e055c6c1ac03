package tables

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/tabular"
)

// Condition is a compiled boolean expression over the columns of a row, written
// in the expr language (github.com/expr-lang/expr): no side effects, no loops
// over input, no access to anything but the row. A column is a variable holding
// its trimmed text ("" when blank or a null token); a column the file lacks is
// nil. Besides expr's operators and a few builtins that depend only on their
// arguments (len, trim, upper, lower, hasPrefix, hasSuffix, int, float, string,
// abs, min, max; never the clock, so a result does not depend on when it
// runs), the functions are:
//
//	is(v, "Label", ...)   v equals one of the labels ignoring case and punctuation
//	prefix(v, "Label")    v starts with the label, ignoring case and punctuation
//	blank(v)              v is empty or missing
//	before(a, b)          a and b are dates and a is before b
//	after(a, b)           a and b are dates and a is after b
//	age(dob, at)          whole years from date dob to date at; -1 if either is not a date
type Condition struct {
	Source  string
	program *vm.Program
	// Columns are the column names the expression reads.
	Columns []string
}

// CompileCondition compiles src.
func CompileCondition(src string) (*Condition, error) {
	opts := []expr.Option{
		expr.Env(map[string]any{}),
		expr.AllowUndefinedVariables(),
		expr.AsBool(),
		expr.MaxNodes(2000),
		expr.Function("is", fnIs),
		expr.Function("prefix", fnPrefix),
		expr.Function("blank", fnBlank),
		expr.Function("before", fnBefore),
		expr.Function("after", fnAfter),
		expr.Function("age", fnAge),
	}
	p, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	c := &Condition{Source: src, program: p}
	seen := map[string]bool{}
	callees := map[ast.Node]bool{}
	var bad string
	ast.Find(p.Node(), func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallNode:
			callees[n.Callee] = true
			if id, ok := n.Callee.(*ast.IdentifierNode); ok && !allowedFunctions[id.Value] && bad == "" {
				bad = id.Value
			}
		case *ast.BuiltinNode:
			if !allowedFunctions[n.Name] && bad == "" {
				bad = n.Name
			}
		}
		return false
	})
	if bad != "" {
		return nil, fmt.Errorf("expression %q: function %s is not available (use %s)", src, bad, strings.Join(sortedKeys(allowedFunctions), ", "))
	}
	ast.Find(p.Node(), func(n ast.Node) bool {
		if id, ok := n.(*ast.IdentifierNode); ok && !callees[n] && !seen[id.Value] {
			seen[id.Value] = true
			c.Columns = append(c.Columns, id.Value)
		}
		return false
	})
	sort.Strings(c.Columns)
	return c, nil
}

// allowedFunctions are the calls a condition may make: this package's
// functions and expr builtins that depend only on their arguments and stay
// small (no clock, no repeat).
var allowedFunctions = map[string]bool{
	"is": true, "prefix": true, "blank": true, "before": true, "after": true, "age": true,
	"len": true, "trim": true, "upper": true, "lower": true, "hasPrefix": true, "hasSuffix": true,
	"int": true, "float": true, "string": true, "abs": true, "min": true, "max": true,
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Eval runs the condition on a row's environment with a worker's machine.
func (c *Condition) Eval(m *vm.VM, env map[string]any) (bool, error) {
	v, err := m.Run(c.program, env)
	if err != nil {
		return false, fmt.Errorf("expression %q: %w", c.Source, err)
	}
	b, _ := v.(bool)
	return b, nil
}

// columnSet is the union of the columns the conditions of one run read. It is
// shared by the run's checks (an Env service) and filled while they compile,
// before any row is read, so that each row builds one small environment
// holding only those columns, whatever the width of the file.
type columnSet struct {
	id    string
	names []string
	seen  map[string]bool
}

var runColumns = check.NewService(func(*check.Env) (*columnSet, error) {
	cs := &columnSet{seen: map[string]bool{}}
	cs.id = fmt.Sprintf("%p", cs)
	return cs, nil
})

// sharedColumns returns the run's column set (its build cannot fail).
func sharedColumns(env *check.Env) *columnSet {
	cs, _ := runColumns.Get(env)
	return cs
}

func (cs *columnSet) add(conds ...*Condition) {
	for _, c := range conds {
		if c == nil {
			continue
		}
		for _, n := range c.Columns {
			if !cs.seen[n] {
				cs.seen[n] = true
				cs.names = append(cs.names, n)
			}
		}
	}
}

// envSpec says how a check's conditions see a row: which null tokens blank a
// value and which columns are read; key names the environment in the row's
// cache (computed once, at compile time).
type envSpec struct {
	key   string
	nulls nullTokens
	cols  *columnSet
}

func newEnvSpec(nulls nullTokens, cols *columnSet) envSpec {
	return envSpec{key: nulls.key + "\x02" + cols.id, nulls: nulls, cols: cols}
}

// rowEnv returns the expression environment of a row, built once per row and
// envSpec and shared by every check that reads the row the same way.
func rowEnv(row *tabular.Row, es envSpec) map[string]any {
	return row.Cached(es.key, func() any {
		env := make(map[string]any, len(es.cols.names))
		for _, name := range es.cols.names {
			i := row.Header.Index(name)
			if i < 0 || i >= len(row.Fields) {
				continue // a column the file lacks is nil
			}
			v := strings.TrimSpace(row.Fields[i])
			if es.nulls.has(v) {
				v = ""
			}
			env[name] = v
		}
		return env
	}).(map[string]any)
}

// nullTokens are values that stand for a blank, compared case-insensitively:
// tokens a return must not use ("NULL": a finding wherever it appears) and
// missing values a schema allows (Frictionless missingValues: silently blank).
type nullTokens struct {
	key     string
	tokens  []string
	missing []string
}

func newNullTokens(ts []string, missing ...string) nullTokens {
	n := nullTokens{tokens: ts, missing: missing}
	n.key = "env\x00" + strings.Join(ts, "\x00") + "\x01" + strings.Join(missing, "\x00")
	return n
}

// has reports whether v stands for a blank.
func (n nullTokens) has(v string) bool { return n.flagged(v) || oneOf(v, n.missing) }

// flagged reports whether v is a token a file must not use for a blank.
func (n nullTokens) flagged(v string) bool { return oneOf(v, n.tokens) }

func oneOf(v string, ts []string) bool {
	for _, t := range ts {
		if len(v) == len(t) && strings.EqualFold(v, t) {
			return true
		}
	}
	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func fnIs(params ...any) (any, error) {
	if len(params) < 2 {
		return nil, fmt.Errorf("is(value, label, ...) needs a value and at least one label")
	}
	v := str(params[0])
	if v == "" {
		return false, nil
	}
	for _, p := range params[1:] {
		if SameLabel(v, str(p)) {
			return true, nil
		}
	}
	return false, nil
}

func fnPrefix(params ...any) (any, error) {
	if len(params) != 2 {
		return nil, fmt.Errorf("prefix(value, label) needs two arguments")
	}
	return str(params[0]) != "" && HasLabelPrefix(str(params[0]), str(params[1])), nil
}

func fnBlank(params ...any) (any, error) {
	if len(params) != 1 {
		return nil, fmt.Errorf("blank(value) needs one argument")
	}
	return str(params[0]) == "", nil
}

// exprDateFormats are the date forms the expression functions read.
func exprDate(v any) (time.Time, bool) {
	s := str(v)
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseLayout(s, "2006-01-02"); ok {
		return t, true
	}
	return parseLayout(s, "02/01/2006")
}

func twoDates(name string, params []any) (time.Time, time.Time, bool, error) {
	if len(params) != 2 {
		return time.Time{}, time.Time{}, false, fmt.Errorf("%s(a, b) needs two arguments", name)
	}
	a, ok1 := exprDate(params[0])
	b, ok2 := exprDate(params[1])
	return a, b, ok1 && ok2, nil
}

func fnBefore(params ...any) (any, error) {
	a, b, ok, err := twoDates("before", params)
	return ok && a.Before(b), err
}

func fnAfter(params ...any) (any, error) {
	a, b, ok, err := twoDates("after", params)
	return ok && a.After(b), err
}

func fnAge(params ...any) (any, error) {
	dob, at, ok, err := twoDates("age", params)
	if err != nil || !ok {
		return -1, err
	}
	years := at.Year() - dob.Year()
	if at.Month() < dob.Month() || (at.Month() == dob.Month() && at.Day() < dob.Day()) {
		years--
	}
	return years, nil
}
