package fhirpath

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carecert/carecert/fhir/narrative"
)

type funcDef struct {
	min, max int
	call     func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error)
}

type funcNode struct {
	name string
	args []node
	def  *funcDef
	typ  typeSpec       // is, as, ofType
	re   *regexp.Regexp // a constant regex argument, compiled once
}

func (n *funcNode) eval(c *evalCtx, s *scope, in []item) ([]item, error) {
	out, err := n.def.call(c, s, in, n)
	if err != nil {
		return nil, err
	}
	if err := c.spend(out); err != nil {
		return nil, err
	}
	return out, nil
}

func newFunc(name string, args []node) (node, error) {
	def, ok := functions[name]
	if !ok {
		def, ok = moreFunctions[name]
	}
	if !ok {
		return nil, fmt.Errorf("unknown function %s()", name)
	}
	if len(args) < def.min || len(args) > def.max {
		if def.min == def.max {
			return nil, fmt.Errorf("%s() takes %d argument(s), got %d", name, def.min, len(args))
		}
		return nil, fmt.Errorf("%s() takes %d to %d arguments, got %d", name, def.min, def.max, len(args))
	}
	n := &funcNode{name: name, args: args, def: def}
	switch name {
	case "is", "as", "ofType":
		if len(args) != 1 {
			return nil, fmt.Errorf("%s() takes a type name", name)
		}
		t, ok := typeArg(args[0])
		if !ok {
			return nil, fmt.Errorf("%s() needs a type name", name)
		}
		n.typ = t
	case "iif":
		if lit, ok := args[0].(*literalNode); ok {
			if _, isBool := lit.val.v.(bool); !isBool {
				return nil, fmt.Errorf("iif() needs a boolean criterion")
			}
		}
	case "matches", "matchesFull", "replaceMatches":
		if lit, ok := args[0].(*literalNode); ok {
			if p, isStr := lit.val.v.(string); isStr {
				re, err := compileRegex(p, name == "matchesFull")
				if err != nil {
					return nil, fmt.Errorf("%s(): %v", name, err)
				}
				n.re = re
			}
		}
	}
	return n, nil
}

func compileRegex(p string, full bool) (*regexp.Regexp, error) {
	if full {
		p = "^(?:" + p + ")$"
	}
	return regexp.Compile("(?s)" + p)
}

func typeArg(n node) (typeSpec, bool) {
	switch a := n.(type) {
	case *memberNode:
		return typeSpec{name: a.name}, true
	case *pathNode:
		l, ok1 := a.left.(*memberNode)
		r, ok2 := a.right.(*memberNode)
		if ok1 && ok2 {
			return typeSpec{ns: l.name, name: r.name}, true
		}
	}
	return typeSpec{}, false
}

// arg evaluates a non-lambda argument against $this of the calling scope.
func (n *funcNode) arg(c *evalCtx, s *scope, i int) ([]item, error) {
	return n.args[i].eval(c, s, s.this)
}

// each evaluates a lambda argument once per input item, with $this and $index.
func (n *funcNode) each(c *evalCtx, s *scope, in []item, arg int, f func(i int, res []item) (bool, error)) error {
	for i := range in {
		sc := scope{this: in[i : i+1], index: i, total: s.total}
		res, err := n.args[arg].eval(c, &sc, in[i:i+1])
		if err != nil {
			return err
		}
		stop, err := f(i, res)
		if err != nil || stop {
			return err
		}
	}
	return nil
}

func (n *funcNode) intArg(c *evalCtx, s *scope, i int) (int64, bool, error) {
	a, err := n.arg(c, s, i)
	if err != nil {
		return 0, false, err
	}
	return singletonInt(a)
}

func singletonInt(c []item) (int64, bool, error) {
	if len(c) == 0 {
		return 0, false, nil
	}
	if len(c) > 1 {
		return 0, false, errf("expected a single integer, got %d values", len(c))
	}
	if i, ok := sysVal(c[0]).(int64); ok {
		return i, true, nil
	}
	return 0, false, errf("expected an integer, got %s", describe(c[0]))
}

