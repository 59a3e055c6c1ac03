package fhirpath

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Decimal is a System.Decimal: a float64 value with the number of digits written
// after the decimal point, which FHIRPath keeps (1.0 and 1.00 print differently
// and 1.0 ~ 1.04 compares at the lesser precision).
type Decimal struct {
	V     float64
	Scale int
}

func (d Decimal) String() string {
	s := strconv.FormatFloat(d.V, 'f', -1, 64)
	if d.Scale <= 0 {
		return s
	}
	dot := strings.IndexByte(s, '.')
	have := 0
	if dot < 0 {
		s += "."
	} else {
		have = len(s) - dot - 1
	}
	if have < d.Scale {
		s += strings.Repeat("0", d.Scale-have)
	}
	return s
}

// Quantity is a System.Quantity: a decimal value with a UCUM unit or a calendar
// duration keyword (year, month, week, day, hour, minute, second, millisecond).
type Quantity struct {
	Value Decimal
	Unit  string
}

func (q Quantity) String() string {
	if _, ok := calendarUnits[q.Unit]; ok {
		return q.Value.String() + " " + q.Unit
	}
	return q.Value.String() + " '" + q.Unit + "'"
}

func parseNumberLiteral(text string) (any, error) {
	if !strings.Contains(text, ".") {
		n, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			return n, nil
		}
	}
	return parseDecimal(text)
}

func parseDecimal(text string) (Decimal, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Decimal{}, fmt.Errorf("bad number %q", text)
	}
	scale := 0
	if i := strings.IndexByte(text, '.'); i >= 0 {
		scale = len(text) - i - 1
		if e := strings.IndexAny(text, "eE"); e > i {
			scale = e - i - 1
		}
	}
	return Decimal{V: f, Scale: scale}, nil
}

func toDecimal(v any) Decimal {
	switch n := v.(type) {
	case int64:
		return Decimal{V: float64(n)}
	case Decimal:
		return n
	}
	return Decimal{}
}

// fromNumber converts a FHIR JSON number.
func fromNumber(n json.Number, integer bool) (any, bool) {
	s := string(n)
	if integer || !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, true
		}
	}
	d, err := parseDecimal(s)
	return d, err == nil
}

// Temporal kinds.
const (
	KindDate = iota + 1
	KindDateTime
	KindTime
)

// Precisions of a temporal value, coarsest first. Milliseconds compare at the
// precision of seconds (FHIRPath treats them as one precision).
const (
	PrecYear = iota + 1
	PrecMonth
	PrecDay
	PrecHour
	PrecMinute
	PrecSecond
	PrecMillis
)

// Temporal is a System.Date, System.DateTime or System.Time with its precision
// and, when given, its time-zone offset.
type Temporal struct {
	Kind                              int
	Prec                              int
	Year, Month, Day                  int
	Hour, Minute, Second, Millisecond int
	HasTZ                             bool
	TZMinutes                         int
	text                              string
}

func (t Temporal) String() string {
	if t.text != "" {
		return t.text
	}
	return t.format()
}

func (t Temporal) format() string {
	var b strings.Builder
	if t.Kind != KindTime {
		fmt.Fprintf(&b, "%04d", t.Year)
		if t.Prec >= PrecMonth {
			fmt.Fprintf(&b, "-%02d", t.Month)
		}
		if t.Prec >= PrecDay {
			fmt.Fprintf(&b, "-%02d", t.Day)
		}
		if t.Kind == KindDate || t.Prec <= PrecDay {
			return b.String()
		}
		b.WriteByte('T')
	}
	fmt.Fprintf(&b, "%02d", t.Hour)
	if t.Prec >= PrecMinute {
		fmt.Fprintf(&b, ":%02d", t.Minute)
	}
	if t.Prec >= PrecSecond {
		fmt.Fprintf(&b, ":%02d", t.Second)
	}
	if t.Prec >= PrecMillis {
		fmt.Fprintf(&b, ".%03d", t.Millisecond)
	}
	if t.Kind == KindDateTime && t.HasTZ {
		if t.TZMinutes == 0 {
			b.WriteString("Z")
		} else {
			m := t.TZMinutes
			sign := '+'
			if m < 0 {
				sign, m = '-', -m
			}
			fmt.Fprintf(&b, "%c%02d:%02d", sign, m/60, m%60)
		}
	}
	return b.String()
}

