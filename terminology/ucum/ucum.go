// Package ucum parses Unified Code for Units of Measure expressions (the
// case-sensitive form FHIR uses in Quantity.code with system
// http://unitsofmeasure.org) and reduces them to a factor and a dimension, so
// that units can be checked for validity and compared ("is mg/dL a mass
// concentration like g/L?"). The unit table follows the UCUM essence.
package ucum

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dimension counts the powers of the seven UCUM base units (m, s, g, rad, K,
// C, cd) in a unit.
type Dimension [7]int

// Unit is a parsed UCUM expression reduced to base units.
type Unit struct {
	// Expression is the text parsed.
	Expression string
	// Factor is the magnitude of the unit in base units (for ratio units).
	Factor float64
	Dim    Dimension
	// Arbitrary names the arbitrary units (such as [IU]) the unit is built on,
	// which are comparable only with themselves; "" when none.
	Arbitrary string
	// Special is set when the unit is not a ratio scale (Cel, [degF], [pH]):
	// comparable by dimension, but not convertible by a factor.
	Special bool
}

// Comparable reports whether two units measure the same kind of quantity.
func (u Unit) Comparable(v Unit) bool { return u.Dim == v.Dim && u.Arbitrary == v.Arbitrary }

// DimensionText renders the dimension in base units, such as "g.m-3".
func (u Unit) DimensionText() string {
	var parts []string
	for i, p := range u.Dim {
		switch {
		case p == 1:
			parts = append(parts, baseUnits[i])
		case p != 0:
			parts = append(parts, baseUnits[i]+strconv.Itoa(p))
		}
	}
	if u.Arbitrary != "" {
		parts = append(parts, u.Arbitrary)
	}
	if len(parts) == 0 {
		return "1"
	}
	return strings.Join(parts, ".")
}

// atom is a resolved table entry.
type atom struct {
	def  atomDef
	unit Unit
}

// table holds the resolved atoms; built once, read-only after.
var table = buildTable()

func buildTable() map[string]*atom {
	t := make(map[string]*atom, len(atomTable))
	for _, d := range atomTable {
		t[d.symbol] = &atom{def: d}
	}
	resolving := map[string]bool{}
	var resolve func(a *atom) Unit
	resolve = func(a *atom) Unit {
		if a.unit.Expression != "" {
			return a.unit
		}
		d := a.def
		u := Unit{Expression: d.symbol, Factor: 1, Special: d.special}
		switch d.defn {
		case "":
			for i, b := range baseUnits {
				if b == d.symbol {
					u.Dim[i] = 1
				}
			}
		case arb:
			u.Arbitrary = d.symbol
		default:
			if resolving[d.symbol] {
				panic("ucum: unit table defines " + d.symbol + " in terms of itself")
			}
			resolving[d.symbol] = true
			p := parser{src: d.defn, lookup: func(sym string) (Unit, bool) { return find(t, sym, resolve) }}
			v, err := p.parse()
			if err != nil {
				panic("ucum: unit table: " + d.symbol + ": " + err.Error())
			}
			u.Dim, u.Arbitrary = v.Dim, v.Arbitrary
			u.Factor = d.factor * v.Factor
			u.Special = u.Special || v.Special
		}
		if d.defn == "" || d.defn == arb {
			u.Factor = d.factor
		}
		a.unit = u
		return u
	}
	for _, a := range t {
		resolve(a)
	}
	return t
}

// Parse parses a UCUM expression.
func Parse(expr string) (Unit, error) {
	if expr == "" {
		return Unit{}, fmt.Errorf("empty unit")
	}
	p := parser{src: expr, lookup: lookupAtom}
	u, err := p.parse()
	if err != nil {
		return Unit{}, err
	}
	u.Expression = expr
	return u, nil
}

// Validate returns nil when expr is a valid UCUM expression.
func Validate(expr string) error { _, err := Parse(expr); return err }

// Comparable reports whether two UCUM expressions measure the same kind of
// quantity; an error names the expression that does not parse.
func Comparable(a, b string) (bool, error) {
	ua, err := Parse(a)
	if err != nil {
		return false, fmt.Errorf("%q: %w", a, err)
	}
	ub, err := Parse(b)
	if err != nil {
		return false, fmt.Errorf("%q: %w", b, err)
	}
	return ua.Comparable(ub), nil
}

// Convert converts a value between comparable ratio units.
func Convert(value float64, from, to string) (float64, error) {
	uf, err := Parse(from)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", from, err)
	}
	ut, err := Parse(to)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", to, err)
	}
	if !uf.Comparable(ut) {
		return 0, fmt.Errorf("%s (%s) and %s (%s) are not comparable", from, uf.DimensionText(), to, ut.DimensionText())
	}
	if uf.Special || ut.Special {
		return 0, fmt.Errorf("%s or %s is not a ratio unit: no conversion by factor", from, to)
	}
	return value * uf.Factor / ut.Factor, nil
}