func (n *funcNode) stringArg(c *evalCtx, s *scope, i int) (string, bool, error) {
	a, err := n.arg(c, s, i)
	if err != nil {
		return "", false, err
	}
	return singletonString(a, n.name)
}

func singletonString(c []item, fn string) (string, bool, error) {
	if len(c) == 0 {
		return "", false, nil
	}
	if len(c) > 1 {
		return "", false, errf("%s() needs a single string, got %d values", fn, len(c))
	}
	if s, ok := c[0].v.(string); ok {
		return s, true, nil
	}
	if s, ok := sysVal(c[0]).(string); ok {
		return s, true, nil
	}
	return "", false, errf("%s() needs a string, got %s", fn, describe(c[0]))
}

func single(in []item, fn string) (item, bool, error) {
	if len(in) == 0 {
		return item{}, false, nil
	}
	if len(in) > 1 {
		return item{}, false, errf("%s() needs a single value, got %d", fn, len(in))
	}
	return in[0], true, nil
}

func one(v any) []item { return []item{{v: v}} }

// smallIntegers are shared results for small counts, which invariants compute
// on every element (ele-1). They are never modified: callers only read or
// append to results, and appending to a full slice copies it.
var smallIntegers = func() [][]item {
	out := make([][]item, 64)
	for i := range out {
		out[i] = []item{{v: int64(i)}}
	}
	return out
}()

func integer(n int64) []item {
	if n >= 0 && n < int64(len(smallIntegers)) {
		return smallIntegers[n][:1:1]
	}
	return one(n)
}

