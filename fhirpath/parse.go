package fhirpath

import (
	"fmt"
	"strings"
)

// parser is a precedence-climbing parser over the FHIRPath N1 grammar.
type parser struct {
	src   string
	toks  []token
	pos   int
	depth int
	// memo numbers the subexpressions whose value is the same wherever they
	// appear in one evaluation (%resource.descendants()), so it is computed once
	memo map[string]int
}

// maxNesting bounds parentheses, unary signs and function arguments inside
// each other; real invariants nest a few levels.
const maxNesting = 200

// binary operator precedence, lowest first (the FHIRPath grammar's order).
var precedence = map[string]int{
	"implies": 1,
	"or":      2, "xor": 2,
	"and": 3,
	"in":  4, "contains": 4,
	"=": 5, "~": 5, "!=": 5, "!~": 5,
	"<": 6, ">": 6, "<=": 6, ">=": 6,
	"|":  7,
	"is": 8, "as": 8,
	"+": 9, "-": 9, "&": 9,
	"*": 10, "/": 10, "div": 10, "mod": 10,
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) fail(t token, format string, a ...any) error {
	return &SyntaxError{Expr: p.src, Pos: t.pos, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == s
}

func (p *parser) expect(s string) error {
	t := p.next()
	if t.kind != tOp || t.text != s {
		if t.kind == tEOF {
			return p.fail(t, "expected %q, found the end of the expression", s)
		}
		return p.fail(t, "expected %q, found %q", s, t.text)
	}
	return nil
}

// binaryOp returns the operator at the current token, if any.
func (p *parser) binaryOp() (string, int) {
	t := p.peek()
	switch t.kind {
	case tOp:
		if prec, ok := precedence[t.text]; ok {
			return t.text, prec
		}
	case tIdent:
		if prec, ok := precedence[t.text]; ok {
			return t.text, prec
		}
	}
	return "", 0
}

func (p *parser) expr(minPrec int) (node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		op, prec := p.binaryOp()
		if prec == 0 || prec < minPrec {
			return left, nil
		}
		opTok := p.next()
		if op == "is" || op == "as" {
			ts, err := p.typeSpecifier()
			if err != nil {
				return nil, err
			}
			left = &typeOpNode{op: op, left: left, typ: ts}
			continue
		}
		next := prec + 1
		if op == "implies" {
			next = prec // right associative
		}
		right, err := p.expr(next)
		if err != nil {
			return nil, err
		}
		left, err = newBinary(op, left, right)
		if err != nil {
			return nil, p.fail(opTok, "%v", err)
		}
	}
}

func (p *parser) typeSpecifier() (typeSpec, error) {
	t := p.next()
	if t.kind != tIdent && t.kind != tDelimIdent {
		return typeSpec{}, p.fail(t, "expected a type name")
	}
	name := t.text
	if p.isOp(".") {
		p.next()
		t2 := p.next()
		if t2.kind != tIdent && t2.kind != tDelimIdent {
			return typeSpec{}, p.fail(t2, "expected a type name after %q", name+".")
		}
		return typeSpec{ns: name, name: t2.text}, nil
	}
	return typeSpec{name: name}, nil
}

// unary parses polarity and then a postfix chain of invocations and indexers.
func (p *parser) unary() (node, error) {
	// nesting is bounded so that no expression can exhaust the stack
	if p.depth++; p.depth > maxNesting {
		return nil, p.fail(p.peek(), "expression nested more than %d levels deep", maxNesting)
	}
	defer func() { p.depth-- }()
	if p.isOp("+") || p.isOp("-") {
		op := p.next().text
		operand, err := p.unary()
		if err != nil {
			return nil, err
		}
		if op == "+" {
			return operand, nil
		}
		return &negateNode{operand}, nil
	}
	n, err := p.term()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("."):
			p.next()
			inv, err := p.invocation(false)
			if err != nil {
				return nil, err
			}
			n = p.memoize(&pathNode{left: n, right: inv})
		case p.isOp("["):
			p.next()
			idx, err := p.expr(1)
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			n = &indexNode{left: n, index: idx}
		default:
			return n, nil
		}
	}
}

var calendarUnits = map[string]string{
	"year": "year", "years": "year", "month": "month", "months": "month",
	"week": "week", "weeks": "week", "day": "day", "days": "day",
	"hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute",
	"second": "second", "seconds": "second", "millisecond": "millisecond", "milliseconds": "millisecond",
}

