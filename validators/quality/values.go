package quality

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/carecert/carecert/ukid"
)

// formats are the named value formats a suite can ask for.
var formats = map[string]func(string) bool{
	"nhs-number":  validNHSNumber,
	"uk-postcode": ukid.Postcode,
	"date":        func(s string) bool { _, _, ok := DayRange(s); return ok && len(s) <= 10 },
	"datetime":    func(s string) bool { _, _, ok := DayRange(s); return ok },
}

func formatNames() string {
	var n []string
	for k := range formats {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// validNHSNumber reports whether s is an NHS number under the built-in
// suites' rules (package ukid). A range the rules do not accept is a warning
// there, not invalidity, so it does not count against a value format rate.
func validNHSNumber(s string) bool {
	p, ok := ukid.DefaultNHSRules.Check(s)
	return ok || p.Warning
}

// DayRange returns the first and last day (days since 1970-01-01) a FHIR date
// or dateTime can mean: "2020" spans the year, "2020-05-07T10:00:00Z" one day.
// A dateTime counts by the date written, whatever its zone, because that is the
// day the source system recorded.
func DayRange(s string) (lo, hi int32, ok bool) {
	var y, m, d int
	switch {
	case len(s) == 4:
		if _, err := fmt.Sscanf(s, "%4d", &y); err != nil {
			return 0, 0, false
		}
		return day(y, 1, 1), day(y+1, 1, 1) - 1, y > 0
	case len(s) == 7 && s[4] == '-':
		if _, err := fmt.Sscanf(s, "%4d-%2d", &y, &m); err != nil || m < 1 || m > 12 {
			return 0, 0, false
		}
		return day(y, m, 1), day(y, m+1, 1) - 1, true
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		t, err := time.Parse("2006-01-02", s[:10])
		if err != nil {
			return 0, 0, false
		}
		if len(s) > 10 {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return 0, 0, false
			}
		}
		y, m, d = t.Year(), int(t.Month()), t.Day()
		return day(y, m, d), day(y, m, d), true
	}
	return 0, 0, false
}

func day(y, m, d int) int32 {
	return int32(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Instant parses a FHIR date, dateTime or instant to the earliest moment it can
// mean ("2020-05" is 2020-05-01T00:00Z).
func Instant(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "2006-01", "2006"} {
		if len(s) < len(layout) && layout != time.RFC3339Nano {
			continue
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateOf returns the date text of a selected value, in FHIR (ISO 8601) form:
// a date or dateTime string, the start of a Period, or an HL7 v2 timestamp
// rewritten.
func dateOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if iso, ok := fromV2Time(x); ok {
			return iso, true
		}
		return x, true
	case map[string]any:
		if s, ok := x["start"].(string); ok {
			return s, true
		}
		if s, ok := x["end"].(string); ok {
			return s, true
		}
	}
	return "", false
}

// fromV2Time rewrites an HL7 v2 timestamp (DTM: YYYY[MM[DD[HH[MM[SS[.S]]]]]]
// with an optional +/-ZZZZ zone) in FHIR form, keeping its precision; a time
// without a zone is taken as UTC. ok is false for anything else, including
// FHIR dates, which contain '-'.
func fromV2Time(s string) (string, bool) {
	digits, zone := s, ""
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		digits, zone = s[:i], s[i:]
		if len(zone) != 5 || !allDigits(zone[1:]) {
			return "", false
		}
		zone = zone[:3] + ":" + zone[3:]
	}
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		if !allDigits(digits[i+1:]) {
			return "", false
		}
		digits = digits[:i]
	}
	if !allDigits(digits) || len(digits) < 6 {
		return "", false // "2020" is the same in both forms
	}
	switch len(digits) {
	case 6: // a zone on a date alone changes nothing
		return digits[:4] + "-" + digits[4:6], true
	case 8:
		return digits[:4] + "-" + digits[4:6] + "-" + digits[6:8], true
	case 10, 12, 14:
		t := digits + "0000"[:14-len(digits)]
		if zone == "" {
			zone = "Z"
		}
		return t[:4] + "-" + t[4:6] + "-" + t[6:8] + "T" + t[8:10] + ":" + t[10:12] + ":" + t[12:14] + zone, true
	}
	return "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