var functions = map[string]*funcDef{
	// existence
	"empty": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return boolItems(len(in) == 0), nil
	}},
	"exists": {0, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(n.args) == 0 {
			return boolItems(len(in) > 0), nil
		}
		found := false
		err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
			b, ok, err := singletonBool(r)
			found = ok && b
			return found, err
		})
		return boolItems(found), err
	}},
	"all": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		all := true
		err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
			b, ok, err := singletonBool(r)
			if !ok || !b {
				all = false
			}
			return !all, err
		})
		return boolItems(all), err
	}},
	"allTrue":  {0, 0, boolsAgg(func(b bool) bool { return !b }, true)},
	"anyTrue":  {0, 0, boolsAgg(func(b bool) bool { return b }, false)},
	"allFalse": {0, 0, boolsAgg(func(b bool) bool { return b }, true)},
	"anyFalse": {0, 0, boolsAgg(func(b bool) bool { return !b }, false)},
	"subsetOf": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		return boolItems(isSubset(in, other)), nil
	}},
	"supersetOf": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		return boolItems(isSubset(other, in)), nil
	}},
	"count": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return integer(int64(len(in))), nil
	}},
	"distinct": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return union(in, nil), nil
	}},
	"isDistinct": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return boolItems(len(union(in, nil)) == len(in)), nil
	}},
	// filtering and projection
	"where": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var out []item
		err := n.each(c, s, in, 0, func(i int, r []item) (bool, error) {
			b, ok, err := singletonBool(r)
			if ok && b {
				out = append(out, in[i])
			}
			return false, err
		})
		return out, err
	}},
	"select": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var out []item
		err := n.each(c, s, in, 0, func(_ int, r []item) (bool, error) {
			out = append(out, r...)
			return false, nil
		})
		return out, err
	}},
	"repeat": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var out []item
		work := in
		for len(work) > 0 {
			var next []item
			err := n.each(c, s, work, 0, func(_ int, r []item) (bool, error) {
				for _, it := range r {
					if !containsItem(out, it) {
						out = append(out, it)
						next = append(next, it)
					}
				}
				// Each round can double the work: spend the budget per round.
				return false, c.spend(out)
			})
			if err != nil {
				return nil, err
			}
			work = next
		}
		return out, nil
	}},
	"ofType": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if err := c.checkType(n.typ); err != nil {
			return nil, err
		}
		var out []item
		for _, it := range in {
			if isType(it, n.typ, true) {
				out = append(out, it)
			}
		}
		return out, nil
	}},
	"is": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) { return c.typeTest("is", in, n.typ) }},
	// as() on a collection filters it like ofType(): R4 invariants rely on that
	// (dom-3: descendants().as(canonical)), although FHIRPath 2 makes it an error.
	"as": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if err := c.checkType(n.typ); err != nil {
			return nil, err
		}
		var out []item
		for _, it := range in {
			if isType(it, n.typ, true) || asSystemType(it, n.typ) {
				out = append(out, it)
			}
		}
		return out, nil
	}},
	// subsetting
	"single": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) > 1 {
			return nil, errf("single() found %d values", len(in))
		}
		return in, nil
	}},
	"first": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[:1], nil
	}},
	"last": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[len(in)-1:], nil
	}},
	"tail": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) < 2 {
			return nil, nil
		}
		return in[1:], nil
	}},
	"skip": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		k, ok, err := n.intArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		if k <= 0 {
			return in, nil
		}
		if int(k) >= len(in) {
			return nil, nil
		}
		return in[k:], nil
	}},
	"take": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		k, ok, err := n.intArg(c, s, 0)
		if err != nil || !ok || k <= 0 {
			return nil, err
		}
		if int(k) >= len(in) {
			return in, nil
		}
		return in[:k], nil
	}},
	"intersect": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		var out []item
		for _, it := range in {
			if containsItem(other, it) && !containsItem(out, it) {
				out = append(out, it)
			}
		}
		return out, nil
	}},
	"exclude": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		var out []item
		for _, it := range in {
			if !containsItem(other, it) {
				out = append(out, it)
			}
		}
		return out, nil
	}},
	"union": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		return union(in, other), nil
	}},
	"combine": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		other, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		out := make([]item, 0, len(in)+len(other))
		return append(append(out, in...), other...), nil
	}},
	"iif": {2, 3, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) > 1 {
			return nil, errf("iif() needs a single input, got %d", len(in))
		}
		sc := s
		if len(in) == 1 && !sameItems(in, s.this) {
			sc = &scope{this: in, total: s.total}
		}
		cond, err := n.args[0].eval(c, sc, sc.this)
		if err != nil {
			return nil, err
		}
		b, ok, err := singletonBool(cond)
		if err != nil {
			return nil, err
		}
		if ok && b {
			return n.args[1].eval(c, sc, sc.this)
		}
		if len(n.args) == 3 {
			return n.args[2].eval(c, sc, sc.this)
		}
		return nil, nil
	}},
	"not": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		b, ok, err := singletonBool(in)
		if err != nil || !ok {
			return nil, err
		}
		return boolItems(!b), nil
	}},
	// conversion
	"toBoolean":          {0, 0, convert(toBoolean, false)},
	"convertsToBoolean":  {0, 0, convert(toBoolean, true)},
	"toInteger":          {0, 0, convert(toInteger, false)},
	"convertsToInteger":  {0, 0, convert(toInteger, true)},
	"toDecimal":          {0, 0, convert(toDecimalValue, false)},
	"convertsToDecimal":  {0, 0, convert(toDecimalValue, true)},
	"toString":           {0, 0, convert(toStringValue, false)},
	"convertsToString":   {0, 0, convert(toStringValue, true)},
	"toDate":             {0, 0, convert(toDate, false)},
	"convertsToDate":     {0, 0, convert(toDate, true)},
	"toDateTime":         {0, 0, convert(toDateTime, false)},
	"convertsToDateTime": {0, 0, convert(toDateTime, true)},
	"toTime":             {0, 0, convert(toTime, false)},
	"convertsToTime":     {0, 0, convert(toTime, true)},
	"toQuantity":         {0, 1, quantityConversion(false)},
	"convertsToQuantity": {0, 1, quantityConversion(true)},
	// strings
	"indexOf": {1, 1, stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		sub, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		i := strings.Index(str, sub)
		if i > 0 {
			i = len([]rune(str[:i]))
		}
		return int64(i), nil
	})},
	"substring": {1, 2, stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		start, ok, err := n.intArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		r := []rune(str)
		if start < 0 || int(start) >= len(r) {
			return nil, nil
		}
		end := int64(len(r))
		if len(n.args) == 2 {
			l, ok, err := n.intArg(c, s, 1)
			if err != nil {
				return nil, err
			}
			if ok {
				if l < 0 {
					l = 0
				}
				end = min(end, start+l)
			}
		}
		return string(r[start:end]), nil
	})},
	"startsWith": {1, 1, stringPredicate(strings.HasPrefix)},
	"endsWith":   {1, 1, stringPredicate(strings.HasSuffix)},
	"contains":   {1, 1, stringPredicate(strings.Contains)},
	"upper": {0, 0, stringFunc(func(str string, _ *evalCtx, _ *scope, _ *funcNode) (any, error) {
		return strings.ToUpper(str), nil
	})},
	"lower": {0, 0, stringFunc(func(str string, _ *evalCtx, _ *scope, _ *funcNode) (any, error) {
		return strings.ToLower(str), nil
	})},
	"trim": {0, 0, stringFunc(func(str string, _ *evalCtx, _ *scope, _ *funcNode) (any, error) {
		return strings.TrimSpace(str), nil
	})},
	"length": {0, 0, stringFunc(func(str string, _ *evalCtx, _ *scope, _ *funcNode) (any, error) {
		return int64(len([]rune(str))), nil
	})},
	"toChars": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		str, ok, err := singletonString(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		var out []item
		for _, r := range str {
			out = append(out, item{v: string(r)})
		}
		return out, nil
	}},
	"replace": {2, 2, stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		pat, ok1, err := n.stringArg(c, s, 0)
		if err != nil {
			return nil, err
		}
		rep, ok2, err := n.stringArg(c, s, 1)
		if err != nil || !ok1 || !ok2 {
			return nil, err
		}
		return strings.ReplaceAll(str, pat, rep), nil
	})},
	"matches":     {1, 1, regexFunc(false)},
	"matchesFull": {1, 1, regexFunc(true)},
	"replaceMatches": {2, 2, stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		re, ok, err := n.regex(c, s, false)
		if err != nil || !ok {
			return nil, err
		}
		rep, ok, err := n.stringArg(c, s, 1)
		if err != nil || !ok {
			return nil, err
		}
		if re.String() == "(?s)" {
			return str, nil
		}
		return re.ReplaceAllString(str, javaReplacement(rep)), nil
	})},
	"split": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		str, ok, err := singletonString(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		sep, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		var out []item
		for _, p := range strings.Split(str, sep) {
			out = append(out, item{v: p})
		}
		return out, nil
	}},
	"join": {0, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		sep := ""
		if len(n.args) == 1 {
			v, _, err := n.stringArg(c, s, 0)
			if err != nil {
				return nil, err
			}
			sep = v
		}
		parts := make([]string, 0, len(in))
		for _, it := range in {
			str, ok := sysVal(it).(string)
			if !ok {
				return nil, errf("join() needs strings, got %s", describe(it))
			}
			parts = append(parts, str)
		}
		return one(strings.Join(parts, sep)), nil
	}},
	// math
	"abs":      {0, 0, mathFunc(math.Abs, true)},
	"ceiling":  {0, 0, mathFunc(math.Ceil, false)},
	"floor":    {0, 0, mathFunc(math.Floor, false)},
	"truncate": {0, 0, mathFunc(math.Trunc, false)},
	"exp":      {0, 0, decimalFunc(math.Exp)},
	"ln":       {0, 0, decimalFunc(math.Log)},
	"sqrt":     {0, 0, decimalFunc(math.Sqrt)},
	"log": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		x, ok, err := singleNumber(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		b, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		base, ok, err := singleNumber(b, n.name)
		if err != nil || !ok {
			return nil, err
		}
		return finite(math.Log(x) / math.Log(base)), nil
	}},
	"power": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		e, err := n.arg(c, s, 0)
		if err != nil {
			return nil, err
		}
		ex, ok, err := single(e, n.name)
		if err != nil || !ok {
			return nil, err
		}
		bi, bInt := sysVal(it).(int64)
		ei, eInt := sysVal(ex).(int64)
		if bInt && eInt && ei >= 0 {
			return one(int64(math.Pow(float64(bi), float64(ei)))), nil
		}
		x, ok1 := asFloat(sysVal(it))
		y, ok2 := asFloat(sysVal(ex))
		if !ok1 || !ok2 {
			return nil, errf("power() needs numbers")
		}
		return finite(math.Pow(x, y)), nil
	}},
	"round": {0, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		x, ok, err := singleNumber(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		var p int64
		if len(n.args) == 1 {
			if p, ok, err = n.intArg(c, s, 0); err != nil || !ok {
				return nil, err
			}
			if p < 0 {
				return nil, errf("round() needs a precision of 0 or more")
			}
		}
		return one(Decimal{V: roundTo(x, int(p)), Scale: int(p)}), nil
	}},
	// tree navigation
	"children": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var out []item
		for _, it := range in {
			out = c.allChildren(out, it)
		}
		return out, nil
	}},
	"descendants": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		// breadth first, using the result itself as the queue
		var out []item
		for _, it := range in {
			out = c.allChildren(out, it)
		}
		for i := 0; i < len(out); i++ {
			out = c.allChildren(out, out[i])
		}
		return out, nil
	}},
	// utility
	"trace": {1, 2, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		name, _, err := n.stringArg(c, s, 0)
		if err != nil {
			return nil, err
		}
		if c.env.Trace != nil {
			shown := in
			if len(n.args) == 2 {
				shown = nil
				err := n.each(c, s, in, 1, func(_ int, r []item) (bool, error) {
					shown = append(shown, r...)
					return false, nil
				})
				if err != nil {
					return nil, err
				}
			}
			vals := make([]any, len(shown))
			for i, it := range shown {
				vals[i] = it.v
			}
			c.env.Trace(name, vals)
		}
		return in, nil
	}},
	"now": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return one(fromTime(c.clock(), KindDateTime, PrecMillis)), nil
	}},
	"today": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		return one(fromTime(c.clock(), KindDate, PrecDay)), nil
	}},
	"timeOfDay": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		t := fromTime(c.clock(), KindTime, PrecMillis)
		t.Year, t.Month, t.Day, t.HasTZ = 0, 0, 0, false
		return one(t), nil
	}},
	"aggregate": {1, 2, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var total []item
		if len(n.args) == 2 {
			t, err := n.arg(c, s, 1)
			if err != nil {
				return nil, err
			}
			total = t
		}
		for i := range in {
			sc := scope{this: in[i : i+1], index: i, total: total}
			r, err := n.args[0].eval(c, &sc, in[i:i+1])
			if err != nil {
				return nil, err
			}
			total = r
		}
		return total, nil
	}},
	// FHIR additions
	"extension": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		url, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		var out []item
		for _, it := range in {
			for _, e := range c.children(nil, it, "extension") {
				if m, ok := e.v.(map[string]any); ok && m["url"] == url {
					out = append(out, e)
				}
			}
		}
		return out, nil
	}},
	"hasValue": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) != 1 || !in[0].fhir {
			return falseItems, nil
		}
		switch in[0].v.(type) {
		case nil, map[string]any, []any:
			return falseItems, nil
		}
		return trueItems, nil
	}},
	"getValue": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		if len(in) != 1 || !in[0].fhir {
			return nil, nil
		}
		switch in[0].v.(type) {
		case nil, map[string]any, []any:
			return nil, nil
		}
		return []item{{v: sysVal(in[0])}}, nil
	}},
	"resolve": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		var out []item
		for _, it := range in {
			ref := ""
			switch v := it.v.(type) {
			case string:
				ref = v
			case map[string]any:
				ref, _ = v["reference"].(string)
			}
			if ref == "" {
				continue
			}
			if res := c.resolve(ref); res != nil {
				rt, _ := res["resourceType"].(string)
				out = append(out, item{v: res, t: rt, p: rt, fhir: true})
			}
		}
		return out, nil
	}},
	"memberOf": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		vs, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		if c.env.MemberOf == nil {
			return nil, errf("memberOf(%q) needs terminology: no MemberOf hook in the environment", vs)
		}
		member, known, err := c.env.MemberOf(it.v, vs)
		if err != nil || !known {
			return nil, err
		}
		return boolItems(member), nil
	}},
	"conformsTo": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		profile, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		if c.env.ConformsTo == nil {
			return nil, errf("conformsTo(%q) needs profiles: no ConformsTo hook in the environment", profile)
		}
		b, err := c.env.ConformsTo(it.v, profile)
		if err != nil {
			return nil, err
		}
		return boolItems(b), nil
	}},
	// htmlChecks() is the rule of txt-1: the narrative uses only the
	// elements and attributes FHIR allows; htmlChecks2() the rule of txt-2:
	// it has some content. R4 writes both invariants as htmlChecks(); the
	// reference implementation splits them this way. A narrative that is
	// not well-formed XHTML passes neither.
	"htmlChecks":  {0, 0, htmlCheck(narrative.Result.NamesOK)},
	"htmlChecks2": {0, 0, htmlCheck(func(r narrative.Result) bool { return r.Content })},
}

