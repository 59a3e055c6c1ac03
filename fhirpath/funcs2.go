package fhirpath

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"math"
	"sort"
	"strings"
)

// moreFunctions are the FHIRPath 2 additions the official R4 test suite also
// exercises: boundaries and precision, type(), sort(), encodings.
var moreFunctions = map[string]*funcDef{
	"lowBoundary":  {0, 1, boundary(false)},
	"highBoundary": {0, 1, boundary(true)},
	"precision": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
	}},
	"comparable": {1, 1, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
	}},
	"type": {0, 0, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		out := make([]item, 0, len(in))
		for _, it := range in {
			ns, name := "System", systemType(sysVal(it))
			if it.fhir && it.t != "" {
				ns, name = "FHIR", it.t
			}
			out = append(out, item{v: map[string]any{"namespace": ns, "name": name}})
		}
		return out, nil
	}},
	"sort": {0, 8, func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
		type keyed struct {
			it   item
			keys [][]item
		}
		rows := make([]keyed, len(in))
		for i, it := range in {
			rows[i].it = it
			for _, k := range n.args {
				if neg, ok := k.(*negateNode); ok {
					k = neg.operand
				}
				sc := scope{this: in[i : i+1], index: i, total: s.total}
				v, err := k.eval(c, &sc, in[i:i+1])
				if err != nil {
					return nil, err
				}
				rows[i].keys = append(rows[i].keys, v)
			}
			if len(n.args) == 0 {
				rows[i].keys = [][]item{{it}}
			}
		}
		var failed error
		sort.SliceStable(rows, func(a, b int) bool {
			for k := range rows[a].keys {
				x, y := rows[a].keys[k], rows[b].keys[k]
				desc := k < len(n.args) && isNegate(n.args[k])
				if len(x) == 0 || len(y) == 0 {
					if len(x) != len(y) {
						return len(x) == 0 // empty keys first, either direction
					}
					continue
				}
				cmp, ok, err := order(x[0], y[0])
				if err != nil {
					failed = err
					return false
				}
				if !ok || cmp == 0 {
					continue
				}
				return (cmp < 0) != desc
			}
			return false
		})
		if failed != nil {
			return nil, failed
		}
		out := make([]item, len(rows))
		for i, r := range rows {
			out[i] = r.it
		}
		return out, nil
	}},
	"encode": {1, 1, codec(func(s, format string) (string, bool) {
		switch format {
		case "base64":
			return base64.StdEncoding.EncodeToString([]byte(s)), true
		case "urlbase64":
			return base64.URLEncoding.EncodeToString([]byte(s)), true
		case "hex":
			return hex.EncodeToString([]byte(s)), true
		}
		return "", false
	})},
	"decode": {1, 1, codec(func(s, format string) (string, bool) {
		var b []byte
		var err error
		switch format {
		case "base64":
			b, err = base64.StdEncoding.DecodeString(s)
		case "urlbase64":
			b, err = base64.URLEncoding.DecodeString(s)
		case "hex":
			b, err = hex.DecodeString(s)
		default:
			return "", false
		}
		return string(b), err == nil
	})},
	"escape": {1, 1, codec(func(s, format string) (string, bool) {
		switch format {
		case "html":
			return htmlEscaper.Replace(s), true
		case "json":
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(s)
			out := strings.TrimSpace(b.String())
			return out[1 : len(out)-1], true
		}
		return "", false
	})},
	"unescape": {1, 1, codec(func(s, format string) (string, bool) {
		switch format {
		case "html":
			return html.UnescapeString(s), true
		case "json":
			var out string
			// quotes need not be escaped in the input; escape them for the decoder
			quoted := `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\"`, `"`), `"`, `\"`) + `"`
			err := json.Unmarshal([]byte(quoted), &out)
			return out, err == nil
		}
		return "", false
	})},
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func isNegate(n node) bool {
	_, ok := n.(*negateNode)
	return ok
}

func codec(f func(s, format string) (string, bool)) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return stringFunc(func(str string, c *evalCtx, s *scope, n *funcNode) (any, error) {
		format, ok, err := n.stringArg(c, s, 0)
		if err != nil || !ok {
			return nil, err
		}
		out, ok := f(str, format)
		if !ok {
			return nil, nil
		}
		return out, nil
	})
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

// boundary implements lowBoundary() and highBoundary(): the least or greatest
// value an imprecise decimal, quantity or date/time could stand for.
func boundary(high bool) func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
	return func(c *evalCtx, s *scope, in []item, n *funcNode) ([]item, error) {
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
