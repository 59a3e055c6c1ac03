package tables

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Normalize folds a code-list value for matching: letters and digits only,
// lower case, so "NFA - Moved to another LA", "nfa moved to another la" and
// "NFA-Moved-to-another-LA" are one value.
func Normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	b := make([]byte, 0, len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b = append(b, c)
			case c >= 'A' && c <= 'Z':
				b = append(b, c+'a'-'A')
			}
		}
		return string(b)
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
	}
	return string(b)
}

// SameLabel reports whether a and b are one value ignoring case and
// punctuation, as Normalize compares them, without allocating for ASCII text.
func SameLabel(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && !isAlnumASCII(a[i]) {
			if a[i] >= utf8.RuneSelf {
				return Normalize(a) == Normalize(b)
			}
			i++
		}
		for j < len(b) && !isAlnumASCII(b[j]) {
			if b[j] >= utf8.RuneSelf {
				return Normalize(a) == Normalize(b)
			}
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if lowerASCII(a[i]) != lowerASCII(b[j]) {
			return false
		}
		i, j = i+1, j+1
	}
}

// HasLabelPrefix reports whether v starts with the label p, ignoring case and
// punctuation.
func HasLabelPrefix(v, p string) bool {
	nv, np := Normalize(v), Normalize(p)
	return len(nv) >= len(np) && nv[:len(np)] == np
}

func isAlnumASCII(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// CodeList matches values against canonical labels insensitively.
type CodeList struct {
	labels []string
	byNorm map[string]string
}

// NewCodeList builds a code list; two labels that fold to the same value are an
// error, because a value could not say which it meant.
func NewCodeList(labels []string) (*CodeList, error) {
	c := &CodeList{labels: labels, byNorm: map[string]string{}}
	for _, l := range labels {
		n := Normalize(l)
		if n == "" {
			return nil, fmt.Errorf("value %q has no letters or digits", l)
		}
		if prev, dup := c.byNorm[n]; dup {
			return nil, fmt.Errorf("values %q and %q differ only in case or punctuation", prev, l)
		}
		c.byNorm[n] = l
	}
	return c, nil
}

// Match returns the canonical label of v.
func (c *CodeList) Match(v string) (string, bool) {
	l, ok := c.byNorm[Normalize(v)]
	return l, ok
}

// DateFormat is one accepted way of writing a date.
type DateFormat struct {
	// Name is how suites and reports name it: "YYYY-MM-DD", "DD/MM/YYYY".
	Name   string
	layout string
}

// DateFormats are the layouts a suite may name.
var knownDateFormats = map[string]string{
	"YYYY-MM-DD":  "2006-01-02",
	"DD/MM/YYYY":  "02/01/2006",
	"DD-MM-YYYY":  "02-01-2006",
	"YYYYMMDD":    "20060102",
	"DD/MM/YY":    "02/01/06",
	"MM/DD/YYYY":  "01/02/2006",
	"DD-MMM-YYYY": "02-Jan-2006",
}

// DefaultDateFormats are ISO 8601 and the British day-first form.
var defaultDateFormats = []string{"YYYY-MM-DD", "DD/MM/YYYY"}

// ParseDateFormats resolves format names; nil means the defaults.
func ParseDateFormats(names []string) ([]DateFormat, error) {
	if len(names) == 0 {
		names = defaultDateFormats
	}
	out := make([]DateFormat, 0, len(names))
	for _, n := range names {
		l, ok := knownDateFormats[strings.ToUpper(n)]
		if !ok {
			return nil, fmt.Errorf("date format %q: want one of YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, YYYYMMDD, DD/MM/YY, MM/DD/YYYY, DD-MMM-YYYY", n)
		}
		out = append(out, DateFormat{Name: strings.ToUpper(n), layout: l})
	}
	return out, nil
}

// ParseDate parses s with the first format that fits and says which.
func ParseDate(s string, formats []DateFormat) (time.Time, string, bool) {
	for _, f := range formats {
		if t, ok := parseLayout(s, f.layout); ok {
			return t, f.Name, true
		}
	}
	return time.Time{}, "", false
}

// parseLayout is time.Parse with fast paths for the two common layouts, which
// a million-row return parses a dozen times per row.
func parseLayout(s, layout string) (time.Time, bool) {
	switch layout {
	case "2006-01-02":
		if len(s) != 10 || s[4] != '-' || s[7] != '-' {
			return time.Time{}, false
		}
		return ymd(s[0:4], s[5:7], s[8:10])
	case "02/01/2006":
		if len(s) != 10 || s[2] != '/' || s[5] != '/' {
			return time.Time{}, false
		}
		return ymd(s[6:10], s[3:5], s[0:2])
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

func ymd(ys, ms, ds string) (time.Time, bool) {
	y, ok1 := digits(ys)
	m, ok2 := digits(ms)
	d, ok3 := digits(ds)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 April, 29 February outside leap years
	}
	return t, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// IsPartialDate reports a date with its day or month missing: "1950", "1950-03",
// "03/1950", "1950-03-00", "00/03/1950".
func IsPartialDate(s string) bool {
	switch len(s) {
	case 4:
		_, ok := digits(s)
		return ok
	case 7:
		if s[4] == '-' {
			_, ok1 := digits(s[:4])
			_, ok2 := digits(s[5:])
			return ok1 && ok2
		}
		if s[2] == '/' || s[2] == '-' {
			_, ok1 := digits(s[:2])
			_, ok2 := digits(s[3:])
			return ok1 && ok2
		}
	case 10:
		if s[4] == '-' && s[7] == '-' {
			y, ok1 := digits(s[:4])
			m, ok2 := digits(s[5:7])
			d, ok3 := digits(s[8:])
			return ok1 && ok2 && ok3 && y > 0 && (m == 0 || d == 0)
		}
		if s[2] == '/' && s[5] == '/' {
			d, ok1 := digits(s[:2])
			m, ok2 := digits(s[3:5])
			y, ok3 := digits(s[6:])
			return ok1 && ok2 && ok3 && y > 0 && (m == 0 || d == 0)
		}
	}
	return false
}

// parseBool accepts the spellings of yes and no that extracts use.
func parseBool(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "y", "n", "1", "0":
		return true
	}
	return false
}

func parseNumber(s string, integer bool) (float64, bool) {
	if integer {
		n, err := strconv.ParseInt(s, 10, 64)
		return float64(n), err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !strings.ContainsAny(s, "xXpPiInN_")
}
