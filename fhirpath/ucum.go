package fhirpath

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// A small UCUM subset: enough to compare and combine the units clinical data
// uses (mass, length, volume, time, amount of substance, pressure, counts and
// their prefixes, products and quotients). Unknown units compare only with the
// identical unit.

type ucumAtom struct {
	factor float64
	dims   map[string]int
}

var ucumAtoms = map[string]ucumAtom{
	"1":       {1, nil},
	"%":       {0.01, nil},
	"g":       {1, map[string]int{"M": 1}},
	"m":       {1, map[string]int{"L": 1}},
	"s":       {1, map[string]int{"T": 1}},
	"min":     {60, map[string]int{"T": 1}},
	"h":       {3600, map[string]int{"T": 1}},
	"d":       {86400, map[string]int{"T": 1}},
	"wk":      {604800, map[string]int{"T": 1}},
	"mo":      {2629800, map[string]int{"T": 1}},
	"a":       {31557600, map[string]int{"T": 1}},
	"L":       {0.001, map[string]int{"L": 3}},
	"l":       {0.001, map[string]int{"L": 3}},
	"mol":     {6.0221367e23, nil},
	"eq":      {6.0221367e23, nil},
	"K":       {1, map[string]int{"K": 1}},
	"Pa":      {1000, map[string]int{"M": 1, "L": -1, "T": -2}},
	"bar":     {1e8, map[string]int{"M": 1, "L": -1, "T": -2}},
	"mm[Hg]":  {133322, map[string]int{"M": 1, "L": -1, "T": -2}},
	"[in_i]":  {0.0254, map[string]int{"L": 1}},
	"[ft_i]":  {0.3048, map[string]int{"L": 1}},
	"[lb_av]": {453.59237, map[string]int{"M": 1}},
	"[oz_av]": {28.349523125, map[string]int{"M": 1}},
	"[iU]":    {1, map[string]int{"IU": 1}},
	"[IU]":    {1, map[string]int{"IU": 1}},
	"U":       {1, map[string]int{"U": 1}},
	"kat":     {6.0221367e23, map[string]int{"T": -1}},
	"Hz":      {1, map[string]int{"T": -1}},
	"N":       {1000, map[string]int{"M": 1, "L": 1, "T": -2}},
	"J":       {1000, map[string]int{"M": 1, "L": 2, "T": -2}},
	"cal":     {4184, map[string]int{"M": 1, "L": 2, "T": -2}},
	"W":       {1000, map[string]int{"M": 1, "L": 2, "T": -3}},
	// calendar durations as written in FHIRPath
	"year": {31557600, map[string]int{"T": 1}}, "month": {2629800, map[string]int{"T": 1}},
	"week": {604800, map[string]int{"T": 1}}, "day": {86400, map[string]int{"T": 1}},
	"hour": {3600, map[string]int{"T": 1}}, "minute": {60, map[string]int{"T": 1}},
	"second": {1, map[string]int{"T": 1}}, "millisecond": {0.001, map[string]int{"T": 1}},
}

var ucumPrefixes = map[byte]float64{
	'k': 1e3, 'h': 1e2, 'd': 1e-1, 'c': 1e-2, 'm': 1e-3, 'u': 1e-6, 'n': 1e-9,
	'p': 1e-12, 'f': 1e-15, 'M': 1e6, 'G': 1e9, 'T': 1e12,
}

type canon struct {
	v    float64
	dims string
}

func isCalendar(u string) bool {
	_, ok := calendarUnits[u]
	return ok
}

// canonical converts a quantity to base units.
func canonical(q Quantity) (canon, bool) {
	f, dims, ok := parseUnit(q.Unit)
	if !ok {
		return canon{}, false
	}
	return canon{v: q.Value.V * f, dims: dims}, true
}