// lookupAtom resolves a simple unit: an atom, or a metric prefix and a metric atom.
func lookupAtom(sym string) (Unit, bool) {
	return find(table, sym, func(a *atom) Unit { return a.unit })
}

func find(t map[string]*atom, sym string, unitOf func(*atom) Unit) (Unit, bool) {
	if a, ok := t[sym]; ok {
		return unitOf(a), true
	}
	for _, n := range []int{2, 1} {
		if len(sym) <= n {
			continue
		}
		f, ok := prefixes[sym[:n]]
		if !ok {
			continue
		}
		a, ok := t[sym[n:]]
		if !ok || !a.def.metric {
			continue
		}
		u := unitOf(a)
		u.Factor *= f
		return u, true
	}
	return Unit{}, false
}

// parser is a recursive-descent parser over the UCUM grammar:
//
//	main-term  = "/" term | term
//	term       = component *( ("." | "/") component )
//	component  = annotatable [annotation] | annotation | factor | "(" term ")"
//	annotatable = simple-unit [exponent]
type parser struct {
	src    string
	pos    int
	lookup func(string) (Unit, bool)
}

func (p *parser) fail(format string, args ...any) error {
	return fmt.Errorf("at position %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) parse() (Unit, error) {
	one := Unit{Factor: 1}
	var u Unit
	var err error
	if p.peek() == '/' {
		p.pos++
		v, err := p.term()
		if err != nil {
			return Unit{}, err
		}
		u = divide(one, v)
	} else if u, err = p.term(); err != nil {
		return Unit{}, err
	}
	if p.pos < len(p.src) {
		return Unit{}, p.fail("unexpected %q", p.src[p.pos:])
	}
	return u, nil
}

func (p *parser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *parser) term() (Unit, error) {
	u, err := p.component()
	if err != nil {
		return Unit{}, err
	}
	for {
		switch p.peek() {
		case '.':
			p.pos++
			v, err := p.component()
			if err != nil {
				return Unit{}, err
			}
			u = multiply(u, v)
		case '/':
			p.pos++
			v, err := p.component()
			if err != nil {
				return Unit{}, err
			}
			u = divide(u, v)
		default:
			return u, nil
		}
	}
}

func (p *parser) component() (Unit, error) {
	switch c := p.peek(); {
	case c == 0:
		return Unit{}, p.fail("a unit is missing at the end")
	case c == '(':
		p.pos++
		u, err := p.term()
		if err != nil {
			return Unit{}, err
		}
		if p.peek() != ')' {
			return Unit{}, p.fail("missing )")
		}
		p.pos++
		return u, p.annotation()
	case c == '{':
		return Unit{Factor: 1}, p.annotation()
	case c == '.' || c == '/' || c == ')':
		return Unit{}, p.fail("a unit is missing before %q", string(c))
	}
	start := p.pos
	depth := 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '[' {
			depth++
		} else if c == ']' {
			depth--
		}
		if depth == 0 && (c == '.' || c == '/' || c == '(' || c == ')' || c == '{') {
			break
		}
		if c <= ' ' || c > '~' {
			return Unit{}, p.fail("character %q is not allowed in a UCUM unit", rune(c))
		}
		p.pos++
	}
	if depth != 0 {
		return Unit{}, p.fail("unbalanced brackets in %q", p.src[start:p.pos])
	}
	sym := p.src[start:p.pos]
	u, err := p.simple(sym)
	if err != nil {
		return Unit{}, err
	}
	return u, p.annotation()
}

