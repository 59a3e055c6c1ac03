package profile

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/fhir/lexical"
)

// The numbers' patterns, R4's, matched by fhir/lexical's hand-written
// matchers. The types written as JSON strings are held to their lexical
// rule (lexical.Valid), the one the JSON-schema suite holds them to.
var (
	decRE = pattern(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	intRE = pattern(`^-?([0]|([1-9][0-9]*))$`)
)

// lexicalPattern is a primitive pattern with fhir/lexical's matcher.
type lexicalPattern struct{ match func(string) bool }

func (p lexicalPattern) MatchString(s string) bool { return p.match(s) }

// pattern returns the matcher of a pattern fhir/lexical knows; a pattern it
// does not know is a programming error, found by every test run.
func pattern(re string) lexicalPattern {
	m := lexical.Matcher(re)
	if m == nil {
		panic("fhir/lexical has no matcher for " + re)
	}
	return lexicalPattern{m}
}

// checkPrimitive validates a primitive JSON value against the rules of its FHIR
// type. It returns "" when the value is valid, or a message saying why not,
// worded for the format the value was written in.
func checkPrimitive(typ string, v any, words fhir.Wording) string {
	switch typ {
	case "boolean", "System.Boolean":
		if _, ok := v.(bool); !ok {
			return words.NotPrimitive("boolean", v)
		}
		return ""
	case "integer", "positiveInt", "unsignedInt", "System.Integer", "decimal", "System.Decimal":
		n, ok := v.(json.Number)
		if !ok {
			return words.NotPrimitive("number", v)
		}
		return checkNumber(typ, string(n), words)
	}
	s, ok := v.(string)
	if !ok {
		return words.NotPrimitive("string", v)
	}
	return checkString(typ, s)
}

// checkNumber is checkPrimitive for a JSON number n of a numeric type; a
// scan that has the number's text calls it without boxing it.
func checkNumber(typ, n string, words fhir.Wording) string {
	if typ == "decimal" || typ == "System.Decimal" {
		if !decRE.MatchString(n) {
			return fmt.Sprintf("%s is not a valid decimal", n)
		}
		// In range as NumberProblem has it, a decimal of the syntax above
		// is also a finite big.Float: its exact value is what bounds and
		// comparisons read (big.Rat), and nothing here needs parsing it.
		return words.NumberProblem(n)
	}
	if !intRE.MatchString(n) {
		return fmt.Sprintf("%s is not a valid %s (a whole number without fraction or exponent)", n, typ)
	}
	i, err := strconv.ParseInt(n, 10, 32)
	if err != nil {
		return fmt.Sprintf("%s is out of range for %s (32-bit)", n, typ)
	}
	if typ == "positiveInt" && i < 1 {
		return fmt.Sprintf("%s is not a valid positiveInt (must be 1 or more)", n)
	}
	if typ == "unsignedInt" && i < 0 {
		return fmt.Sprintf("%s is not a valid unsignedInt (must be 0 or more)", n)
	}
	return ""
}

// checkString is checkPrimitive for a JSON string s of a type other than
// boolean and the numbers.
func checkString(typ, s string) string {
	if s == "" {
		return "must not be empty: omit the element instead"
	}
	// No UTF-8 check: the readers refuse input that is not UTF-8 (at its
	// line, fhir.InvalidUTF8Line) and every decoder yields valid strings
	// (encoding/json and the fast decoder replace or refuse, encoding/xml
	// refuses), so a string here is valid UTF-8.
	valid := lexical.Valid(typ, s)
	switch typ {
	case "string", "markdown", "System.String":
		if len(s) > 1024*1024 {
			return "is longer than the 1 MB FHIR allows for a string"
		}
		// A string of whitespace alone is legal (R4's regex for string is
		// [ \r\n\t\S]+), and so is a control character, which R4 says a
		// string SHOULD NOT hold: primitiveNotes warns of both, as the
		// reference does. Markdown SHALL NOT hold one (R4 §2.24.0.1).
		if !valid {
			return fmt.Sprintf("contains the control character U+%04X, which markdown may not hold (R4: only tab, CR and LF below U+0020)", lexical.Control(s))
		}
	case "id":
		if !valid {
			return fmt.Sprintf("%q is not a valid id (1-64 of A-Z a-z 0-9 - .)", s)
		}
	case "code":
		if !valid {
			return fmt.Sprintf("%q is not a valid code (no leading, trailing or repeated whitespace)", s)
		}
	case "uri", "url", "canonical":
		if !valid {
			return fmt.Sprintf("%q is not a valid %s (it contains whitespace)", s, typ)
		}
	case "oid":
		if !valid {
			return fmt.Sprintf("%q is not a valid oid (urn:oid:1.2.3...)", s)
		}
	case "uuid":
		if !valid {
			return fmt.Sprintf("%q is not a valid uuid (urn:uuid: and lower-case hex)", s)
		}
	case "date", "System.Date":
		if !valid || !validDay(s) {
			return fmt.Sprintf("%q is not a valid date (YYYY, YYYY-MM or YYYY-MM-DD)", s)
		}
	case "dateTime", "System.DateTime":
		if !valid || !validDay(s) {
			return fmt.Sprintf("%q is not a valid dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz; a time needs a time zone)", s)
		}
	case "instant":
		if !valid || !validDay(s) {
			return fmt.Sprintf("%q is not a valid instant (YYYY-MM-DDThh:mm:ss(.sss)+zz:zz, with a time zone)", s)
		}
	case "time", "System.Time":
		if !valid {
			return fmt.Sprintf("%q is not a valid time (hh:mm:ss)", s)
		}
	case "base64Binary":
		// R4's rule, groups of four with white space between, and the
		// groups must decode.
		if !valid {
			return fmt.Sprintf("the value %s is not valid base64", excerpt(s))
		}
		compact := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\f' {
				return -1
			}
			return r
		}, s)
		if _, err := base64.StdEncoding.DecodeString(compact); err != nil {
			return fmt.Sprintf("the value %s is not valid base64", excerpt(s))
		}
	}
	return ""
}

// validDay rejects dates the calendar does not have (2023-02-30). s has
// passed its type's pattern: when it has a day, it starts YYYY-MM-DD with a
// month 01-12 and a day 01-31. Read from the digits, where time.Parse cost a
// few per cent of a walk.
func validDay(s string) bool {
	if len(s) < 10 {
		return true
	}
	digit := func(i int) int { return int(s[i] - '0') }
	year := digit(0)*1000 + digit(1)*100 + digit(2)*10 + digit(3)
	month, day := digit(5)*10+digit(6), digit(8)*10+digit(9)
	switch month {
	case 4, 6, 9, 11:
		return day <= 30
	case 2:
		leap := year%4 == 0 && (year%100 != 0 || year%400 == 0)
		return day <= 28 || day == 29 && leap
	}
	return day <= 31
}

func excerpt(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40] + "…")
	}
	return strconv.Quote(s)
}
