package fhirpath

import (
	"strconv"
	"strings"
)

// The conversion functions of FHIRPath section 5.5, and comparable(), which
// FHIRPath 3.0 adds (trial use) beside toQuantity(unit).

func fnIif(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
}

func sameItems(a, b []item) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func fnToBoolean(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toBoolean, false)
}

func fnConvertsToBoolean(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toBoolean, true)
}

func fnToInteger(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toInteger, false)
}

func fnConvertsToInteger(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toInteger, true)
}

func fnToDecimal(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDecimalValue, false)
}

func fnConvertsToDecimal(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDecimalValue, true)
}

func fnToString(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toStringValue, false)
}

func fnConvertsToString(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toStringValue, true)
}

func fnToDate(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDate, false)
}

func fnConvertsToDate(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDate, true)
}

func fnToDateTime(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDateTime, false)
}

func fnConvertsToDateTime(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toDateTime, true)
}

func fnToTime(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toTime, false)
}

func fnConvertsToTime(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return convert(in, n, toTime, true)
}

// convert is a conversion: toX() returns the converted value or empty;
// convertsToX() (test) reports whether the conversion succeeds.
func convert(in []item, n *funcNode, f func(v any, it item) (any, bool), test bool) ([]item, error) {
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

func fnToQuantity(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return quantityConversion(c, s, in, n, false)
}

func fnConvertsToQuantity(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return quantityConversion(c, s, in, n, true)
}

func quantityConversion(c *evalCtx, s *scope, in []item, n *funcNode, test bool) ([]item, error) {
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

func fnComparable(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	o, err := n.arg(c, s, 0)
	if err != nil {
		return nil, err
	}
	other, ok, err := single(o, n.name)
	if err != nil || !ok {
		return nil, err
	}
	a, okA := sysVal(it).(Quantity)
	b, okB := sysVal(other).(Quantity)
	if !okA || !okB {
		return nil, errf("comparable() needs quantities")
	}
	_, cmp := compareQuantity(a, b)
	return boolItems(cmp), nil
}