// simple resolves a factor, or a simple unit with an optional exponent.
func (p *parser) simple(sym string) (Unit, error) {
	if isDigits(sym) {
		f, err := strconv.ParseFloat(sym, 64)
		if err != nil {
			return Unit{}, p.fail("bad factor %q", sym)
		}
		return Unit{Factor: f}, nil
	}
	if u, ok := p.lookup(sym); ok {
		return u, nil
	}
	// Split a trailing exponent: m2, s-1, 10*3.
	i := len(sym)
	for i > 0 && sym[i-1] >= '0' && sym[i-1] <= '9' {
		i--
	}
	if i > 0 && i < len(sym) && (sym[i-1] == '+' || sym[i-1] == '-') {
		i--
	}
	if i > 0 && i < len(sym) {
		base := sym[:i]
		exp, err := strconv.Atoi(sym[i:])
		if err == nil {
			if u, ok := p.lookup(base); ok {
				return power(u, exp), nil
			}
		}
		sym = base
	}
	if hint := hintFor(sym); hint != "" {
		return Unit{}, fmt.Errorf("unknown unit %q (%s)", sym, hint)
	}
	return Unit{}, fmt.Errorf("unknown unit %q", sym)
}

// hintFor suggests the UCUM form of units people commonly write wrongly.
func hintFor(sym string) string {
	switch sym {
	case "mmHg":
		return "UCUM writes mm[Hg]"
	case "bpm", "beats":
		return "UCUM writes /min"
	case "C", "degC", "°C":
		return "UCUM writes Cel"
	case "lbs", "lb":
		return "UCUM writes [lb_av]"
	case "sec":
		return "UCUM writes s"
	case "hr", "hrs":
		return "UCUM writes h"
	case "cc":
		return "UCUM writes mL"
	case "mcg":
		return "UCUM writes ug"
	}
	for _, d := range atomTable {
		if d.symbol != sym && strings.EqualFold(d.symbol, sym) {
			return "UCUM units are case-sensitive: " + d.symbol
		}
	}
	return ""
}

func (p *parser) annotation() error {
	if p.peek() != '{' {
		return nil
	}
	start := p.pos
	p.pos++
	for p.pos < len(p.src) && p.src[p.pos] != '}' {
		c := p.src[p.pos]
		// UCUM limits annotations to printable ASCII without braces; the
		// common units FHIR publishes ("{2 or 3 times}/d") use spaces too.
		if c < ' ' || c > '~' || c == '{' {
			return p.fail("character %q is not allowed in an annotation", rune(c))
		}
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.pos = start
		return p.fail("annotation is not closed with }")
	}
	p.pos++
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func multiply(a, b Unit) Unit {
	u := Unit{Factor: a.Factor * b.Factor, Special: a.Special || b.Special}
	for i := range u.Dim {
		u.Dim[i] = a.Dim[i] + b.Dim[i]
	}
	u.Arbitrary = joinArb(a.Arbitrary, b.Arbitrary, "")
	return u
}

func divide(a, b Unit) Unit {
	u := Unit{Factor: a.Factor / b.Factor, Special: a.Special || b.Special}
	for i := range u.Dim {
		u.Dim[i] = a.Dim[i] - b.Dim[i]
	}
	u.Arbitrary = joinArb(a.Arbitrary, b.Arbitrary, "/")
	return u
}

func power(a Unit, n int) Unit {
	u := Unit{Factor: math.Pow(a.Factor, float64(n)), Special: a.Special, Arbitrary: a.Arbitrary}
	for i := range u.Dim {
		u.Dim[i] = a.Dim[i] * n
	}
	if a.Arbitrary != "" && n != 1 {
		u.Arbitrary = fmt.Sprintf("%s^%d", a.Arbitrary, n)
	}
	return u
}

// joinArb combines arbitrary-unit names; dividing a unit by itself cancels it.
func joinArb(a, b, op string) string {
	switch {
	case b == "":
		return a
	case op == "/" && a == b:
		return ""
	case a == "":
		return op + b
	}
	return a + "." + op + b
}