// htmlCheck evaluates a narrative rule on a single xhtml string.
func htmlCheck(rule func(narrative.Result) bool) func(*evalCtx, *scope, []item, *funcNode) ([]item, error) {
	return func(_ *evalCtx, _ *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		div, ok := it.v.(string)
		if !ok {
			return nil, errf("%s() needs the XHTML of a narrative (a string), got %T", n.name, it.v)
		}
		r := narrative.Check(div)
		return boolItems(r.WellFormed && rule(r)), nil
	}
}

func sameItems(a, b []item) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (c *evalCtx) clock() time.Time {
	if !c.now.IsZero() {
		return c.now
	}
	c.now = time.Now()
	return c.now
}

// resolve finds the resource a reference points to: a contained resource, a
// Bundle entry of the root resource, or whatever the Resolve hook returns.
func (c *evalCtx) resolve(ref string) map[string]any {
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		for _, holder := range []item{c.resource, c.root} {
			m, _ := holder.v.(map[string]any)
			contained, _ := m["contained"].([]any)
			for _, x := range contained {
				if r, ok := x.(map[string]any); ok && r["id"] == id {
					return r
				}
			}
		}
		return nil
	}
	if root, ok := c.root.v.(map[string]any); ok && root["resourceType"] == "Bundle" {
		entries, _ := root["entry"].([]any)
		for _, e := range entries {
			entry, _ := e.(map[string]any)
			res, _ := entry["resource"].(map[string]any)
			if res == nil {
				continue
			}
			if full, _ := entry["fullUrl"].(string); full == ref {
				return res
			}
			rt, _ := res["resourceType"].(string)
			id, _ := res["id"].(string)
			if rt != "" && id != "" && (ref == rt+"/"+id || strings.HasSuffix(ref, "/"+rt+"/"+id)) {
				return res
			}
		}
	}
	if c.env.Resolve != nil {
		return c.env.Resolve(ref)
	}
	return nil
}

