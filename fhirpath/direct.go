package fhirpath

import (
	"slices"

	"github.com/carecert/carecert/fhir/elements"
)

// Direct checks: an invariant compiled, for inputs of one type, to Go code
// over the resource's maps. Invariants run on every element of every record
// (obs-6 and obs-7 on every Observation), and most are a few existence tests
// joined by and/or/implies; walking the general evaluator's collections for
// them costs more than the rest of an Observation's validation.
//
// The evaluator stays the definition. A direct check either gives exactly
// the evaluator's answer or says it cannot (undecided), and the evaluator
// runs: for a shape it was not compiled for (nil check), for data the check
// does not model (a primitive's extensions on the way, a contained resource,
// several values where one is needed, the evaluator's error cases), and for
// filters such as where() on a collection that is not empty. A spec compares
// the two on every R4 core constraint over the shared example instances.

// verdict is a direct check's answer: a FHIRPath boolean, the empty
// collection, or undecided (ask the evaluator).
type verdict uint8

const (
	undecided verdict = iota
	empty
	no
	yes
)

func verdictOf(b bool) verdict {
	if b {
		return yes
	}
	return no
}

// check is a compiled boolean expression on a focus object.
type check func(m map[string]any) verdict

// count is a compiled integer expression: ok is false when undecided.
type count func(m map[string]any) (n int64, ok bool)

// step is one element name of a path; for a choice element ("value") the
// JSON name carries the type ("valueQuantity"). where keeps only the values
// it holds on (a compiled where() criterion), or is nil.
type step struct {
	name   string
	choice bool
	where  check
}

// collection is a path of elements from the focus, optionally followed by
// filters (where, select) that are decided only when the path finds nothing.
type collection struct {
	steps    []step
	filtered bool
	// typ is the type code of the last element ("" for a choice), at where
	// its children are defined.
	typ, at string
	// criteria says a step has a where criterion: every value is then
	// tested, as the evaluator tests every one (an early stop could skip
	// one the evaluator fails on).
	criteria bool
}

// directCheck compiles an expression for inputs whose children are defined
// at defPath; nil when some part of it is not a shape direct checks cover.
func directCheck(n node, m Model, defPath string) check {
	switch x := n.(type) {
	case *parenNode:
		return directCheck(x.inner, m, defPath)
	case *literalNode:
		if b, ok := x.val.v.(bool); ok {
			v := verdictOf(b)
			return func(map[string]any) verdict { return v }
		}
	case *binaryNode:
		return directBinary(x, m, defPath)
	case *pathNode:
		if fn, ok := x.right.(*funcNode); ok {
			return directFunc(fn, x.left, m, defPath)
		}
	case *funcNode:
		return directFunc(x, nil, m, defPath)
	}
	// a path used as a boolean: one value is its boolean (true when not a
	// boolean), none is empty, several are the evaluator's error
	if c, ok := directCollection(n, m, defPath); ok {
		return func(m map[string]any) verdict {
			var g gathered
			if !c.gather(m, &g, 2) {
				return undecided
			}
			switch g.n {
			case 0:
				return empty
			case 1:
				if b, ok := g.first.(bool); ok {
					return verdictOf(b)
				}
				return yes
			}
			return undecided
		}
	}
	return nil
}

