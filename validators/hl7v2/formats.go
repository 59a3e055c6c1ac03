package hl7v2

// Lexical checks of HL7 v2 primitive types. Each returns "" when the value is
// well formed, or why it is not.

import (
	"strconv"
	"strings"
)

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// checkDT: YYYY[MM[DD]].
func checkDT(s string) string {
	if !digits(s) || (len(s) != 4 && len(s) != 6 && len(s) != 8) {
		return "want YYYY, YYYYMM or YYYYMMDD"
	}
	return checkDateParts(s)
}

func checkDateParts(s string) string {
	if len(s) >= 6 {
		m := num(s[4:6])
		if m < 1 || m > 12 {
			return "month out of range"
		}
		if len(s) >= 8 {
			d := num(s[6:8])
			if d < 1 || d > daysIn(num(s[:4]), m) {
				return "day out of range"
			}
		}
	}
	return ""
}

// splitZone cuts a +ZZZZ/-ZZZZ offset off a time value.
func splitZone(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			z := s[i+1:]
			if len(z) != 4 || !digits(z) || num(z[:2]) > 14 || num(z[2:]) > 59 {
				return s[:i], z, false
			}
			return s[:i], z, true
		}
	}
	return s, "", true
}

// checkTime: HH[MM[SS[.S[S[S[S]]]]]].
func checkTime(t string) string {
	main, frac := t, ""
	for i := 0; i < len(t); i++ {
		if t[i] == '.' {
			main, frac = t[:i], t[i+1:]
			if len(main) != 6 {
				return "fractions of a second need HHMMSS before them"
			}
			if frac == "" || len(frac) > 4 || !digits(frac) {
				return "one to four digits after the decimal point"
			}
			break
		}
	}
	if !digits(main) || len(main)%2 != 0 || len(main) == 0 || len(main) > 6 {
		return "want HH, HHMM or HHMMSS"
	}
	if num(main[:2]) > 23 {
		return "hour out of range"
	}
	if len(main) >= 4 && num(main[2:4]) > 59 {
		return "minute out of range"
	}
	if len(main) == 6 && num(main[4:6]) > 60 {
		return "second out of range"
	}
	return ""
}

// checkTM: HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ].
func checkTM(s string) string {
	t, _, ok := splitZone(s)
	if !ok {
		return "time zone must be +HHMM or -HHMM"
	}
	return checkTime(t)
}

// checkDTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ].
func checkDTM(s string) string {
	v, _, ok := splitZone(s)
	if !ok {
		return "time zone must be +HHMM or -HHMM"
	}
	date := v
	if len(v) > 8 {
		date = v[:8]
	}
	if !digits(date) || (len(date) != 4 && len(date) != 6 && len(date) != 8) {
		return "want YYYY[MM[DD[HH[MM[SS[.S]]]]]] with an optional +/-ZZZZ"
	}
	if why := checkDateParts(date); why != "" {
		return why
	}
	if len(v) > 8 {
		if why := checkTime(v[8:]); why != "" {
			return "the time after YYYYMMDD: " + why
		}
	}
	return ""
}

// checkNM: an optional sign, digits, an optional decimal point.
// numberOf reads v as an NM value (surrounding spaces allowed) for a
// comparison. strconv alone would also take "NaN", "Inf" and hexadecimal or
// exponent forms, which are not HL7 numbers, and NaN would then compare
// equal to everything in an ordering.
func numberOf(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if checkNM(v) != "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	return x, err == nil
}

func checkNM(s string) string {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	seen, dot := false, false
	for ; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			seen = true
		case s[i] == '.' && !dot:
			dot = true
		default:
			return "want digits with an optional sign and decimal point"
		}
	}
	if !seen {
		return "want at least one digit"
	}
	return ""
}

// checkSI: a non-negative integer of at most four digits.
func checkSI(s string) string {
	if !digits(s) || len(s) > 4 {
		return "want a non-negative whole number of at most 4 digits"
	}
	return ""
}

// tsTime returns the time of a TS value v, the part before sep. Before 2.6 a
// TS is a composite (its parts components in a field, subcomponents in a
// component) whose first part is the date/time and whose second its degree
// of precision. A TS whose time is empty while a later part is sent ("^Y",
// "^") has no value: each check reports it as missing, never as malformed
// (hl7v2-fields as TS.1 where the version requires it, from 2.5; a
// conformance profile as its element's usage).
// noTime says why a TS with an empty time is missing, in a profile's usage
// findings.
const noTime = "its time (TS.1) is empty: a degree of precision without a time is no value"

func tsTime(v string, sep byte) string {
	if j := strings.IndexByte(v, sep); j >= 0 {
		return v[:j]
	}
	return v
}

// lexical says why v is not in the lexical form of data type typ (DT, DTM,
// TS, TM, NM, SI), or "" when it is or typ has no form of its own. For a TS
// v is its time (tsTime), which callers have found not empty.
func lexical(typ, v string) string {
	switch typ {
	case "DT":
		return checkDT(v)
	case "TS":
		if isNull(v) {
			return ""
		}
		return checkDTM(v)
	case "DTM":
		return checkDTM(v)
	case "TM":
		return checkTM(v)
	case "NM":
		return checkNM(v)
	case "SI":
		return checkSI(v)
	}
	return ""
}
