// Package lexical matches strings against the regular expressions FHIR R4
// gives its primitive types (dates, times, codes, ids, numbers...) without
// running a regular-expression engine. Validating a feed checks these on
// nearly every value, and Go's regexp spent a tenth of a run's CPU on them.
//
// Each matcher answers exactly as regexp.MustCompile(pattern).MatchString
// would, for every string (invalid UTF-8 included); lexical_test.go compares
// them on random and mutated strings. A pattern without a matcher here gets
// nil from Matcher, and its caller keeps the regular expression.
package lexical

import (
	"maps"
	"slices"
	"strings"
)

// Matcher returns a hand-written matcher for a regular expression's exact
// source text, or nil when there is none.
func Matcher(pattern string) func(string) bool { return matchers[pattern] }

// Patterns lists the regular expressions that have matchers, sorted, so a
// spec drawing random strings for each in turn draws the same ones every run.
func Patterns() []string {
	return slices.Sorted(maps.Keys(matchers))
}

// matchers is read-only: the published R4 JSON schema's patterns, and
// carecert's lexical rules (Rule) where they differ from those.
var matchers = map[string]func(string) bool{
	// string, markdown: any character but a form feed.
	`^[ \r\n\t\S]+$`: func(s string) bool { return s != "" && strings.IndexByte(s, '\f') < 0 },
	// uri, url, canonical: no whitespace.
	`^\S*$`: noSpace,
	// code: words separated by one whitespace character.
	`^[^\s]+(\s[^\s]+)*$`: func(s string) bool { return words(s, isSpace, isSpace) },
	// id.
	`^[A-Za-z0-9\-\.]{1,64}$`: id,
	// date, dateTime, instant, time: the year is never 0000.
	`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`: func(s string) bool {
		return dateTime(s, false)
	},
	`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`: func(s string) bool {
		return dateTime(s, true)
	},
	`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`: func(s string) bool {
		return instant(s)
	},
	`^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$`: func(s string) bool {
		i := clock(s, 0)
		return i == len(s)
	},
	// carecert's rules (Rule) where they differ from the schema's.
	stringRule: func(s string) bool { return s != "" },
	mdRule:     func(s string) bool { return s != "" && Control(s) < 0 },
	codeRule:   spacedWords,
	uriRule:    noWhitespace,
	base64Rule: base64,
	oidRule:    oid,
	uuidRule:   uuid,
	// decimal and integer.
	`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`: decimal,
	`^-?([0]|([1-9][0-9]*))$`: func(s string) bool {
		i := wholeNumber(s, optSign(s, 0))
		return i == len(s)
	},
}

// isSpace is regexp's \s: tab, newline, form feed, carriage return, space.
func isSpace(c byte) bool { return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// words reports whether s is non-empty runs of characters separated by
// single separators (sep), with no other character bad refuses. Bytes of a
// multi-byte or invalid UTF-8 sequence are never ASCII whitespace or
// control characters, as regexp sees them.
func words(s string, sep, bad func(byte) bool) bool {
	if s == "" {
		return false
	}
	prevSep := true // a separator may not come first
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case sep(c):
			if prevSep {
				return false
			}
			prevSep = true
		case bad(c):
			return false
		default:
			prevSep = false
		}
	}
	return !prevSep
}

func noSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			return false
		}
	}
	return true
}

