package fhir

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits on a JSON number before anything does arithmetic on it. JSON itself
// has no limits, but numbers are only interoperable within IEEE 754 double
// precision (RFC 8259 §6), and libraries that parse them exactly (math/big in
// the schema validator) spend time growing with the exponent: "1e999999"
// costs a third of a second each.
const (
	// MaxNumberLength bounds the characters of one number.
	MaxNumberLength = 1000
	// MaxNumberExponent bounds the written exponent's magnitude; doubles
	// reach about 1e308 and, subnormal, 5e-324.
	MaxNumberExponent = 400
)

// plainNumberLength is the length up to which a number written without an
// exponent is within range whatever its digits (doubles reach 1.8e308).
const plainNumberLength = 300

// NumberProblem says why a JSON number cannot be exchanged as a FHIR number,
// or returns "" when it can. It is cheap whatever the input: lengths and the
// exponent are checked before the number is parsed.
func NumberProblem(n string) string {
	return numberProblem(n, "JSON can exchange (IEEE 754 double precision, RFC 8259 section 6)")
}

// numberProblem is NumberProblem with the words naming the range a number
// must fall in, which depend on the format it was written in (Wording).
func numberProblem(n, exchangeable string) string {
	if len(n) <= plainNumberLength && !strings.ContainsAny(n, "eEpP") {
		// A plain decimal this short is below 1e300: no double overflows
		// on it (and a smaller one rounds to zero, which is no error).
		return ""
	}
	if len(n) > MaxNumberLength {
		return fmt.Sprintf("a number of %d characters is beyond what can be exchanged (at most %d)", len(n), MaxNumberLength)
	}
	if i := strings.IndexAny(n, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(n[i+1:], "+"))
		if err != nil || exp > MaxNumberExponent || exp < -MaxNumberExponent {
			return fmt.Sprintf("%s is outside the range of numbers %s", clip(n, 40), exchangeable)
		}
	}
	if _, err := strconv.ParseFloat(n, 64); errors.Is(err, strconv.ErrRange) {
		return fmt.Sprintf("%s is outside the range of numbers %s", clip(n, 40), exchangeable)
	}
	return ""
}

// clip shortens s to at most n bytes (on a rune boundary), marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