// allChildren appends every child element of it, in a stable order.
func (c *evalCtx) allChildren(out []item, it item) []item {
	m, ok := it.v.(map[string]any)
	if !ok {
		if it.ext != nil {
			return c.allChildren(out, item{v: it.ext, t: "Element", p: "Element", fhir: true, loc: it.loc})
		}
		return out
	}
	var buf [32]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if cap(out)-len(out) < len(keys) {
		out = slices.Grow(out, len(keys))
	}
	for _, k := range keys {
		if k == "resourceType" {
			continue
		}
		if k[0] == '_' {
			if _, has := m[k[1:]]; has {
				continue
			}
			k = k[1:]
		}
		out = c.childrenByKey(out, it, m, k)
	}
	return out
}

// childrenByKey is children() for one JSON name, which for a choice element
// carries the type suffix.
func (c *evalCtx) childrenByKey(out []item, it item, m map[string]any, k string) []item {
	if c.model != nil && it.p != "" {
		if typ, path, choice, known := c.model.Child(it.p, k); known && !choice {
			if typ == "" {
				typ, path = guessType(m[k])
			}
			return appendValues(out, m[k], m["_"+k], typ, path, c.locate(it, k))
		}
		for i := len(k) - 1; i > 0; i-- {
			if k[i] >= 'A' && k[i] <= 'Z' {
				if t, ok := choiceType(k[i:]); ok {
					if _, _, choice, known := c.model.Child(it.p, k[:i]); known && choice {
						return appendValues(out, m[k], m["_"+k], t, t, c.locate(it, k))
					}
				}
			}
		}
	}
	typ, path := guessType(m[k])
	return appendValues(out, m[k], m["_"+k], typ, path, c.locate(it, k))
}