func id(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// year returns the index after a four-digit year other than 0000 at i, or -1.
func year(s string, i int) int {
	if len(s) < i+4 || !isDigit(s[i]) || !isDigit(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return -1
	}
	if s[i:i+4] == "0000" {
		return -1
	}
	return i + 4
}

// two returns the index after two digits at i that ok accepts, or -1.
func two(s string, i int, ok func(a, b byte) bool) int {
	if i < 0 || len(s) < i+2 || !isDigit(s[i]) || !isDigit(s[i+1]) || !ok(s[i], s[i+1]) {
		return -1
	}
	return i + 2
}

func month(a, b byte) bool  { return a == '0' && b != '0' || a == '1' && b <= '2' }
func day(a, b byte) bool    { return a == '0' && b != '0' || a == '1' || a == '2' || a == '3' && b <= '1' }
func hour(a, b byte) bool   { return a <= '1' || a == '2' && b <= '3' }
func minute(a, _ byte) bool { return a <= '5' }
func second(a, b byte) bool { return a <= '5' || a == '6' && b == '0' }
func tzHour(a, b byte) bool { return a == '0' || a == '1' && b <= '3' }

// lit returns the index after the byte c at i, or -1.
func lit(s string, i int, c byte) int {
	if i < 0 || i >= len(s) || s[i] != c {
		return -1
	}
	return i + 1
}

// clock returns the index after hh:mm:ss(.fraction) at i, or -1.
func clock(s string, i int) int {
	i = two(s, i, hour)
	i = two(s, lit(s, i, ':'), minute)
	i = two(s, lit(s, i, ':'), second)
	if i < 0 || i == len(s) || s[i] != '.' {
		return i
	}
	return digits(s, i+1)
}

// digits returns the index after one or more digits at i, or -1.
func digits(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// zone returns the index after Z or ±hh:mm (hh up to 13, or 14:00) at i, or -1.
func zone(s string, i int) int {
	if i < 0 || i >= len(s) {
		return -1
	}
	switch s[i] {
	case 'Z':
		return i + 1
	case '+', '-':
		if strings.HasPrefix(s[i+1:], "14:00") {
			return i + 6
		}
		return two(s, lit(s, two(s, i+1, tzHour), ':'), minute)
	}
	return -1
}

// dateTime matches year(-month(-day(Thh:mm:ss(.f)zone)?)?)? to the end of s;
// withTime allows the time part.
func dateTime(s string, withTime bool) bool {
	i := year(s, 0)
	if i < 0 || i == len(s) {
		return i == len(s)
	}
	i = two(s, lit(s, i, '-'), month)
	if i < 0 || i == len(s) {
		return i == len(s)
	}
	i = two(s, lit(s, i, '-'), day)
	if i < 0 || i == len(s) {
		return i == len(s)
	}
	if !withTime {
		return false
	}
	return zone(s, clock(s, lit(s, i, 'T'))) == len(s)
}

// instant matches year-month-dayThh:mm:ss(.f)zone exactly.
func instant(s string) bool {
	i := year(s, 0)
	i = two(s, lit(s, i, '-'), month)
	i = two(s, lit(s, i, '-'), day)
	return zone(s, clock(s, lit(s, i, 'T'))) == len(s)
}

// optSign returns the index after an optional minus at i.
func optSign(s string, i int) int {
	if i < len(s) && s[i] == '-' {
		return i + 1
	}
	return i
}

// wholeNumber returns the index after 0 or a number without a leading zero
// at i, or -1.
func wholeNumber(s string, i int) int {
	if i >= len(s) || !isDigit(s[i]) {
		return -1
	}
	if s[i] == '0' {
		return i + 1
	}
	return digits(s, i)
}

func decimal(s string) bool {
	i := wholeNumber(s, optSign(s, 0))
	if i >= 0 && i < len(s) && s[i] == '.' {
		i = digits(s, i+1)
	}
	if i >= 0 && i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		i = digits(s, i)
	}
	return i == len(s)
}

// The lexical rule of each FHIR primitive type whose JSON form is a string,
// as the regular expression both the JSON-schema suite and the profile
// engine hold a value to: R4's regular expression for the type, read as R4
// says it in words where its published form is looser or stricter (R4
// §2.24.0.1 calls the regular expressions informative, not normative).
//
// Control characters (U+0000 to U+001F but tab, LF and CR): R4 says a
// string SHOULD NOT hold them, and markdown SHALL NOT. So a string, and the
// code and uri built on it, admits them (the profile engine warns of each,
// Control, as the reference validator does), markdown refuses them, and
// the types with a narrower alphabet (id, oid, uuid, the dates, base64)
// refuse them by that alphabet. Whitespace is R4's regular expressions' \s
// in every engine but Go's: space, tab, LF, VT, FF and CR. A code's words
// are one space apart (R4's prose); a uri, url or canonical holds no
// whitespace and is not empty, as no JSON string is. The date types keep
// R4's published form, which has no year 0000; base64Binary takes R4's
// regex from its definition, as the schema has none. What the patterns
// cannot say (a calendar's days, a string's 1 MB, base64 that decodes) the
// profile engine adds.
const (
	stringRule = `^[\s\S]+$`
	mdRule     = `^[^\x00-\x08\x0B\x0C\x0E-\x1F]+$`
	codeRule   = `^[^\x09-\x0D\x20]+( [^\x09-\x0D\x20]+)*$`
	uriRule    = `^[^\x09-\x0D\x20]+$`
	base64Rule = `^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$`
	oidRule    = `^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$`
	uuidRule   = `^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
	dateRule   = `^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`
	dtRule     = `^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`
	instRule   = `^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`
	timeRule   = `^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$`
	idRule     = `^[A-Za-z0-9\-\.]{1,64}$`
)

// rules maps a primitive type (and the FHIRPath system type it stands for)
// to its lexical rule. The numbers and boolean are JSON numbers and
// booleans, which no pattern applies to: their rules are R4's decimal and
// integer patterns (Matcher) with the ranges the engine checks.
var rules = map[string]string{
	"string": stringRule, "markdown": mdRule, "System.String": stringRule,
	"code": codeRule, "id": idRule,
	"uri": uriRule, "url": uriRule, "canonical": uriRule,
	"oid": oidRule, "uuid": uuidRule, "base64Binary": base64Rule,
	"date": dateRule, "System.Date": dateRule,
	"dateTime": dtRule, "System.DateTime": dtRule,
	"instant": instRule,
	"time":    timeRule, "System.Time": timeRule,
}

// Rule returns the regular expression of a primitive type's lexical rule,
// or "" for a type without one.
func Rule(typ string) string { return rules[typ] }

// Valid reports whether s meets its primitive type's lexical rule; true for
// a type without one.
func Valid(typ, s string) bool {
	m, ok := byType[typ]
	return !ok || m(s)
}

// byType is each rule's matcher by its type, read-only: Valid is asked of
// every primitive string, and looking a type's rule up and then its
// matcher by the rule hashed the whole regular expression each time.
var byType = func() map[string]func(string) bool {
	m := make(map[string]func(string) bool, len(rules))
	for typ, p := range rules {
		m[typ] = matchers[p]
	}
	return m
}()

// Control returns the first control character of s other than tab, LF and
// CR (U+0000 to U+001F), or -1 when there is none: what R4 says a string
// SHOULD NOT hold and markdown SHALL NOT, and what XML 1.0 cannot carry at
// all, so the same data could not be sent as FHIR XML. Bytes, not runes: a
// control character is one byte in UTF-8 and no byte of a longer sequence
// is below 0x20.
func Control(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			return int(c)
		}
	}
	return -1
}

// whitespace is what R4's regular expressions mean by \s as the reference
// validator (Java) and JSON Schema (ECMA-262) read them, in ASCII: space,
// tab, LF, VT, FF and CR. Go's \s leaves out VT.
func whitespace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// spacedWords reports whether s is words one space apart, with no other
// whitespace.
func spacedWords(s string) bool {
	return words(s, func(c byte) bool { return c == ' ' }, whitespace)
}

// noWhitespace reports whether s is not empty and holds no whitespace.
func noWhitespace(s string) bool {
	for i := 0; i < len(s); i++ {
		if whitespace(s[i]) {
			return false
		}
	}
	return s != ""
}

// base64 matches groups of four base64 characters with white space (\s)
// only between groups: every run of characters is a multiple of four long.
func base64(s string) bool {
	run, groups := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := s[i]
			if isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '+' || c == '/' || c == '=' {
				run++
				continue
			}
			if !isSpace(c) {
				return false
			}
		}
		if run%4 != 0 {
			return false
		}
		groups += run / 4
		run = 0
	}
	return groups > 0
}

// oid matches urn:oid: and dot-separated numbers, the first 0, 1 or 2, none
// with a leading zero.
func oid(s string) bool {
	rest, ok := strings.CutPrefix(s, "urn:oid:")
	if !ok || len(rest) < 3 || rest[0] < '0' || rest[0] > '2' {
		return false
	}
	i := 1
	for i < len(rest) {
		if rest[i] != '.' {
			return false
		}
		i = wholeNumber(rest, i+1)
		if i < 0 {
			return false
		}
	}
	return i == len(rest) && i > 1
}

// uuid matches urn:uuid: and a lower-case 8-4-4-4-12 hex UUID.
func uuid(s string) bool {
	rest, ok := strings.CutPrefix(s, "urn:uuid:")
	if !ok || len(rest) != 36 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