func (p *parser) term() (node, error) {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return nil, p.fail(t, "unexpected end of expression")
	case tNumber:
		p.next()
		num, err := parseNumberLiteral(t.text)
		if err != nil {
			return nil, p.fail(t, "%v", err)
		}
		// a number followed by a unit is a quantity literal
		u := p.peek()
		if u.kind == tString {
			p.next()
			return &literalNode{val: item{v: Quantity{Value: toDecimal(num), Unit: u.text}}}, nil
		}
		if u.kind == tIdent {
			if cu, ok := calendarUnits[u.text]; ok {
				p.next()
				return &literalNode{val: item{v: Quantity{Value: toDecimal(num), Unit: cu}}}, nil
			}
		}
		return &literalNode{val: item{v: num}}, nil
	case tString:
		p.next()
		return &literalNode{val: item{v: t.text}}, nil
	case tDate:
		p.next()
		dt, err := parseTemporalLiteral(t.text)
		if err != nil {
			return nil, p.fail(t, "%v", err)
		}
		return &literalNode{val: item{v: dt}}, nil
	case tExternal:
		p.next()
		return &externalNode{name: t.text}, nil
	case tOp:
		switch t.text {
		case "(":
			p.next()
			inner, err := p.expr(1)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return &parenNode{inner}, nil
		case "{":
			p.next()
			if err := p.expect("}"); err != nil {
				return nil, err
			}
			return &emptyNode{}, nil
		}
		return nil, p.fail(t, "unexpected %q", t.text)
	case tIdent, tDelimIdent:
		if t.kind == tIdent {
			switch t.text {
			case "true", "false":
				p.next()
				return &literalNode{val: item{v: t.text == "true"}}, nil
			}
		}
		return p.invocation(true)
	}
	return nil, p.fail(t, "unexpected token")
}

// invocation parses an identifier, a function call or $this/$index/$total.
func (p *parser) invocation(first bool) (node, error) {
	t := p.next()
	if t.kind != tIdent && t.kind != tDelimIdent {
		return nil, p.fail(t, "expected a name after '.'")
	}
	if t.kind == tIdent && strings.HasPrefix(t.text, "$") {
		switch t.text {
		case "$this", "$index", "$total":
			if !first {
				return nil, p.fail(t, "%s cannot follow '.'", t.text)
			}
			return &varNode{name: t.text}, nil
		}
		return nil, p.fail(t, "unknown special variable %s", t.text)
	}
	if t.kind == tIdent && p.isOp("(") {
		p.next()
		var args []node
		if !p.isOp(")") {
			for {
				a, err := p.expr(1)
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.isOp(",") {
					p.next()
					continue
				}
				break
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		fn, err := newFunc(t.text, args)
		if err != nil {
			return nil, p.fail(t, "%v", err)
		}
		return fn, nil
	}
	return &memberNode{name: t.text, first: first}, nil
}

// memoize wraps the walk of a whole resource from a constant
// (%resource.descendants(), %rootResource.children()): it does not depend on
// where in the expression it stands, and invariants such as dom-3 repeat it.
func (p *parser) memoize(n *pathNode) node {
	ext, ok := n.left.(*externalNode)
	fn, isFn := n.right.(*funcNode)
	if !ok || !isFn || len(fn.args) > 0 || (fn.name != "descendants" && fn.name != "children") {
		return n
	}
	key := "%" + ext.name + "." + fn.name
	slot, seen := p.memo[key]
	if !seen {
		if p.memo == nil {
			p.memo = map[string]int{}
		}
		slot = len(p.memo)
		p.memo[key] = slot
	}
	return &memoNode{inner: n, slot: slot}
}

// memoNode evaluates its inner expression once per evaluation.
type memoNode struct {
	inner node
	slot  int
}

func (n *memoNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	if c.memo == nil {
		c.memo = make([][]item, c.memoSlots)
	}
	if v := c.memo[n.slot]; v != nil {
		return v, nil
	}
	v, err := n.inner.eval(c, s, in)
	if err != nil {
		return nil, err
	}
	// a full slice: whoever appends to a result copies it
	v = v[:len(v):len(v)]
	if v == nil {
		v = []item{}
	}
	c.memo[n.slot] = v
	return v, nil
}

func parse(src string) (node, int, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, 0, err
	}
	p := &parser{src: src, toks: toks}
	n, err := p.expr(1)
	if err != nil {
		return nil, 0, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, 0, p.fail(t, "unexpected %q after the end of the expression", t.text)
	}
	return n, len(p.memo), nil
}