func boolsAgg(stopOn func(bool) bool, ifNone bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		for _, it := range in {
			b, ok := it.v.(bool)
			if !ok {
				return nil, errf("%s() needs booleans, got %s", n.name, describe(it))
			}
			if stopOn(b) {
				return boolItems(!ifNone), nil
			}
		}
		return boolItems(ifNone), nil
	}
}

func stringFunc(f func(str string, c *evalCtx, s *scope, n *funcNode) (any, error)) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		str, ok, err := singletonString(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		v, err := f(str, c, s, n)
		if err != nil || v == nil {
			return nil, err
		}
		return one(v), nil
	}
}

func stringPredicate(f func(a, b string) bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		sub, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		return f(str, sub), nil
	})
}

func (n *funcNode) regex(c *evalCtx, s *scope, full bool) (*regexp.Regexp, bool, error) {
	if n.re != nil {
		return n.re, true, nil
	}
	p, ok, err := n.stringArg(c, s, 0)
	if err != nil || !ok {
		return nil, false, err
	}
	re, err := compileRegex(p, full)
	if err != nil {
		return nil, false, errf("%s(): %v", n.name, err)
	}
	return re, true, nil
}

func regexFunc(full bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		re, ok, err := n.regex(c, s, full)
		if err != nil || !ok {
			return nil, err
		}
		return re.MatchString(str), nil
	})
}

