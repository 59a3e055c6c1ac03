package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carecert/carecert/fhir/lexical"
	"github.com/carecert/carecert/model"
)

// CodeSuspectValue is a primitive value of a valid form that is probably
// not what its author meant: bidirectional controls left open, a string
// padded with whitespace, a date in an unlikely year. Always a warning, as
// in the reference validator: the value is legal.
const CodeSuspectValue = "profile.suspect-value"

// Unicode's explicit directional formatting characters (UAX #9 §2): an
// embedding or override is closed by PDF, an isolate by PDI, and a
// paragraph break closes everything.
const (
	bidiLRE = '\u202a'
	bidiRLE = '\u202b'
	bidiPDF = '\u202c'
	bidiLRO = '\u202d'
	bidiRLO = '\u202e'
	bidiLRI = '\u2066'
	bidiRLI = '\u2067'
	bidiFSI = '\u2068'
	bidiPDI = '\u2069'
)

// primitiveNotes warns of a valid primitive value that is probably a
// mistake, as the reference validator does on every primitive it reads
// (R4 §2.24.0.1 leaves each of them legal):
//   - a directional formatting character left open at the end of the text
//     or of a line: what follows it is displayed in another order than it
//     is stored, the trick of CVE-2021-42574 ("Trojan Source");
//   - a string or markdown of whitespace alone, which the lexical forms
//     allow but no reader can use;
//   - a string starting or ending with whitespace, which readers trim or
//     compare differently (a string only: other types either forbid it, as
//     code, or keep it meaningfully, as markdown);
//   - a date, dateTime or instant whose year is before 1800 or more than 80
//     years ahead, most often a typing error (1098 for 1998);
//   - a control character other than tab, CR and LF in a string, a code or
//     a uri, which R4 says a string SHOULD NOT hold and XML cannot carry
//     (lexical.Control; markdown SHALL NOT, and the other types' alphabets
//     refuse it, so there it is the type's error).
//
// The stream path gives up on a value for which hasPrimitiveNote is true,
// so the map walk says these.
func (w *walker) primitiveNotes(typ, s string, at pathAt) {
	if open := unterminatedBidi(s); open != "" {
		w.add(model.Warning, CodeSuspectValue, w.pathText(at), fmt.Sprintf("the value leaves the directional control %s open (no closing %s before the end of the line): the text after it is shown in another order than it is stored (CVE-2021-42574); close it or remove it", open, bidiCloser(open)), "")
	}
	if blankText(typ, s) {
		w.add(model.Warning, CodeSuspectValue, w.pathText(at), "the value is only whitespace: give it content or omit the element", strconv.Quote(s))
	} else if typ == "string" && paddedString(s) {
		w.add(model.Warning, CodeSuspectValue, w.pathText(at), "the value starts or ends with whitespace, which readers trim or compare differently: remove it", strconv.Quote(s))
	}
	if yearChecked(typ) {
		if y, ok := unreasonableYear(s, w.e.year); ok {
			w.add(model.Warning, CodeSuspectValue, w.pathText(at), fmt.Sprintf("the year %d is outside the years a record plausibly holds (1800 to 80 years from now): check for a typing error", y), s)
		}
	}
	if c := lexical.Control(s); c >= 0 {
		w.add(model.Warning, CodeSuspectValue, w.pathText(at), fmt.Sprintf("the value holds the control character U+%04X, which R4 says a string should not hold (only tab, CR and LF below U+0020) and which FHIR XML cannot carry at all: remove it", c), "")
	}
}

// hasPrimitiveNote reports whether primitiveNotes would say something of a
// value, for the stream path (which does not report, only gives up).
// escaped says the value was written with escapes: JSON forbids a control
// character written raw in a string (the scan refuses one), so only an
// escape can put one in, and a value without is not read again for one.
func hasPrimitiveNote(typ, s string, thisYear int, escaped bool) bool {
	if blankText(typ, s) || typ == "string" && paddedString(s) || unterminatedBidi(s) != "" || escaped && lexical.Control(s) >= 0 {
		return true
	}
	if yearChecked(typ) {
		_, ok := unreasonableYear(s, thisYear)
		return ok
	}
	return false
}

// yearOf is the year of an engine's "now" (Options.AsOf, or when the
// engine was made), which bounds the plausible years.
func yearOf(asOf time.Time) int {
	if asOf.IsZero() {
		return time.Now().UTC().Year()
	}
	return asOf.Year()
}

func yearChecked(typ string) bool {
	return typ == "date" || typ == "dateTime" || typ == "instant"
}

// unreasonableYear returns the year of a date-like value (its first four
// digits, which its format has already been checked to have) when it is
// before 1800 or more than 80 years after thisYear.
func unreasonableYear(s string, thisYear int) (int, bool) {
	if len(s) < 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil {
		return 0, false
	}
	return y, y < 1800 || y > thisYear+80
}

// blankText reports whether s is a string or markdown value of whitespace
// alone (the other types' lexical forms refuse it already).
func blankText(typ, s string) bool {
	return (typ == "string" || typ == "markdown") && s != "" && strings.TrimSpace(s) == ""
}

// paddedString reports whether s starts or ends with whitespace: the ASCII
// spaces and controls (tab to carriage return) and Unicode's space
// separators, next line and the line and paragraph separators.
func paddedString(s string) bool {
	if s == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return isSpaceRune(first) || isSpaceRune(last)
}

func isSpaceRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// unterminatedBidi returns the name of a directional embedding, override
// or isolate s opens and does not close before a line break or its end (the
// innermost of the first line that leaves one open), "" when none. A PDF closes the innermost embedding or override
// unless an isolate is open inside it; a PDI closes the innermost isolate
// and whatever was opened inside it (UAX #9, rules X6a and X7).
func unterminatedBidi(s string) string {
	// The controls are three-byte sequences starting 0xE2: most values
	// have none, and are passed over without decoding.
	if strings.IndexByte(s, 0xe2) < 0 {
		return ""
	}
	var open []rune
	left := rune(0) // the first control a line leaves open
	for _, r := range s {
		switch r {
		case '\n', '\r', 0x2029:
			if len(open) > 0 && left == 0 {
				left = open[len(open)-1]
			}
			open = open[:0]
		case bidiLRE, bidiRLE, bidiLRO, bidiRLO, bidiLRI, bidiRLI, bidiFSI:
			open = append(open, r)
		case bidiPDF:
			if n := len(open); n > 0 && !isIsolate(open[n-1]) {
				open = open[:n-1]
			}
		case bidiPDI:
			for i := len(open) - 1; i >= 0; i-- {
				if isIsolate(open[i]) {
					open = open[:i]
					break
				}
			}
		}
	}
	if len(open) > 0 && left == 0 {
		left = open[len(open)-1]
	}
	if left == 0 {
		return ""
	}
	return bidiName(left)
}

func isIsolate(r rune) bool { return r == bidiLRI || r == bidiRLI || r == bidiFSI }

func bidiName(r rune) string {
	switch r {
	case bidiLRE:
		return "LRE (U+202A)"
	case bidiRLE:
		return "RLE (U+202B)"
	case bidiLRO:
		return "LRO (U+202D)"
	case bidiRLO:
		return "RLO (U+202E)"
	case bidiLRI:
		return "LRI (U+2066)"
	case bidiRLI:
		return "RLI (U+2067)"
	}
	return "FSI (U+2068)"
}

func bidiCloser(name string) string {
	switch name[:3] {
	case "LRI", "RLI", "FSI":
		return "PDI (U+2069)"
	}
	return "PDF (U+202C)"
}
