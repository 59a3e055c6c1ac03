package fhirpath

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

var quantityTypes = map[string]bool{
	"Quantity": true, "Age": true, "Count": true, "Distance": true, "Duration": true,
	"SimpleQuantity": true, "MoneyQuantity": true,
}

var integerTypes = map[string]bool{"integer": true, "positiveInt": true, "unsignedInt": true}

// sysVal returns the System value of an item: FHIR primitives become bool,
// int64, Decimal, string or Temporal by their type; FHIR Quantities become
// Quantity. Other complex values stay maps.
func sysVal(it item) any {
	if !it.fhir {
		return it.v
	}
	switch v := it.v.(type) {
	case string:
		switch it.t {
		case "date", "dateTime", "instant":
			if t, ok := parseDateTime(v, false); ok {
				t.text = v
				if it.t != "date" {
					t.Kind = KindDateTime
				}
				return t
			}
		case "time":
			if t, ok := parseTime(v); ok {
				t.text = v
				return t
			}
		}
		return v
	case json.Number:
		if n, ok := fromNumber(v, integerTypes[it.t]); ok {
			return n
		}
		return string(v)
	case map[string]any:
		if quantityTypes[it.t] || (it.t == "" && isQuantityMap(v)) {
			if q, ok := quantityOf(v); ok {
				return q
			}
		}
		return v
	}
	return it.v
}

func isQuantityMap(m map[string]any) bool {
	_, hasValue := m["value"].(json.Number)
	_, hasCode := m["code"]
	_, hasUnit := m["unit"]
	return hasValue && (hasCode || hasUnit)
}

func quantityOf(m map[string]any) (Quantity, bool) {
	n, ok := m["value"].(json.Number)
	if !ok {
		return Quantity{}, false
	}
	d, err := parseDecimal(string(n))
	if err != nil {
		return Quantity{}, false
	}
	unit, _ := m["code"].(string)
	if sys, _ := m["system"].(string); unit == "" || (sys != "" && sys != "http://unitsofmeasure.org") {
		if u, ok := m["unit"].(string); ok {
			unit = u
		}
	}
	if unit == "" {
		unit = "1"
	}
	return Quantity{Value: d, Unit: unit}, true
}

// systemType names the System type of a computed value.
func systemType(v any) string {
	switch x := v.(type) {
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case Decimal:
		return "Decimal"
	case string:
		return "String"
	case Quantity:
		return "Quantity"
	case Temporal:
		switch x.Kind {
		case KindDate:
			return "Date"
		case KindTime:
			return "Time"
		}
		return "DateTime"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "Decimal"
		}
		return "Integer"
	}
	return ""
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case Decimal:
		return n.V, true
	}
	return 0, false
}

