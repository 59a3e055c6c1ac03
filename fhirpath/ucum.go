package fhirpath

import (
	"github.com/carecert/carecert/terminology/ucum"
)

// Quantities compare and convert through the UCUM parser of the terminology
// package, so FHIRPath and the unit checks agree on what a unit means. FHIRPath's
// calendar duration words become their UCUM units here; whether a year or a
// month may be compared with 'a' or 'mo' is decided before (calendarMismatch).
var calendarUCUM = map[string]string{
	"year": "a", "month": "mo", "week": "wk", "day": "d",
	"hour": "h", "minute": "min", "second": "s", "millisecond": "ms",
}

type canon struct {
	v    float64
	dims string
}

func isCalendar(u string) bool {
	_, ok := calendarUnits[u]
	return ok
}

// canonical converts a quantity to base units.
func canonical(q Quantity) (canon, bool) {
	f, dims, ok := parseUnit(q.Unit)
	if !ok {
		return canon{}, false
	}
	return canon{v: q.Value.V * f, dims: dims}, true
}

// parseUnit reduces a unit to its factor and dimension in base units. Units
// that are not ratio scales (Cel, [degF]) convert by no factor: they compare
// only with the identical unit.
func parseUnit(u string) (float64, string, bool) {
	if u == "" {
		u = "1"
	}
	if c, ok := calendarUCUM[calendarUnits[u]]; ok {
		u = c
	}
	unit, err := ucum.Parse(u)
	if err != nil || unit.Special {
		return 0, "", false
	}
	return unit.Factor, unit.DimensionText(), true
}

// compareQuantity orders two quantities with convertible units. Calendar
// durations of a year or a month are not comparable with UCUM 'a' and 'mo'
// (their lengths vary), but weeks and below are.
func compareQuantity(a, b Quantity) (int, bool) {
	if a.Unit == b.Unit {
		return cmpFloat(a.Value.V, b.Value.V), true
	}
	if calendarMismatch(a.Unit, b.Unit) {
		return 0, false
	}
	ca, okA := canonical(a)
	cb, okB := canonical(b)
	if !okA || !okB || ca.dims != cb.dims {
		return 0, false
	}
	return cmpFloat(ca.v, cb.v), true
}

func calendarMismatch(a, b string) bool {
	big := func(u string) bool { return u == "year" || u == "month" || u == "a" || u == "mo" }
	return (isCalendar(a) != isCalendar(b)) && (big(a) || big(b))
}

func cmpFloat(a, b float64) int {
	switch {
	case floatEq(a, b):
		return 0
	case a < b:
		return -1
	}
	return 1
}

// convertQuantity expresses q in unit.
func convertQuantity(q Quantity, unit string) (Quantity, bool) {
	if q.Unit == unit {
		return q, true
	}
	c, ok := canonical(q)
	if !ok {
		return q, false
	}
	f, dims, ok := parseUnit(unit)
	if !ok || dims != c.dims {
		return q, false
	}
	return Quantity{Value: Decimal{V: c.v / f, Scale: q.Value.Scale}, Unit: unit}, true
}
