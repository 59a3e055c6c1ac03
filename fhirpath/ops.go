package fhirpath

import (
	"fmt"
	"math"
	"strings"
)

type binaryNode struct {
	op          string
	left, right node
	apply       func(c *evalCtx, l, r []item) ([]item, error)
}

func (n *binaryNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	l, err := n.left.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	// short-circuit boolean operators where the right side cannot matter
	switch n.op {
	case "and", "or", "implies":
		lb, lok, err := singletonBool(l)
		if err != nil {
			return nil, err
		}
		if lok && ((n.op == "and" && !lb) || (n.op == "or" && lb)) {
			return boolItems(n.op == "or"), nil
		}
		if lok && n.op == "implies" && !lb {
			return boolItems(true), nil
		}
	}
	r, err := n.right.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	out, err := n.apply(c, l, r)
	if err != nil {
		return nil, err
	}
	if err := c.spend(out); err != nil {
		return nil, err
	}
	return out, nil
}

var trueItems = []item{{v: true}}
var falseItems = []item{{v: false}}

func boolItems(b bool) []item {
	if b {
		return trueItems
	}
	return falseItems
}

func newBinary(op string, l, r node) (node, error) {
	n := &binaryNode{op: op, left: l, right: r}
	switch op {
	case "and", "or", "xor", "implies":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) { return logic(op, l, r) }
	case "=", "!=":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			if len(l) == 0 || len(r) == 0 {
				return nil, nil
			}
			eq, ok := collectionsEqual(l, r)
			if !ok {
				return nil, nil
			}
			return boolItems(eq == (op == "=")), nil
		}
	case "~", "!~":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			return boolItems(collectionsEquivalent(l, r) == (op == "~")), nil
		}
	case "<", ">", "<=", ">=":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			if len(l) == 0 || len(r) == 0 {
				return nil, nil
			}
			if len(l) > 1 || len(r) > 1 {
				return nil, errf("%s needs single values, got %d and %d", op, len(l), len(r))
			}
			c, ok, err := order(l[0], r[0])
			if err != nil || !ok {
				return nil, err
			}
			var b bool
			switch op {
			case "<":
				b = c < 0
			case ">":
				b = c > 0
			case "<=":
				b = c <= 0
			default:
				b = c >= 0
			}
			return boolItems(b), nil
		}
	case "|":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) { return union(l, r), nil }
	case "in", "contains":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			if op == "contains" {
				l, r = r, l
			}
			if len(l) == 0 {
				if op == "contains" {
					return falseItems, nil
				}
				return nil, nil
			}
			if len(l) > 1 {
				return nil, errf("%s needs a single value on its element side, got %d", op, len(l))
			}
			return boolItems(containsItem(r, l[0])), nil
		}
	case "&":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			a, err := concatOperand(l)
			if err != nil {
				return nil, err
			}
			b, err := concatOperand(r)
			if err != nil {
				return nil, err
			}
			return []item{{v: a + b}}, nil
		}
	case "+", "-", "*", "/", "div", "mod":
		n.apply = func(_ *evalCtx, l, r []item) ([]item, error) {
			if len(l) == 0 || len(r) == 0 {
				return nil, nil
			}
			if len(l) > 1 || len(r) > 1 {
				return nil, errf("%s needs single values, got %d and %d", op, len(l), len(r))
			}
			v, err := arith(op, sysVal(l[0]), sysVal(r[0]))
			if err != nil || v == nil {
				return nil, err
			}
			return []item{{v: v}}, nil
		}
	default:
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	return n, nil
}

func concatOperand(c []item) (string, error) {
	if len(c) == 0 {
		return "", nil
	}
	if len(c) > 1 {
		return "", errf("& needs single values, got %d", len(c))
	}
	s, ok := sysVal(c[0]).(string)
	if !ok {
		return "", errf("& needs strings, got %s", describe(c[0]))
	}
	return s, nil
}