func parseUnit(u string) (float64, string, bool) {
	if u == "" {
		u = "1"
	}
	factor := 1.0
	dims := map[string]int{}
	sign := 1
	i := 0
	for i <= len(u) {
		j := i
		depth := 0
		for j < len(u) && (depth > 0 || (u[j] != '.' && u[j] != '/')) {
			switch u[j] {
			case '[', '{':
				depth++
			case ']', '}':
				depth--
			}
			j++
		}
		f, d, ok := parseComponent(u[i:j])
		if !ok {
			return 0, "", false
		}
		factor *= math.Pow(f, float64(sign))
		for k, e := range d {
			dims[k] += e * sign
		}
		if j >= len(u) {
			break
		}
		if u[j] == '/' {
			sign = -1
		} else {
			sign = 1
		}
		i = j + 1
	}
	keys := make([]string, 0, len(dims))
	for k, e := range dims {
		if e != 0 {
			keys = append(keys, k+strconv.Itoa(e))
		}
	}
	sort.Strings(keys)
	return factor, strings.Join(keys, "."), true
}

func parseComponent(c string) (float64, map[string]int, bool) {
	if c == "" {
		return 1, nil, true
	}
	// annotations {..} are dimensionless
	if b := strings.IndexByte(c, '{'); b >= 0 {
		e := strings.IndexByte(c, '}')
		if e < b {
			return 0, nil, false
		}
		c = c[:b] + c[e+1:]
		if c == "" {
			return 1, nil, true
		}
	}
	if strings.HasPrefix(c, "10*") || strings.HasPrefix(c, "10^") {
		n, err := strconv.Atoi(c[3:])
		if err != nil {
			return 0, nil, false
		}
		return math.Pow(10, float64(n)), nil, true
	}
	if n, err := strconv.ParseFloat(c, 64); err == nil {
		return n, nil, true
	}
	// trailing exponent: m2, s-1
	exp := 1
	k := len(c)
	for k > 0 && (isDigit(c[k-1]) || c[k-1] == '-' || c[k-1] == '+') && c[k-1] != ']' {
		k--
	}
	if k < len(c) && k > 0 {
		n, err := strconv.Atoi(c[k:])
		if err != nil {
			return 0, nil, false
		}
		exp = n
		c = c[:k]
	}
	atom, ok := ucumAtoms[c]
	f := 1.0
	if !ok && len(c) > 1 {
		if p, isPrefix := ucumPrefixes[c[0]]; isPrefix {
			if a, found := ucumAtoms[c[1:]]; found && !isCalendar(c[1:]) {
				atom, ok, f = a, true, p
			}
		}
		if !ok && strings.HasPrefix(c, "da") {
			if a, found := ucumAtoms[c[2:]]; found {
				atom, ok, f = a, true, 10
			}
		}
	}
	if !ok {
		return 0, nil, false
	}
	dims := map[string]int{}
	for d, e := range atom.dims {
		dims[d] = e * exp
	}
	return math.Pow(atom.factor*f, float64(exp)), dims, true
}

// compareQuantity orders two quantities with convertible units. Calendar
// durations of a year or a month are not comparable with UCUM 'a' and 'mo'
// (their lengths vary), but weeks and below are.
func compareQuantity(a, b Quantity) (int, bool) {
	if a.Unit == b.Unit {
		return cmpFloat(a.Value.V, b.Value.V), true
	}
	if calendarMismatch(a.Unit, b.Unit) {
		return 0, false
	}
	ca, okA := canonical(a)
	cb, okB := canonical(b)
	if !okA || !okB || ca.dims != cb.dims {
		return 0, false
	}
	return cmpFloat(ca.v, cb.v), true
}

func calendarMismatch(a, b string) bool {
	big := func(u string) bool { return u == "year" || u == "month" || u == "a" || u == "mo" }
	return (isCalendar(a) != isCalendar(b)) && (big(a) || big(b))
}

func cmpFloat(a, b float64) int {
	switch {
	case floatEq(a, b):
		return 0
	case a < b:
		return -1
	}
	return 1
}

// convertQuantity expresses q in unit.
func convertQuantity(q Quantity, unit string) (Quantity, bool) {
	if q.Unit == unit {
		return q, true
	}
	c, ok := canonical(q)
	if !ok {
		return q, false
	}
	f, dims, ok := parseUnit(unit)
	if !ok || dims != c.dims {
		return q, false
	}
	return Quantity{Value: Decimal{V: c.v / f, Scale: q.Value.Scale}, Unit: unit}, true
}