// javaReplacement turns Java's $1 group references into Go's ${1}.
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if r[i] == '$' && i+1 < len(r) && isDigit(r[i+1]) {
			j := i + 1
			for j < len(r) && isDigit(r[j]) {
				j++
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
			continue
		}
		b.WriteByte(r[i])
	}
	return b.String()
}

func singleNumber(in []item, fn string) (float64, bool, error) {
	it, ok, err := single(in, fn)
	if err != nil || !ok {
		return 0, false, err
	}
	f, ok := asFloat(sysVal(it))
	if !ok {
		return 0, false, errf("%s() needs a number, got %s", fn, describe(it))
	}
	return f, true, nil
}

func finite(f float64) []item {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return one(Decimal{V: f})
}

func mathFunc(f func(float64) float64, keepType bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		switch v := sysVal(it).(type) {
		case int64:
			return one(int64(f(float64(v)))), nil
		case Decimal:
			if keepType {
				return one(Decimal{V: f(v.V), Scale: v.Scale}), nil
			}
			return one(int64(f(v.V))), nil
		case Quantity:
			if keepType {
				return one(Quantity{Value: Decimal{V: f(v.Value.V), Scale: v.Value.Scale}, Unit: v.Unit}), nil
			}
		}
		return nil, errf("%s() needs a number, got %s", n.name, describe(it))
	}
}

func decimalFunc(f func(float64) float64) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		x, ok, err := singleNumber(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		return finite(f(x)), nil
	}
}

// convert wraps a conversion: toX returns the converted value or empty;
// convertsToX reports whether the conversion succeeds.
func convert(f func(v any, it item) (any, bool), test bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		v, ok := f(sysVal(it), it)
		if test {
			return boolItems(ok), nil
		}
		if !ok {
			return nil, nil
		}
		return one(v), nil
	}
}

func toBoolean(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case int64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case Decimal:
		if x.V == 0 || x.V == 1 {
			return x.V == 1, true
		}
	case string:
		switch strings.ToLower(x) {
		case "true", "t", "yes", "y", "1", "1.0":
			return true, true
		case "false", "f", "no", "n", "0", "0.0":
			return false, true
		}
	}
	return nil, false
}