// directFunc compiles a boolean function on a collection (nil left: the
// focus itself).
func directFunc(fn *funcNode, left node, m Model, defPath string) check {
	if fn.name == "not" {
		if left == nil {
			return nil
		}
		inner := directCheck(left, m, defPath)
		if inner == nil {
			return nil
		}
		return func(m map[string]any) verdict {
			switch v := inner(m); v {
			case yes:
				return no
			case no:
				return yes
			default:
				return v
			}
		}
	}
	c, ok := collection{at: defPath}, true
	if left != nil {
		c, ok = directCollection(left, m, defPath)
	}
	if !ok {
		return nil
	}
	switch {
	case (fn.name == "exists" || fn.name == "all") && len(fn.args) == 1:
		// exists(x) is where(x).exists(); all(x) is where(x is not
		// true).empty()
		crit := directCheck(fn.args[0], m, c.at)
		if crit == nil {
			return nil
		}
		want := fn.name == "exists"
		if !want {
			crit = notTrue(crit)
		}
		if c, ok = c.filter(crit); !ok {
			return nil
		}
		return func(m map[string]any) verdict {
			var g gathered
			if !c.gather(m, &g, 1) {
				return undecided
			}
			return verdictOf((g.n > 0) == want)
		}
	case fn.name == "exists" && len(fn.args) == 0, fn.name == "empty":
		want := fn.name == "exists"
		return func(m map[string]any) verdict {
			var g gathered
			if !c.gather(m, &g, 1) {
				return undecided
			}
			return verdictOf((g.n > 0) == want)
		}
	case fn.name == "hasValue":
		return func(m map[string]any) verdict {
			var g gathered
			if !c.gather(m, &g, 2) {
				return undecided
			}
			if g.n != 1 {
				return no
			}
			switch g.first.(type) {
			case nil, map[string]any, []any:
				return no
			}
			return yes
		}
	case fn.name == "matches" && fn.re != nil:
		re := fn.re
		return func(m map[string]any) verdict {
			var g gathered
			if !c.gather(m, &g, 2) {
				return undecided
			}
			if g.n == 0 {
				return empty
			}
			s, isString := g.first.(string)
			if g.n > 1 || !isString {
				return undecided // the evaluator's error, or a conversion
			}
			return verdictOf(re.MatchString(s))
		}
	}
	return nil
}

// directBinary compiles and/or/xor/implies with the evaluator's short
// cuts, and comparisons of counts.
func directBinary(x *binaryNode, m Model, defPath string) check {
	switch x.op {
	case "and", "or", "xor", "implies":
		l, r := directCheck(x.left, m, defPath), directCheck(x.right, m, defPath)
		if l == nil || r == nil {
			return nil
		}
		op := x.op
		return func(m map[string]any) verdict {
			a := l(m)
			switch {
			case a == undecided:
				return undecided
			case op == "and" && a == no, op == "or" && a == yes:
				return a
			case op == "implies" && a == no:
				return yes
			}
			b := r(m)
			if b == undecided {
				return undecided
			}
			return logic3(op, a, b)
		}
	case "=", "!=", "<", ">", "<=", ">=":
		if c := directEquals(x, m, defPath); c != nil {
			return c
		}
		l, r := directCount(x.left, m, defPath), directCount(x.right, m, defPath)
		if l == nil || r == nil {
			return nil
		}
		op := x.op
		return func(m map[string]any) verdict {
			a, ok1 := l(m)
			b, ok2 := r(m)
			if !ok1 || !ok2 {
				return undecided
			}
			switch op {
			case "=":
				return verdictOf(a == b)
			case "!=":
				return verdictOf(a != b)
			case "<":
				return verdictOf(a < b)
			case ">":
				return verdictOf(a > b)
			case "<=":
				return verdictOf(a <= b)
			}
			return verdictOf(a >= b)
		}
	}
	return nil
}

// textTypes are the primitive types whose values compare as the JSON
// string itself (dates and times compare as instants).
var textTypes = map[string]bool{
	"string": true, "code": true, "id": true, "uri": true, "url": true, "canonical": true,
	"markdown": true, "oid": true, "uuid": true,
}

// directEquals compiles element = 'text' and element != 'text' (either
// side) for an element whose type compares as text.
func directEquals(x *binaryNode, m Model, defPath string) check {
	if x.op != "=" && x.op != "!=" {
		return nil
	}
	path, lit := x.left, x.right
	if _, isLiteral := path.(*literalNode); isLiteral {
		path, lit = lit, path
	}
	l, ok := lit.(*literalNode)
	if !ok {
		return nil
	}
	text, isText := l.val.v.(string)
	c, ok := directCollection(path, m, defPath)
	if !isText || !ok || !textTypes[c.typ] {
		return nil
	}
	want := x.op == "="
	return func(m map[string]any) verdict {
		var g gathered
		if !c.gather(m, &g, 2) {
			return undecided
		}
		switch {
		case g.n == 0:
			return empty
		case g.n > 1:
			return verdictOf(!want) // collections of different sizes differ
		}
		s, isString := g.first.(string)
		if !isString {
			return undecided
		}
		return verdictOf((s == text) == want)
	}
}