// parseTemporalLiteral parses the text of an @ literal.
func parseTemporalLiteral(s string) (Temporal, error) {
	if strings.HasPrefix(s, "T") {
		t, ok := parseTime(s[1:])
		if !ok {
			return t, fmt.Errorf("bad time literal @%s", s)
		}
		return t, nil
	}
	t, ok := parseDateTime(s, true)
	if !ok {
		return t, fmt.Errorf("bad date/time literal @%s", s)
	}
	return t, nil
}

// parseDateTime parses a FHIR date or dateTime (literal: also accepts "2015T").
// A value without a time part is a Date unless it ends with "T".
func parseDateTime(s string, literal bool) (Temporal, bool) {
	var t Temporal
	t.Kind = KindDate
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for k := 0; k < n; k++ {
			c := s[i+k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	var ok bool
	if t.Year, ok = num(4); !ok {
		return t, false
	}
	t.Prec = PrecYear
	if i < len(s) && s[i] == '-' {
		i++
		if t.Month, ok = num(2); !ok || t.Month < 1 || t.Month > 12 {
			return t, false
		}
		t.Prec = PrecMonth
		if i < len(s) && s[i] == '-' {
			i++
			if t.Day, ok = num(2); !ok || t.Day < 1 || t.Day > daysIn(t.Year, t.Month) {
				return t, false
			}
			t.Prec = PrecDay
		}
	}
	if i == len(s) {
		return t, true
	}
	if s[i] != 'T' {
		return t, false
	}
	i++
	t.Kind = KindDateTime
	if i == len(s) {
		return t, literal
	}
	if t.Prec != PrecDay {
		return t, false
	}
	rest := s[i:]
	tz := strings.IndexAny(rest, "Z+-")
	clock := rest
	if tz >= 0 {
		clock = rest[:tz]
	}
	tm, ok := parseTime(clock)
	if !ok {
		return t, false
	}
	t.Hour, t.Minute, t.Second, t.Millisecond, t.Prec = tm.Hour, tm.Minute, tm.Second, tm.Millisecond, tm.Prec
	if tz >= 0 {
		z := rest[tz:]
		if z == "Z" {
			t.HasTZ = true
		} else {
			if len(z) != 6 || z[3] != ':' {
				return t, false
			}
			h, err1 := strconv.Atoi(z[1:3])
			m, err2 := strconv.Atoi(z[4:6])
			if err1 != nil || err2 != nil || h > 14 || m > 59 {
				return t, false
			}
			t.HasTZ = true
			t.TZMinutes = h*60 + m
			if z[0] == '-' {
				t.TZMinutes = -t.TZMinutes
			}
		}
	}
	return t, true
}

func parseTime(s string) (Temporal, bool) {
	t := Temporal{Kind: KindTime}
	parts := strings.Split(s, ":")
	if len(parts) > 3 || len(parts) == 0 {
		return t, false
	}
	two := func(p string, max int) (int, bool) {
		if len(p) != 2 || !isDigit(p[0]) || !isDigit(p[1]) {
			return 0, false
		}
		v := int(p[0]-'0')*10 + int(p[1]-'0')
		return v, v <= max
	}
	var ok bool
	if t.Hour, ok = two(parts[0], 23); !ok {
		return t, false
	}
	t.Prec = PrecHour
	if len(parts) > 1 {
		if t.Minute, ok = two(parts[1], 59); !ok {
			return t, false
		}
		t.Prec = PrecMinute
	}
	if len(parts) > 2 {
		sec := parts[2]
		frac := ""
		if d := strings.IndexByte(sec, '.'); d >= 0 {
			sec, frac = sec[:d], sec[d+1:]
			if frac == "" {
				return t, false
			}
		}
		if t.Second, ok = two(sec, 60); !ok {
			return t, false
		}
		t.Prec = PrecSecond
		if frac != "" {
			for _, c := range []byte(frac) {
				if !isDigit(c) {
					return t, false
				}
			}
			for len(frac) < 3 {
				frac += "0"
			}
			t.Millisecond, _ = strconv.Atoi(frac[:3])
			t.Prec = PrecMillis
		}
	}
	return t, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// fromTime converts a Go time at a precision.
func fromTime(tm time.Time, kind, prec int) Temporal {
	_, off := tm.Zone()
	return Temporal{Kind: kind, Prec: prec, Year: tm.Year(), Month: int(tm.Month()), Day: tm.Day(),
		Hour: tm.Hour(), Minute: tm.Minute(), Second: tm.Second(), Millisecond: tm.Nanosecond() / 1e6,
		HasTZ: kind == KindDateTime && prec > PrecDay, TZMinutes: off / 60}
}

// goTime returns the instant of t, filling missing parts with their minimum; a
// value without a zone is taken as UTC.
func (t Temporal) goTime() time.Time {
	month, day := t.Month, t.Day
	if month == 0 {
		month = 1
	}
	if day == 0 {
		day = 1
	}
	loc := time.UTC
	if t.HasTZ && t.TZMinutes != 0 {
		loc = time.FixedZone("", t.TZMinutes*60)
	}
	return time.Date(t.Year, time.Month(month), day, t.Hour, t.Minute, t.Second, t.Millisecond*1e6, loc)
}

// normalized returns t shifted to UTC when it carries a zone and has a time.
func (t Temporal) normalized() Temporal {
	if !t.HasTZ || t.TZMinutes == 0 || t.Kind != KindDateTime || t.Prec < PrecHour {
		return t
	}
	u := t.goTime().UTC()
	n := fromTime(u, t.Kind, t.Prec)
	n.HasTZ = true
	return n
}

// compareTemporal returns -1, 0 or 1, or ok=false when the answer depends on
// precision one of the values does not have.
func compareTemporal(a, b Temporal) (int, bool) {
	if (a.Kind == KindTime) != (b.Kind == KindTime) {
		return 0, false
	}
	if a.HasTZ != b.HasTZ && a.Kind == KindDateTime && b.Kind == KindDateTime && a.Prec > PrecDay && b.Prec > PrecDay {
		// one side has no zone: which instant it means is unknown
		return 0, false
	}
	a, b = a.normalized(), b.normalized()
	pa, pb := a.Prec, b.Prec
	if pa == PrecMillis {
		pa = PrecSecond
	}
	if pb == PrecMillis {
		pb = PrecSecond
	}
	common := min(pa, pb)
	fields := func(t Temporal) [7]int {
		return [7]int{t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second*1000 + t.Millisecond, 0}
	}
	fa, fb := fields(a), fields(b)
	start := PrecYear
	if a.Kind == KindTime {
		start = PrecHour
	}
	for p := start; p <= common; p++ {
		if fa[p-1] != fb[p-1] {
			if fa[p-1] < fb[p-1] {
				return -1, true
			}
			return 1, true
		}
	}
	if pa != pb {
		return 0, false
	}
	return 0, true
}

// addDuration adds a calendar quantity to a temporal value.
func addDuration(t Temporal, q Quantity, sign int) (Temporal, error) {
	unit := q.Unit
	switch unit {
	case "wk":
		unit = "week"
	case "d":
		unit = "day"
	case "h":
		unit = "hour"
	case "min":
		unit = "minute"
	case "s":
		unit = "second"
	case "ms":
		unit = "millisecond"
	}
	n := int(q.Value.V) * sign
	tm := t.goTime()
	switch unit {
	case "year", "month":
		// calendar arithmetic: the day is kept, or clamped to the month's end
		months := n
		if unit == "year" {
			months = 12 * n
		}
		y, m := tm.Year(), int(tm.Month())-1+months
		y += m / 12
		if m %= 12; m < 0 {
			m += 12
			y--
		}
		d := min(tm.Day(), daysIn(y, m+1))
		tm = time.Date(y, time.Month(m+1), d, tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), tm.Location())
	case "week":
		tm = tm.AddDate(0, 0, 7*n)
	case "day":
		tm = tm.AddDate(0, 0, n)
	case "hour":
		tm = tm.Add(time.Duration(n) * time.Hour)
	case "minute":
		tm = tm.Add(time.Duration(n) * time.Minute)
	case "second":
		tm = tm.Add(time.Duration(n) * time.Second) // fractions of a second are ignored
	case "millisecond":
		tm = tm.Add(time.Duration(n) * time.Millisecond)
	default:
		return t, errf("cannot add %s to a date/time: not a calendar duration", q)
	}
	out := fromTime(tm, t.Kind, t.Prec)
	out.HasTZ, out.TZMinutes = t.HasTZ, t.TZMinutes
	if t.Kind == KindTime {
		out.Year, out.Month, out.Day = 0, 0, 0
	}
	return out, nil
}
