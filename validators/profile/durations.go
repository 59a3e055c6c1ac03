package profile

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/carecert/carecert/model"
)

// durationBound checks a date, dateTime or instant against minValue or
// maxValue given as a Duration, which bounds it relative to the time of
// validation: the duration is subtracted from now for a minimum and added
// for a maximum (R5 ElementDefinition.minValue[x] and maxValue[x], as the
// reference validator reads R4 profiles too). maxValueDuration of 10 years
// is "no later than ten years from now"; minValueDuration of 100 years "no
// earlier than a hundred years ago". A Duration that cannot bound a moment
// (a comparator, a unit that is not one of time) is a warning that the
// bound was not applied.
func (w *walker) durationBound(v, limit any, isMin bool, path string) {
	s, ok := v.(string)
	if !ok {
		return
	}
	at, ok := parseInstantPrefix(s)
	if !ok {
		return // the format check reports it
	}
	q, _ := limit.(map[string]any)
	n, _ := q["value"].(json.Number)
	amount, err := n.Float64()
	if err != nil {
		return
	}
	unit, _ := q["code"].(string)
	if unit == "" {
		unit, _ = q["unit"].(string)
	}
	which, sign, dir := "maximum", 1.0, "after"
	if isMin {
		which, sign, dir = "minimum", -1, "before"
	}
	now := w.e.asOf
	if now.IsZero() {
		now = time.Now().UTC()
	}
	bound, ok := addDuration(now, sign*amount, unit)
	if comparator, _ := q["comparator"].(string); comparator != "" || !ok {
		why := fmt.Sprintf("%s %s is not a span of time (whole a, mo or wk; d, h, min or s)", n, unit)
		if comparator != "" {
			why = "a bound relative to now cannot have the comparator " + comparator
		}
		w.add(model.Warning, CodeFixed, path, fmt.Sprintf("the %s %s %s (%sValueDuration of the profile) was not applied: %s", which, n, unit, which[:3], why), "")
		return
	}
	if isMin && at.Before(bound) || !isMin && at.After(bound) {
		w.add(model.Error, CodeFixed, path, fmt.Sprintf("value %s is %s the %s: %s %s %s %s, that is %s", s, dir, which, n, unit, dir, now.Format("2006-01-02"), bound.Format("2006-01-02")), "")
	}
}

// addDuration adds an amount of a UCUM time unit (a, mo, wk, d, h, min, s) to t.
func addDuration(t time.Time, amount float64, unit string) (time.Time, bool) {
	whole := int(amount)
	if float64(whole) == amount {
		switch unit {
		case "a":
			return t.AddDate(whole, 0, 0), true
		case "mo":
			return t.AddDate(0, whole, 0), true
		case "wk":
			return t.AddDate(0, 0, 7*whole), true
		case "d":
			return t.AddDate(0, 0, whole), true
		}
	}
	var per time.Duration
	switch unit {
	case "d":
		per = 24 * time.Hour
	case "h":
		per = time.Hour
	case "min":
		per = time.Minute
	case "s":
		per = time.Second
	default:
		return t, false
	}
	return t.Add(time.Duration(amount * float64(per))), true
}

// parseInstantPrefix reads a FHIR date, dateTime or instant as the first
// moment it can mean ("2030" is 2030-01-01T00:00Z).
func parseInstantPrefix(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
