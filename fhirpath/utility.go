package fhirpath

import (
	"math"
	"time"
)

// The utility functions of FHIRPath section 5.9, with precision(),
// lowBoundary() and highBoundary(), which FHIRPath 3.0 adds (trial use).

func fnTrace(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
}

func fnNow(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return one(fromTime(c.clock(), KindDateTime, PrecMillis)), nil
}

func fnTimeOfDay(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	t := fromTime(c.clock(), KindTime, PrecMillis)
	t.Year, t.Month, t.Day, t.HasTZ = 0, 0, 0, false
	return one(t), nil
}

func fnToday(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return one(fromTime(c.clock(), KindDate, PrecDay)), nil
}

func (c *evalCtx) clock() time.Time {
	if !c.now.IsZero() {
		return c.now
	}
	c.now = time.Now()
	return c.now
}

func fnPrecision(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	switch v := sysVal(it).(type) {
	case Decimal:
		return one(int64(max(v.Scale, 0))), nil
	case int64:
		return one(int64(0)), nil
	case Temporal:
		return one(int64(temporalDigits(v.Kind, v.Prec))), nil
	}
	return nil, errf("precision() needs a number or a date/time, got %s", describe(it))
}

// temporalDigits is the precision of a date/time in digits, as FHIRPath counts
// them (2014-01-05T10:30 has 12).
func temporalDigits(kind, prec int) int {
	if kind == KindTime {
		return map[int]int{PrecHour: 2, PrecMinute: 4, PrecSecond: 6, PrecMillis: 9}[prec]
	}
	return map[int]int{PrecYear: 4, PrecMonth: 6, PrecDay: 8, PrecHour: 10, PrecMinute: 12, PrecSecond: 14, PrecMillis: 17}[prec]
}

func precisionFromDigits(kind, digits int) (int, bool) {
	table := map[int]int{4: PrecYear, 6: PrecMonth, 8: PrecDay, 10: PrecHour, 12: PrecMinute, 14: PrecSecond, 17: PrecMillis}
	if kind == KindTime {
		table = map[int]int{2: PrecHour, 4: PrecMinute, 6: PrecSecond, 9: PrecMillis}
	}
	p, ok := table[digits]
	if kind == KindDate && p > PrecDay {
		return 0, false
	}
	return p, ok
}

func fnLowBoundary(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boundary(c, s, in, n, false)
}

func fnHighBoundary(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return boundary(c, s, in, n, true)
}

// boundary is lowBoundary() and highBoundary(): the least or greatest value
// an imprecise decimal, quantity or date/time could stand for.
func boundary(c *evalCtx, s *scope, in []item, n *funcNode, high bool) ([]item, error) {
	it, ok, err := single(in, n.name)
	if err != nil || !ok {
		return nil, err
	}
	var p int64 = -1
	if len(n.args) == 1 {
		if p, ok, err = n.intArg(c, s, 0); err != nil || !ok {
			return nil, err
		}
		if p < 0 {
			return nil, nil
		}
	}
	switch v := sysVal(it).(type) {
	case int64:
		d, ok := decimalBoundary(Decimal{V: float64(v)}, p, high)
		if !ok {
			return nil, nil
		}
		return one(d), nil
	case Decimal:
		d, ok := decimalBoundary(v, p, high)
		if !ok {
			return nil, nil
		}
		return one(d), nil
	case Quantity:
		d, ok := decimalBoundary(v.Value, p, high)
		if !ok {
			return nil, nil
		}
		return one(Quantity{Value: d, Unit: v.Unit}), nil
	case Temporal:
		t, ok := temporalBoundary(v, p, high)
		if !ok {
			return nil, nil
		}
		return one(t), nil
	case string:
		if t, ok := parseDateTime(v, false); ok && it.fhir {
			t, ok := temporalBoundary(t, p, high)
			if ok {
				return one(t), nil
			}
		}
		return nil, nil
	}
	return nil, errf("%s() needs a number, quantity or date/time, got %s", n.name, describe(it))
}

func decimalBoundary(d Decimal, p int64, high bool) (Decimal, bool) {
	if p < 0 && p != -1 || p > 28 {
		return Decimal{}, false
	}
	if p == -1 {
		p = 8
	}
	if math.Abs(d.V) < math.Pow(10, -float64(p)) {
		// no significant digit at the precision asked: the boundary is zero
		// (keeping the sign of a negative low boundary, as the reference does)
		zero := 0.0
		if !high && d.V < 0 {
			zero = math.Copysign(0, -1)
		}
		return Decimal{V: zero, Scale: int(p)}, true
	}
	half := 0.5 * math.Pow(10, -float64(max(d.Scale, 0)))
	v := d.V - half
	if high {
		v = d.V + half
	}
	scale := math.Pow(10, float64(p))
	if high {
		v = math.Ceil(v*scale-1e-9) / scale
	} else {
		v = math.Floor(v*scale+1e-9) / scale
	}
	return Decimal{V: v, Scale: int(p)}, true
}

func temporalBoundary(t Temporal, p int64, high bool) (Temporal, bool) {
	digits := int(p)
	if p == -1 {
		digits = map[int]int{KindDate: 8, KindDateTime: 17, KindTime: 9}[t.Kind]
	}
	prec, ok := precisionFromDigits(t.Kind, digits)
	if !ok {
		return t, false
	}
	out := t
	out.text = ""
	for q := t.Prec + 1; q <= prec; q++ {
		switch q {
		case PrecMonth:
			out.Month = pick(high, 12, 1)
		case PrecDay:
			out.Day = pick(high, daysIn(out.Year, out.Month), 1)
		case PrecHour:
			out.Hour = pick(high, 23, 0)
		case PrecMinute:
			out.Minute = pick(high, 59, 0)
		case PrecSecond:
			out.Second = pick(high, 59, 0)
		case PrecMillis:
			out.Millisecond = pick(high, 999, 0)
		}
	}
	out.Prec = prec
	if out.Kind == KindDateTime && prec > PrecDay && !out.HasTZ {
		out.HasTZ = true
		out.TZMinutes = pick(high, -12*60, 14*60)
	}
	return out, true
}

func pick(high bool, hi, lo int) int {
	if high {
		return hi
	}
	return lo
}