// notTrue is a criterion that holds where crit is false or empty.
func notTrue(crit check) check {
	return func(m map[string]any) verdict {
		switch crit(m) {
		case undecided:
			return undecided
		case yes:
			return no
		}
		return yes
	}
}

// logic3 is FHIRPath's three-valued logic on two decided operands (logic()
// on collections).
func logic3(op string, a, b verdict) verdict {
	switch op {
	case "and":
		switch {
		case a != empty && b != empty:
			return verdictOf(a == yes && b == yes)
		case a == no || b == no:
			return no
		}
	case "or":
		switch {
		case a != empty && b != empty:
			return verdictOf(a == yes || b == yes)
		case a == yes || b == yes:
			return yes
		}
	case "xor":
		if a != empty && b != empty {
			return verdictOf(a != b)
		}
	default: // implies
		switch {
		case a == no, b == yes:
			return yes
		case a == yes && b != empty:
			return b
		}
	}
	return empty
}

// directCount compiles an integer: a count of a collection, an integer
// literal, or a sum of those.
func directCount(n node, m Model, defPath string) count {
	switch x := n.(type) {
	case *parenNode:
		return directCount(x.inner, m, defPath)
	case *literalNode:
		if i, ok := x.val.v.(int64); ok {
			return func(map[string]any) (int64, bool) { return i, true }
		}
	case *binaryNode:
		if x.op != "+" {
			return nil
		}
		l, r := directCount(x.left, m, defPath), directCount(x.right, m, defPath)
		if l == nil || r == nil {
			return nil
		}
		return func(m map[string]any) (int64, bool) {
			a, ok1 := l(m)
			b, ok2 := r(m)
			// counts and small literals: far from overflow, where the
			// evaluator gives empty
			return a + b, ok1 && ok2 && a < 1<<40 && b < 1<<40 && a > -1<<40 && b > -1<<40
		}
	case *pathNode:
		fn, ok := x.right.(*funcNode)
		if !ok || fn.name != "count" {
			return nil
		}
		c, ok := directCollection(x.left, m, defPath)
		if !ok {
			return nil
		}
		return func(m map[string]any) (int64, bool) {
			var g gathered
			if !c.gather(m, &g, MaxItems) {
				return 0, false
			}
			return int64(g.n), g.n < MaxItems
		}
	}
	return nil
}

// directCollection compiles a path of elements from the focus: names the
// model knows for the type (a choice element only last), then optionally
// where()/select() filters and further names, which are decided only when
// the path before them finds nothing.
func directCollection(n node, m Model, defPath string) (collection, bool) {
	switch x := n.(type) {
	case *varNode:
		return collection{at: defPath}, x.name == "$this"
	case *memberNode:
		return directStep(collection{at: defPath}, x, m, defPath)
	case *pathNode:
		c, ok := directCollection(x.left, m, defPath)
		if !ok {
			return c, false
		}
		switch r := x.right.(type) {
		case *memberNode:
			if c.filtered {
				return c, true // a name after a filter: still nothing on nothing
			}
			return directStep(c, r, m, c.at)
		case *funcNode:
			if r.name == "where" && !c.filtered {
				if crit := directCheck(r.args[0], m, c.at); crit != nil {
					if f, ok := c.filter(crit); ok {
						return f, true
					}
				}
			}
			if (r.name == "where" || r.name == "select") && len(c.steps) > 0 {
				c.filtered = true
				return c, true
			}
		}
	}
	return collection{}, false
}

// directStep adds element name to a path at definition path at.
func directStep(c collection, x *memberNode, m Model, at string) (collection, bool) {
	if x.name == "" || x.name[0] < 'a' || x.name[0] > 'z' || at == "" {
		return c, false // a type name, or a name the model cannot place
	}
	typ, path, choice, known := m.Child(at, x.name)
	if !known || (!choice && (path == "" || typ == "Resource" || typ == "DomainResource")) {
		return c, false
	}
	steps := append(c.steps[:len(c.steps):len(c.steps)], step{name: x.name, choice: choice})
	return collection{steps: steps, typ: typ, at: path, criteria: c.criteria}, true
}

