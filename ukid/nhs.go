// Package ukid is the one home of the rules for UK health and care
// identifiers: NHS numbers (with the CHI and H&C numbers that share their
// form), ODS organisation codes and postcodes. Every validator and fixture
// generator asks this package, so an identifier gets the same verdict whether
// it arrived in FHIR, HL7 v2 or CSV; suites choose only the strictness (which
// number ranges they accept, whether grouped digits are allowed).
//
// The facts of an NHS number are kept apart (form, check digit, range), because
// suites disagree about which of them matter: a live feed wants numbers from an
// issued range, a supplier's test feed legitimately holds test numbers.
package ukid

import (
	"fmt"
	"strings"
)

// Range is the block of ten-digit numbers an NHS number's first digits fall in.
// The Modulus 11 scheme is shared by the NHS in England, Wales and the Isle of
// Man, Scotland's CHI and Northern Ireland's H&C numbers; the range says whose
// number it is.
type Range uint8

// The ranges, as the NHS Data Dictionary and the issuing services describe them.
const (
	// Unallocated numbers are in no range any service issues.
	Unallocated Range = 1 << iota
	// EnglandWales numbers (400–499 and 600–799 million) are the NHS numbers
	// of England, Wales and the Isle of Man.
	EnglandWales
	// ScotlandCHI numbers (010–311 million) are Scotland's Community Health
	// Index numbers: the first six digits are a date of birth.
	ScotlandCHI
	// NorthernIreland numbers (320–399 million) are Northern Ireland's Health
	// and Care numbers.
	NorthernIreland
	// Test numbers (900–999 million) are never issued to a person: NHS England's
	// test environments, its examples (UK Core's) and suppliers' test data use
	// them, and 999 is the block kept for testing.
	Test
)

// rangeNames are the words suites use for ranges.
var rangeNames = []struct {
	name string
	r    Range
}{
	{"england-wales", EnglandWales},
	{"scotland-chi", ScotlandCHI},
	{"northern-ireland", NorthernIreland},
	{"test", Test},
	{"unallocated", Unallocated},
}

// String names a range, or the ranges of a set (ranges combine with |).
func (r Range) String() string {
	var out []string
	for _, n := range rangeNames {
		if r&n.r != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}

// describe says, in a finding's words, what a range is.
func (r Range) describe() string {
	switch r {
	case EnglandWales:
		return "an NHS number issued in England, Wales or the Isle of Man (400–499, 600–799 million)"
	case ScotlandCHI:
		return "in Scotland's CHI range (010–311 million)"
	case NorthernIreland:
		return "in Northern Ireland's H&C range (320–399 million)"
	case Test:
		return "a test number (900–999 million)"
	}
	return "in no range that is issued (400–499 and 600–799 million in England, Wales and the Isle of Man; 010–311 Scotland's CHI; 320–399 Northern Ireland; 900–999 test)"
}

// ParseRanges reads the names of a suite's accepted ranges.
func ParseRanges(names []string) (Range, error) {
	var set Range
	for _, name := range names {
		found := false
		for _, n := range rangeNames {
			if n.name == name {
				set |= n.r
				found = true
			}
		}
		if !found {
			var all []string
			for _, n := range rangeNames {
				all = append(all, n.name)
			}
			return 0, fmt.Errorf("range %q: want one of %s", name, strings.Join(all, ", "))
		}
	}
	return set, nil
}

// RangeOf returns the range a ten-digit number falls in.
func RangeOf(digits string) Range {
	if len(digits) != 10 {
		return Unallocated
	}
	n := 0
	for i := 0; i < 3; i++ {
		n = n*10 + int(digits[i]-'0')
	}
	// CHI's first three digits are a day of month (01–31) and the tens of a
	// month: 010 to 311.
	switch {
	case n >= 400 && n <= 499, n >= 600 && n <= 799:
		return EnglandWales
	case n >= 10 && n <= 311:
		return ScotlandCHI
	case n >= 320 && n <= 399:
		return NorthernIreland
	case n >= 900:
		return Test
	}
	return Unallocated
}

// NHSNumber is what the text of an NHS number says, each fact on its own.
type NHSNumber struct {
	// Digits are the ten digits with any separators removed; empty when the
	// text is not ten digits.
	Digits string
	// Grouped is true when the digits are written 3-3-4 with spaces or hyphens.
	Grouped bool
	// CheckDigit is true when the last digit is the Modulus 11 check digit of
	// the first nine.
	CheckDigit bool
	// Want is the check digit the first nine call for, -1 when there is none
	// (Modulus 11 gives 10: no valid number starts with those nine).
	Want int
	// Range is the block the number falls in.
	Range Range
}

// ParseNHSNumber reads the facts of an NHS number's text. Ten digits, or ten
// digits grouped 3-3-4 with single spaces or hyphens, have Digits; anything
// else has none and no other fact.
func ParseNHSNumber(s string) NHSNumber {
	var n NHSNumber
	var d [10]byte
	switch {
	case len(s) == 10:
		copy(d[:], s)
	case len(s) == 12 && s[3] == s[7] && (s[3] == ' ' || s[3] == '-'):
		copy(d[:3], s[:3])
		copy(d[3:6], s[4:7])
		copy(d[6:], s[8:])
		n.Grouped = true
	default:
		return NHSNumber{Want: -1}
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return NHSNumber{Want: -1}
		}
	}
	// Ungrouped text is the digits already: no copy on the common path,
	// which every record of a feed takes.
	n.Digits = s
	if n.Grouped {
		n.Digits = string(d[:])
	}
	n.Want = CheckDigit(n.Digits[:9])
	n.CheckDigit = n.Want >= 0 && int(d[9]-'0') == n.Want
	n.Range = RangeOf(n.Digits)
	return n
}

