package fhirpath

import "math"

// The math functions of FHIRPath section 5.7.

func fnAbs(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return mathFunc(in, n, math.Abs, true)
}

func fnCeiling(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return mathFunc(in, n, math.Ceil, false)
}

func fnExp(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return decimalFunc(in, n, math.Exp)
}

func fnFloor(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return mathFunc(in, n, math.Floor, false)
}

func fnLn(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return decimalFunc(in, n, math.Log)
}

func fnLog(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
}

func fnPower(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
}

func fnRound(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
}

func fnSqrt(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return decimalFunc(in, n, math.Sqrt)
}

func fnTruncate(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return mathFunc(in, n, math.Trunc, false)
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

// mathFunc applies f to a single number: an integer stays an integer, and a
// decimal or quantity keeps its type when keepType (abs) and is an integer
// otherwise (ceiling, floor, truncate).
func mathFunc(in []item, n *funcNode, f func(float64) float64, keepType bool) ([]item, error) {
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

// decimalFunc applies f to a single number, giving a decimal or, where f
// has no finite answer, empty.
func decimalFunc(in []item, n *funcNode, f func(float64) float64) ([]item, error) {
	x, ok, err := singleNumber(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	return finite(f(x)), nil
}