// singletonBool applies FHIRPath's singleton evaluation of collections in a
// boolean context.
func singletonBool(c []item) (value, ok bool, err error) {
	switch len(c) {
	case 0:
		return false, false, nil
	case 1:
		if b, isBool := c[0].v.(bool); isBool {
			return b, true, nil
		}
		return true, true, nil
	}
	return false, false, errf("expected a single boolean, got a collection of %d", len(c))
}

func logic(op string, l, r []item) ([]item, error) {
	a, aok, err := singletonBool(l)
	if err != nil {
		return nil, err
	}
	b, bok, err := singletonBool(r)
	if err != nil {
		return nil, err
	}
	switch op {
	case "and":
		switch {
		case aok && bok:
			return boolItems(a && b), nil
		case (aok && !a) || (bok && !b):
			return falseItems, nil
		}
		return nil, nil
	case "or":
		switch {
		case aok && bok:
			return boolItems(a || b), nil
		case (aok && a) || (bok && b):
			return trueItems, nil
		}
		return nil, nil
	case "xor":
		if aok && bok {
			return boolItems(a != b), nil
		}
		return nil, nil
	default: // implies
		switch {
		case aok && !a:
			return trueItems, nil
		case bok && b:
			return trueItems, nil
		case aok && a && bok:
			return boolItems(b), nil
		}
		return nil, nil
	}
}

func collectionsEqual(l, r []item) (bool, bool) {
	if len(l) != len(r) {
		return false, true
	}
	for i := range l {
		eq, ok := equal(l[i], r[i])
		if !ok {
			return false, false
		}
		if !eq {
			return false, true
		}
	}
	return true, true
}