// filter adds a where() criterion on the values of the path's last element:
// objects of one known type (not a choice, not the focus itself).
func (c collection) filter(crit check) (collection, bool) {
	if len(c.steps) == 0 || c.filtered || c.at == "" || c.steps[len(c.steps)-1].choice {
		return c, false
	}
	steps := slices.Clone(c.steps)
	last := &steps[len(steps)-1]
	if prev := last.where; prev != nil {
		// where(a).where(b): a value is kept when both hold
		last.where = func(m map[string]any) verdict {
			switch v := prev(m); v {
			case yes:
				return crit(m)
			case undecided:
				return undecided
			}
			return no
		}
	} else {
		last.where = crit
	}
	c.steps, c.criteria = steps, true
	return c, true
}

// gathered is what a path found: how many values (up to a limit) and the
// first one.
type gathered struct {
	n     int
	first any
}

func (g *gathered) add(v any) {
	if g.n == 0 {
		g.first = v
	}
	g.n++
}

// gather walks the collection from focus m, counting values up to limit.
// It reports false when the evaluator must decide.
func (c *collection) gather(m map[string]any, g *gathered, limit int) bool {
	if len(c.steps) == 0 {
		g.add(m)
		return true
	}
	if c.criteria {
		limit = MaxItems
	}
	if !c.walk(m, 0, g, limit) {
		return false
	}
	return !c.filtered || g.n == 0
}

func (c *collection) walk(m map[string]any, i int, g *gathered, limit int) bool {
	s := c.steps[i]
	leaf := func(_ int, x any, _ map[string]any) { g.add(x) }
	if s.choice {
		// the names children() finds for it
		var keys [4]string
		for _, k := range choiceKeys(m, s.name, keys[:0]) {
			values(m[k], m["_"+k], leaf)
		}
		return true
	}
	v, has := m[s.name]
	ext := m["_"+s.name]
	if !has && ext == nil {
		return true
	}
	last := i == len(c.steps)-1
	if last && s.where == nil {
		values(v, ext, leaf)
		return true
	}
	ok := true
	values(v, ext, func(_ int, x any, e map[string]any) {
		if !ok || g.n >= limit {
			return
		}
		y, isObject := x.(map[string]any)
		if !isObject {
			// a primitive's children are those of its "_name" object, and
			// a criterion on it is the evaluator's
			ok = e == nil && s.where == nil
			return
		}
		if _, isResource := y["resourceType"]; isResource {
			ok = false // typed by its resourceType: the evaluator's
			return
		}
		if s.where != nil {
			switch s.where(y) {
			case undecided:
				ok = false
				return
			case no, empty:
				return
			}
		}
		if last {
			g.add(y)
		} else {
			ok = c.walk(y, i+1, g, limit)
		}
	})
	return ok
}

// DirectBool answers EvaluateBool for an element by its direct check alone,
// for a caller that builds the Env only when the evaluator must run (an
// invariant on every element of a feed): decided is false when it must.
// model is the Env's Model (nil for the R4 core).
func (e *Expr) DirectBool(model Model, v Value) (value, ok, decided bool) {
	if model != nil {
		return false, false, false
	}
	return e.directBool(nil, v)
}

// directBool runs the direct check for an element input, compiling it on
// the first input of its definition path. decided is false when the
// evaluator must answer: another model than the R4 core's, strict mode, an
// input that is not an object of a known type, or the check's own
// undecided.
func (e *Expr) directBool(env *Env, v Value) (value, ok, decided bool) {
	m, isObject := v.it.v.(map[string]any)
	if !isObject || !v.it.fhir || v.it.p == "" || (env != nil && (env.Model != nil || env.Strict)) {
		return false, false, false
	}
	var c check
	if got, seen := e.direct.Load(v.it.p); seen {
		c = got.(check)
	} else {
		model, err := elements.R4()
		if err != nil {
			return false, false, false
		}
		c = directCheck(e.root, model, v.it.p)
		e.direct.Store(v.it.p, c)
	}
	if c == nil {
		return false, false, false
	}
	switch c(m) {
	case yes:
		return true, true, true
	case no:
		return false, true, true
	case empty:
		return false, false, true
	}
	return false, false, false
}