// CheckDigit returns the Modulus 11 check digit of an NHS number's first nine
// digits, or -1 when there is none (the remainder calls for 10) or the text is
// not nine digits.
func CheckDigit(nine string) int {
	if len(nine) != 9 {
		return -1
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := nine[i]
		if c < '0' || c > '9' {
			return -1
		}
		sum += int(c-'0') * (10 - i)
	}
	switch c := 11 - sum%11; c {
	case 11:
		return 0
	case 10:
		return -1
	default:
		return c
	}
}

// MakeNHSNumber appends the check digit to a nine-digit stem (0 to
// 999 999 999); ok is false when the stem has none.
func MakeNHSNumber(stem int) (string, bool) {
	nine := fmt.Sprintf("%09d", stem)
	c := CheckDigit(nine)
	if c < 0 {
		return "", false
	}
	return nine + string(rune('0'+c)), true
}

// NHSRules are a suite's strictness about NHS numbers.
type NHSRules struct {
	// Grouped accepts digits written 3-3-4 with spaces or hyphens.
	Grouped bool
	// Ranges are the ranges accepted without a warning.
	Ranges Range
}

// DefaultNHSRules are the built-in suites' rules: ten digits without
// separators (the form FHIR, HL7 v2 and the national returns exchange), and
// numbers from the NHS's own issued ranges or the test range, since
// certification runs on test data. A CHI or H&C number where an NHS number is
// expected is a warning.
var DefaultNHSRules = NHSRules{Ranges: EnglandWales | Test}

// Problem is why an identifier is not acceptable. Code is the finding code
// every validator reports; Warning marks a problem that does not make the
// identifier invalid (a range the suite does not accept).
type Problem struct {
	Code    string
	Message string
	Warning bool
}

// Check judges an NHS number's text under the rules; ok is true when there is
// no problem. Messages complete a sentence whose subject is the number
// ("NHS number " + Message).
func (r NHSRules) Check(s string) (p Problem, ok bool) {
	n := ParseNHSNumber(s)
	switch {
	case n.Digits == "":
		why := "is not ten digits"
		if strings.ContainsAny(s, " -") {
			why = "is not ten digits (written with separators other than 3-3-4 groups)"
		}
		return Problem{Code: "nhs-number.format", Message: why}, false
	case n.Grouped && !r.Grouped:
		return Problem{Code: "nhs-number.format", Message: "is written with separators: write the ten digits without spaces or hyphens"}, false
	case n.Want < 0:
		return Problem{Code: "nhs-number.check-digit", Message: "has no valid check digit (Modulus 11 gives 10): it is not a possible NHS number"}, false
	case !n.CheckDigit:
		return Problem{Code: "nhs-number.check-digit", Message: fmt.Sprintf("fails the Modulus 11 check (check digit should be %d)", n.Want)}, false
	case n.Range&r.Ranges == 0:
		return Problem{Code: "nhs-number.range", Message: "has a valid check digit but is " + n.Range.describe() + ", a range this suite does not accept", Warning: true}, false
	}
	return Problem{}, true
}
