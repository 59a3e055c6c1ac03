package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/terminology/ucum"
)

// bounds checks a value against its element's minValue[x] and maxValue[x],
// both inclusive (ElementDefinition.minValue[x], for the types R4 allows
// them on): integers and decimals exactly; dates, dateTimes and instants as
// the moment each starts, so precisions and time zones compare; times of
// day; a Quantity in the bound's unit, UCUM units converted; and a date
// against a Duration, relative to now. A bound carecert cannot apply to the
// value (units of other kinds, a Duration in no unit of time) is a warning
// saying so: the value is not shown to break it, and the profile's bound
// is not the supplier's failure.
func (w *walker) bounds(v any, k *node, path string) {
	if v == nil {
		return
	}
	if k.minValue != nil {
		w.bound(v, k.minValue, k.minType, true, path)
	}
	if k.maxValue != nil {
		w.bound(v, k.maxValue, k.maxType, false, path)
	}
}

func (w *walker) bound(v, limit any, limitType string, isMin bool, path string) {
	which := "maximum"
	if isMin {
		which = "minimum"
	}
	if limitType == "Duration" {
		w.durationBound(v, limit, isMin, path)
		return
	}
	shown, value := compact(limit), compact(v)
	var c int
	if q, isQuantity := v.(map[string]any); isQuantity {
		l, _ := limit.(map[string]any)
		if q["value"] == nil || l == nil || l["value"] == nil {
			return
		}
		var problem string
		if c, problem = compareQuantities(q, l); problem != "" {
			w.add(model.Warning, CodeFixed, path, fmt.Sprintf("the %s %s (%sValue of the profile) was not applied to %s: %s", which, describeQuantity(l), which[:3], describeQuantity(q), problem), "")
			return
		}
		shown, value = describeQuantity(l), describeQuantity(q)
	} else {
		var ok bool
		if c, ok = compareValues(v, limit); !ok {
			return
		}
	}
	if isMin && c < 0 {
		w.add(model.Error, CodeFixed, path, fmt.Sprintf("value %s is less than the minimum %s", value, shown), "")
	}
	if !isMin && c > 0 {
		w.add(model.Error, CodeFixed, path, fmt.Sprintf("value %s is more than the maximum %s", value, shown), "")
	}
}

// compareQuantities compares two Quantities: by value when they give the
// same unit (system and code), converted when both are UCUM units of one
// kind. Otherwise problem says why they do not compare.
func compareQuantities(q, limit map[string]any) (c int, problem string) {
	qs, _ := q["system"].(string)
	qc, _ := q["code"].(string)
	ls, _ := limit["system"].(string)
	lc, _ := limit["code"].(string)
	switch {
	case qs == "" || qc == "" || ls == "" || lc == "":
		return 0, "a unit given only as text (no system and code) cannot be compared"
	case qs == ls && qc == lc:
		c, ok := compareValues(q["value"], limit["value"])
		if !ok {
			return 0, "the values are not numbers"
		}
		return c, ""
	case qs == ucumSystem && ls == ucumSystem:
		qv, ok1 := model.Number(q["value"])
		lv, ok2 := model.Number(limit["value"])
		if !ok1 || !ok2 {
			return 0, "the values are not numbers"
		}
		conv, err := ucum.Convert(qv, qc, lc)
		if err != nil {
			return 0, fmt.Sprintf("%s and %s are not units of the same kind", qc, lc)
		}
		// A conversion leaves rounding noise: equal to a part in 10^9 is equal.
		if math.Abs(conv-lv) > 1e-9*math.Max(math.Abs(conv), math.Abs(lv)) {
			return compareFloat(conv, lv), ""
		}
		return 0, ""
	}
	return 0, "the units are of different systems"
}

// compareValues orders two values of comparable FHIR types: numbers exactly
// (as decimals, whatever their precision), times of day, and dates, dateTimes
// and instants by the moment each starts (a date without a time zone read as
// UTC). ok is false when they do not compare.
func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return 0, false
		}
		rx, ok1 := new(big.Rat).SetString(string(x))
		ry, ok2 := new(big.Rat).SetString(string(y))
		if !ok1 || !ok2 {
			return 0, false
		}
		return rx.Cmp(ry), true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		tx, e1 := time.Parse("15:04:05", x)
		ty, e2 := time.Parse("15:04:05", y)
		if e1 == nil && e2 == nil {
			return tx.Compare(ty), true
		}
		mx, ok1 := parseInstantPrefix(x)
		my, ok2 := parseInstantPrefix(y)
		if ok1 && ok2 {
			return mx.Compare(my), true
		}
	}
	return 0, false
}