func collectionsEquivalent(l, r []item) bool {
	if len(l) != len(r) {
		return false
	}
	used := make([]bool, len(r))
outer:
	for _, a := range l {
		for j, b := range r {
			if !used[j] && equivalent(a, b) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func containsItem(c []item, x item) bool {
	for _, it := range c {
		if eq, ok := equal(it, x); ok && eq {
			return true
		}
	}
	return false
}

func union(l, r []item) []item {
	out := make([]item, 0, len(l)+len(r))
	for _, it := range l {
		if !containsItem(out, it) {
			out = append(out, it)
		}
	}
	for _, it := range r {
		if !containsItem(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func arith(op string, a, b any) (any, error) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return intArith(op, x, y)
		case Decimal:
			return decArith(op, Decimal{V: float64(x)}, y)
		case Quantity:
			if op == "*" {
				return Quantity{Value: Decimal{V: float64(x) * y.Value.V, Scale: y.Value.Scale}, Unit: y.Unit}, nil
			}
		}
	case Decimal:
		switch y := b.(type) {
		case int64:
			return decArith(op, x, Decimal{V: float64(y)})
		case Decimal:
			return decArith(op, x, y)
		case Quantity:
			if op == "*" {
				return Quantity{Value: Decimal{V: x.V * y.Value.V, Scale: max(x.Scale, y.Value.Scale)}, Unit: y.Unit}, nil
			}
		}
	case string:
		if y, ok := b.(string); ok && op == "+" {
			return x + y, nil
		}
	case Temporal:
		if y, ok := b.(Quantity); ok && (op == "+" || op == "-") {
			sign := 1
			if op == "-" {
				sign = -1
			}
			return addDuration(x, y, sign)
		}
	case Quantity:
		switch y := b.(type) {
		case Quantity:
			return quantityArith(op, x, y)
		case int64, Decimal:
			f, _ := asFloat(y)
			switch op {
			case "*":
				return Quantity{Value: Decimal{V: x.Value.V * f, Scale: x.Value.Scale}, Unit: x.Unit}, nil
			case "/":
				if f == 0 {
					return nil, nil
				}
				return Quantity{Value: Decimal{V: x.Value.V / f, Scale: x.Value.Scale}, Unit: x.Unit}, nil
			}
		}
	}
	return nil, errf("cannot apply %s to %s and %s", op, systemType(a), systemType(b))
}

func intArith(op string, x, y int64) (any, error) {
	switch op {
	case "+":
		s := x + y
		if (s > x) != (y > 0) {
			return nil, nil
		}
		return s, nil
	case "-":
		return x - y, nil
	case "*":
		if x != 0 && (x*y)/x != y {
			return nil, nil
		}
		return x * y, nil
	case "/":
		if y == 0 {
			return nil, nil
		}
		return Decimal{V: float64(x) / float64(y), Scale: -1}, nil
	case "div":
		if y == 0 {
			return nil, nil
		}
		return x / y, nil
	case "mod":
		if y == 0 {
			return nil, nil
		}
		return x % y, nil
	}
	return nil, errf("unknown operator %s", op)
}

func decArith(op string, x, y Decimal) (any, error) {
	scale := max(x.Scale, y.Scale)
	switch op {
	case "+":
		return Decimal{V: x.V + y.V, Scale: scale}, nil
	case "-":
		return Decimal{V: x.V - y.V, Scale: scale}, nil
	case "*":
		return Decimal{V: x.V * y.V, Scale: x.Scale + y.Scale}, nil
	case "/":
		if y.V == 0 {
			return nil, nil
		}
		return Decimal{V: x.V / y.V, Scale: -1}, nil
	case "div":
		if y.V == 0 {
			return nil, nil
		}
		return int64(math.Trunc(x.V / y.V)), nil
	case "mod":
		if y.V == 0 {
			return nil, nil
		}
		return Decimal{V: math.Mod(x.V, y.V), Scale: scale}, nil
	}
	return nil, errf("unknown operator %s", op)
}

func quantityArith(op string, x, y Quantity) (any, error) {
	switch op {
	case "+", "-":
		yc, ok := convertQuantity(y, x.Unit)
		if !ok {
			return nil, errf("cannot %s quantities in %q and %q", map[string]string{"+": "add", "-": "subtract"}[op], x.Unit, y.Unit)
		}
		v, _ := decArith(op, x.Value, yc.Value)
		return Quantity{Value: v.(Decimal), Unit: x.Unit}, nil
	case "*":
		return Quantity{Value: Decimal{V: x.Value.V * y.Value.V, Scale: x.Value.Scale + y.Value.Scale}, Unit: joinUnits(x.Unit, ".", y.Unit)}, nil
	case "/":
		if y.Value.V == 0 {
			return nil, nil
		}
		return Quantity{Value: Decimal{V: x.Value.V / y.Value.V}, Unit: joinUnits(x.Unit, "/", y.Unit)}, nil
	}
	return nil, errf("cannot apply %s to quantities", op)
}

func joinUnits(a, sep, b string) string {
	if b == "1" {
		return a
	}
	if a == "1" && sep == "." {
		return b
	}
	if sep == "/" && strings.ContainsAny(b, "./") {
		b = "(" + b + ")"
	}
	if a == b && sep == "/" {
		return "1"
	}
	return a + sep + b
}

type negateNode struct{ operand node }

func (n *negateNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	v, err := n.operand.eval(c, s, in)
	if err != nil || len(v) == 0 {
		return nil, err
	}
	if len(v) > 1 {
		return nil, errf("cannot negate a collection of %d", len(v))
	}
	switch x := sysVal(v[0]).(type) {
	case int64:
		return []item{{v: -x}}, nil
	case Decimal:
		if x.V == 0 {
			return []item{{v: Decimal{V: 0, Scale: x.Scale}}}, nil // no negative zero
		}
		return []item{{v: Decimal{V: -x.V, Scale: x.Scale}}}, nil
	case Quantity:
		return []item{{v: Quantity{Value: Decimal{V: -x.Value.V, Scale: x.Value.Scale}, Unit: x.Unit}}}, nil
	}
	return nil, errf("cannot negate %s", describe(v[0]))
}

// typeSpec is a type name, optionally qualified: System.String, FHIR.Patient.
type typeSpec struct{ ns, name string }

func (t typeSpec) String() string {
	if t.ns == "" {
		return t.name
	}
	return t.ns + "." + t.name
}

type typeOpNode struct {
	op   string
	left node
	typ  typeSpec
}

func (n *typeOpNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	l, err := n.left.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	return c.typeTest(n.op, l, n.typ)
}

// checkType refuses type names neither System nor the model knows.
func (c *evalCtx) checkType(t typeSpec) error {
	switch t.ns {
	case "System":
		return nil // an unknown System type matches nothing
	case "", "FHIR":
		if t.ns == "" && systemTypeNames[t.name] {
			return nil
		}
		if k, ok := c.model.(interface{ HasType(string) bool }); !ok || k.HasType(t.name) {
			return nil
		}
	}
	return errf("unknown type %s", t)
}

func (c *evalCtx) typeTest(op string, l []item, t typeSpec) ([]item, error) {
	if err := c.checkType(t); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	if len(l) > 1 {
		if op == "is" {
			return nil, errf("is needs a single value, got %d", len(l))
		}
		return nil, errf("as needs a single value, got %d", len(l))
	}
	ok := isType(l[0], t, op == "as") || op == "as" && asSystemType(l[0], t)
	if op == "is" {
		return boolItems(ok), nil
	}
	if ok {
		return l, nil
	}
	return nil, nil
}

var systemTypeNames = map[string]bool{
	"Boolean": true, "Integer": true, "Decimal": true, "String": true, "Date": true,
	"DateTime": true, "Time": true, "Quantity": true,
}

// systemOfPrimitive is the System type each FHIR primitive's value is.
var systemOfPrimitive = map[string]string{
	"boolean": "Boolean", "integer": "Integer", "positiveInt": "Integer", "unsignedInt": "Integer",
	"decimal": "Decimal", "date": "Date", "dateTime": "DateTime", "instant": "DateTime", "time": "Time",
	"string": "String", "code": "String", "id": "String", "markdown": "String", "uri": "String",
	"url": "String", "canonical": "String", "oid": "String", "uuid": "String", "base64Binary": "String",
}

// asSystemType reports whether as (operator or function) with an
// unqualified System type name converts a FHIR primitive of that kind: R4
// profiles write "value as String" for a FHIR string, and the R4 reference
// evaluates it so. is() stays strict, as the official R4 suite has it
// (Patient.active.is(Boolean) is false).
func asSystemType(it item, t typeSpec) bool {
	return t.ns == "" && it.fhir && systemOfPrimitive[it.t] == t.name
}

// fhirSupertypes lists the FHIR types each type specialises.
var fhirSupertypes = map[string][]string{
	"code": {"string"}, "id": {"string"}, "markdown": {"string"},
	"url": {"uri"}, "canonical": {"uri"}, "oid": {"uri"}, "uuid": {"uri"},
	"unsignedInt": {"integer"}, "positiveInt": {"integer"},
	"Age": {"Quantity"}, "Count": {"Quantity"}, "Distance": {"Quantity"}, "Duration": {"Quantity"},
	"SimpleQuantity": {"Quantity"}, "MoneyQuantity": {"Quantity"},
}

// isType reports whether it is of type t or, unless exact, a subtype (a code is
// a string for is(), but as() and ofType() want the type itself).
func isType(it item, t typeSpec, exact bool) bool {
	if !it.fhir || it.t == "" {
		if t.ns == "FHIR" && !it.fhir {
			return false
		}
		st := systemType(sysVal(it))
		if it.fhir && it.t == "" {
			if m, ok := it.v.(map[string]any); ok {
				rt, _ := m["resourceType"].(string)
				return rt != "" && (rt == t.name || t.name == "Resource" || t.name == "DomainResource")
			}
		}
		return (t.ns == "" || t.ns == "System") && st == t.name
	}
	if t.ns == "System" {
		return false
	}
	if it.t == t.name {
		return true
	}
	if m, ok := it.v.(map[string]any); ok {
		if _, isRes := m["resourceType"]; isRes {
			return t.name == "Resource" || (t.name == "DomainResource" && it.t != "Bundle" && it.t != "Parameters" && it.t != "Binary")
		}
		if t.name == "Element" || (t.name == "BackboneElement" && it.t == "BackboneElement") {
			return true
		}
	}
	if exact {
		return false
	}
	for _, sup := range fhirSupertypes[it.t] {
		if sup == t.name {
			return true
		}
	}
	return false
}