func floatEq(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// equal implements '=' for two items: ok=false means "unknown" (empty).
func equal(a, b item) (eq, ok bool) {
	x, y := sysVal(a), sysVal(b)
	return equalValues(x, y)
}

func equalValues(x, y any) (bool, bool) {
	switch xv := x.(type) {
	case string:
		switch yv := y.(type) {
		case string:
			return xv == yv, true
		case Temporal:
			if t, ok := parseLike(xv, yv); ok {
				return equalTemporal(t, yv)
			}
		}
		return false, true
	case bool:
		yv, ok := y.(bool)
		return ok && xv == yv, true
	case int64, Decimal:
		fx, _ := asFloat(xv)
		if fy, ok := asFloat(y); ok {
			return floatEq(fx, fy), true
		}
		if q, ok := y.(Quantity); ok && q.Unit == "1" {
			return floatEq(fx, q.Value.V), true
		}
		return false, true
	case Temporal:
		switch yv := y.(type) {
		case Temporal:
			return equalTemporal(xv, yv)
		case string:
			if t, ok := parseLike(yv, xv); ok {
				return equalTemporal(xv, t)
			}
		}
		return false, true
	case Quantity:
		switch yv := y.(type) {
		case Quantity:
			c, ok := compareQuantity(xv, yv)
			if !ok {
				if isCalendar(xv.Unit) || isCalendar(yv.Unit) {
					return false, false
				}
				return false, true
			}
			return c == 0, true
		case int64, Decimal:
			if xv.Unit == "1" {
				fy, _ := asFloat(yv)
				return floatEq(xv.Value.V, fy), true
			}
		}
		return false, true
	case map[string]any:
		yv, ok := y.(map[string]any)
		return ok && deepEqual(xv, yv, false), true
	case nil:
		return y == nil, true
	}
	return false, true
}

func equalTemporal(a, b Temporal) (bool, bool) {
	if a.Kind != b.Kind && (a.Kind == KindTime || b.Kind == KindTime) {
		return false, true
	}
	c, ok := compareTemporal(a, b)
	if !ok {
		return false, false
	}
	return c == 0, true
}

// parseLike parses a string as the same kind of temporal as like.
func parseLike(s string, like Temporal) (Temporal, bool) {
	if like.Kind == KindTime {
		return parseTime(s)
	}
	return parseDateTime(s, false)
}

// equivalent implements '~'.
func equivalent(a, b item) bool {
	x, y := sysVal(a), sysVal(b)
	return equivValues(x, y)
}

func equivValues(x, y any) bool {
	switch xv := x.(type) {
	case string:
		if yv, ok := y.(string); ok {
			return normalizeSpace(xv) == normalizeSpace(yv)
		}
		if yv, ok := y.(Temporal); ok {
			if t, ok := parseLike(xv, yv); ok {
				return equivValues(t, yv)
			}
		}
		return false
	case int64, Decimal:
		fx, _ := asFloat(xv)
		fy, ok := asFloat(y)
		if !ok {
			if q, isQ := y.(Quantity); isQ && q.Unit == "1" {
				fy, ok = q.Value.V, true
			}
		}
		if !ok {
			return false
		}
		p := equivPrecision(scaleOf(xv), scaleOf(y))
		return floatEq(roundTo(fx, p), roundTo(fy, p))
	case Temporal:
		yv, ok := y.(Temporal)
		if !ok {
			if s, isStr := y.(string); isStr {
				yv, ok = parseLike(s, xv)
			}
		}
		if !ok {
			return false
		}
		pa, pb := xv.Prec, yv.Prec
		if pa == PrecMillis {
			pa = PrecSecond
		}
		if pb == PrecMillis {
			pb = PrecSecond
		}
		if pa != pb {
			return false
		}
		c, ok := compareTemporal(xv, yv)
		return ok && c == 0
	case Quantity:
		if yv, ok := y.(Quantity); ok {
			conv, ok := convertQuantity(yv, xv.Unit)
			if !ok {
				return false
			}
			p := equivPrecision(xv.Value.Scale, yv.Value.Scale)
			return floatEq(roundTo(xv.Value.V, p), roundTo(conv.Value.V, p))
		}
		return false
	case map[string]any:
		yv, ok := y.(map[string]any)
		return ok && deepEqual(xv, yv, true)
	case bool:
		yv, ok := y.(bool)
		return ok && xv == yv
	}
	eq, _ := equalValues(x, y)
	return eq
}

// equivPrecision is the number of decimals '~' compares at: the lesser
// precision, ignoring computed values whose precision is unknown (-1).
func equivPrecision(a, b int) int {
	switch {
	case a < 0 && b < 0:
		return 8
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

func scaleOf(v any) int {
	if d, ok := v.(Decimal); ok {
		return d.Scale
	}
	return 0
}

func roundTo(f float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(f*p) / p
}

func normalizeSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// deepEqual compares complex values element by element (ids of the values
// themselves are part of them, as in the Java reference).
func deepEqual(a, b map[string]any, equiv bool) bool {
	count := func(m map[string]any) int {
		n := 0
		for k := range m {
			if k != "id" || !equiv {
				n++
			}
		}
		return n
	}
	if count(a) != count(b) {
		return false
	}
	for k, va := range a {
		if equiv && k == "id" {
			continue
		}
		vb, ok := b[k]
		if !ok || !deepEqualValue(va, vb, equiv) {
			return false
		}
	}
	return true
}

func deepEqualValue(a, b any, equiv bool) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		return ok && deepEqual(av, bv, equiv)
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !deepEqualValue(av[i], bv[i], equiv) {
				return false
			}
		}
		return true
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return false
		}
		fa, _ := strconv.ParseFloat(string(av), 64)
		fb, _ := strconv.ParseFloat(string(bv), 64)
		return fa == fb
	case string:
		bv, ok := b.(string)
		if equiv {
			return ok && normalizeSpace(av) == normalizeSpace(bv)
		}
		return ok && av == bv
	}
	return a == b
}

// order implements <, >, <=, >=: -1, 0, 1; ok=false for "unknown".
func order(a, b item) (int, bool, error) {
	x, y := sysVal(a), sysVal(b)
	switch xv := x.(type) {
	case string:
		switch yv := y.(type) {
		case string:
			if a.fhir && b.fhir && a.t == "" && b.t == "" {
				// untyped elements (no model, or an input without type):
				// two date/times still compare as date/times
				if ta, ok := parseDateTime(xv, false); ok {
					if tb, ok := parseDateTime(yv, false); ok {
						c, ok := compareTemporal(ta, tb)
						return c, ok, nil
					}
				}
			}
			return strings.Compare(xv, yv), true, nil
		case Temporal:
			if t, ok := parseLike(xv, yv); ok {
				c, ok := compareTemporal(t, yv)
				return c, ok, nil
			}
		}
	case int64, Decimal:
		fx, _ := asFloat(xv)
		if fy, ok := asFloat(y); ok {
			switch {
			case floatEq(fx, fy):
				return 0, true, nil
			case fx < fy:
				return -1, true, nil
			}
			return 1, true, nil
		}
	case Temporal:
		switch yv := y.(type) {
		case Temporal:
			if (xv.Kind == KindTime) != (yv.Kind == KindTime) {
				break
			}
			c, ok := compareTemporal(xv, yv)
			return c, ok, nil
		case string:
			if t, ok := parseLike(yv, xv); ok {
				c, ok := compareTemporal(xv, t)
				return c, ok, nil
			}
		}
	case Quantity:
		if yv, ok := y.(Quantity); ok {
			c, ok := compareQuantity(xv, yv)
			if !ok {
				return 0, false, nil
			}
			return c, true, nil
		}
	}
	return 0, false, errf("cannot compare %s with %s", describe(a), describe(b))
}

func describe(it item) string {
	if it.fhir && it.t != "" {
		return it.t
	}
	if t := systemType(sysVal(it)); t != "" {
		return t
	}
	return "a complex value"
}