func toInteger(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return int64(1), true
		}
		return int64(0), true
	case string:
		t := strings.TrimPrefix(strings.TrimPrefix(x, "+"), "-")
		if t == "" {
			return nil, false
		}
		for _, c := range []byte(t) {
			if !isDigit(c) {
				return nil, false
			}
		}
		i, err := strconv.ParseInt(x, 10, 64)
		return i, err == nil
	}
	return nil, false
}

func toDecimalValue(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case int64:
		return Decimal{V: float64(x)}, true
	case Decimal:
		return x, true
	case bool:
		if x {
			return Decimal{V: 1, Scale: 1}, true
		}
		return Decimal{V: 0, Scale: 1}, true
	case string:
		if !isDecimalText(x) {
			return nil, false
		}
		d, err := parseDecimal(x)
		return d, err == nil
	}
	return nil, false
}

func isDecimalText(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+"), "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return false
	}
	for _, c := range []byte(intPart + frac) {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func toStringValue(v any, it item) (any, bool) {
	if s, ok := it.v.(string); ok && it.fhir {
		return s, true
	}
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case Decimal:
		return x.String(), true
	case Temporal:
		return x.String(), true
	case Quantity:
		return x.String(), true
	}
	return nil, false
}

func toDate(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case Temporal:
		if x.Kind == KindTime {
			return nil, false
		}
		d := x
		d.Kind, d.HasTZ, d.text = KindDate, false, ""
		d.Hour, d.Minute, d.Second, d.Millisecond = 0, 0, 0, 0
		d.Prec = min(d.Prec, PrecDay)
		return d, true
	case string:
		t, ok := parseDateTime(x, false)
		if !ok {
			return nil, false
		}
		return toDate(t, item{})
	}
	return nil, false
}

func toDateTime(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case Temporal:
		if x.Kind == KindTime {
			return nil, false
		}
		x.Kind, x.text = KindDateTime, ""
		return x, true
	case string:
		t, ok := parseDateTime(x, false)
		if !ok {
			return nil, false
		}
		t.Kind = KindDateTime
		return t, true
	}
	return nil, false
}

func toTime(v any, _ item) (any, bool) {
	switch x := v.(type) {
	case Temporal:
		if x.Kind == KindTime {
			return x, true
		}
	case string:
		t, ok := parseTime(strings.TrimPrefix(x, "T"))
		return t, ok
	}
	return nil, false
}

func quantityConversion(test bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		it, ok, err := single(in, n.name)
		if err != nil || !ok {
			return nil, err
		}
		q, ok := toQuantity(sysVal(it))
		if ok && len(n.args) == 1 {
			unit, has, err := n.stringArg(c, s, 0)
			if err != nil {
				return nil, err
			}
			if has {
				q, ok = convertQuantity(q, unit)
			}
		}
		if test {
			return boolItems(ok), nil
		}
		if !ok {
			return nil, nil
		}
		return one(q), nil
	}
}

func toQuantity(v any) (Quantity, bool) {
	switch x := v.(type) {
	case Quantity:
		return x, true
	case int64, Decimal:
		return Quantity{Value: toDecimal(x), Unit: "1"}, true
	case bool:
		if x {
			return Quantity{Value: Decimal{V: 1, Scale: 1}, Unit: "1"}, true
		}
		return Quantity{Value: Decimal{V: 0, Scale: 1}, Unit: "1"}, true
	case string:
		num, unit, _ := strings.Cut(strings.TrimSpace(x), " ")
		if !isDecimalText(num) {
			return Quantity{}, false
		}
		d, err := parseDecimal(num)
		if err != nil {
			return Quantity{}, false
		}
		unit = strings.TrimSpace(unit)
		switch {
		case unit == "":
			unit = "1"
		case len(unit) >= 2 && unit[0] == '\'' && unit[len(unit)-1] == '\'':
			unit = unit[1 : len(unit)-1]
		default:
			cu, ok := calendarUnits[unit]
			if !ok {
				return Quantity{}, false
			}
			unit = cu
		}
		return Quantity{Value: d, Unit: unit}, true
	}
	return Quantity{}, false
}

// isSubset reports whether every item of a is in b.
func isSubset(a, b []item) bool {
	for _, it := range a {
		if !containsItem(b, it) {
			return false
		}
	}
	return true
}
