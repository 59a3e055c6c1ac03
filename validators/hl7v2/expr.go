package hl7v2

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/carecert/carecert/hl7v2"
)

// The parts of a profile's conditions that compare values, read every
// repetition of a field, or number segments, as NIST's conformance-statement
// expressions (SimpleValue, PathValue, SetID, paths with [*]) define them.
// A comparison of date/times can be undecidable from the message (two values
// of different precision that overlap, or a local time against one with a
// zone), so a condition's outcome has three values; an undecided one is
// reported as such, never as a failure or a pass.

// truth is a condition's outcome.
type truth uint8

const (
	no truth = iota
	yes
	undecided
)

func truthOf(b bool) truth {
	if b {
		return yes
	}
	return no
}

// Comparison compares a value with a constant (value) or with the value at
// another path, as a string (the default), number, date (DT), time (TM) or
// datetime (DTM, TS). Date/times are compared as the spans of time their
// precision gives ("20240101" is the whole day), in their time zones (a
// value without one is in the sender's, MSH-7's when it has one); truncated
// compares both at the coarser precision, identical compares the text.
type Comparison struct {
	Op        string  `json:"op" doc:"eq, ne, lt, le, gt or ge"`
	Value     *string `json:"value,omitempty" doc:"the constant compared with"`
	Path      string  `json:"path,omitempty" doc:"the path whose value is compared with"`
	As        string  `json:"as,omitempty" doc:"string (default), number, date, time or datetime"`
	Truncated bool    `json:"truncated,omitempty" doc:"date/times compared at the coarser precision"`
	Identical bool    `json:"identical,omitempty" doc:"compares the text of date/times"`

	other *Condition
}

func (c *Comparison) compile() error {
	if err := checkOp(c.Op); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	switch c.As {
	case "", "string", "number", "date", "time", "datetime":
	default:
		return fmt.Errorf("compare: as %q: want string, number, date, time or datetime", c.As)
	}
	if (c.Value == nil) == (c.Path == "") {
		return fmt.Errorf("compare: give one of value or path")
	}
	if c.Path != "" {
		p, ok := hl7v2.ParsePath(c.Path)
		if !ok {
			return fmt.Errorf("compare: path %q is not a terse path like PID-7", c.Path)
		}
		c.other = &Condition{path: p}
	}
	return nil
}

// eval compares v (present) with the constant or the other path's value; an
// absent or null other value fails the comparison, as a value that does not
// have the comparison's form does.
func (c *Comparison) eval(m *hl7v2.Message, at *place, v string) truth {
	w := ""
	if c.Value != nil {
		w = *c.Value
	} else if raw := c.other.read(m, at); !isNull(raw) {
		w = m.Delims.Unescape(raw)
	}
	if w == "" {
		return no
	}
	if c.Identical {
		return truthOf(order(c.Op, strings.Compare(v, w)))
	}
	switch c.As {
	case "number":
		x, ok1 := numberOf(v)
		y, ok2 := numberOf(w)
		if !ok1 || !ok2 {
			return no
		}
		return truthOf(order(c.Op, cmp.Compare(x, y)))
	case "date", "time", "datetime":
		a, ok1 := spanOf(c.As, v)
		b, ok2 := spanOf(c.As, w)
		if !ok1 || !ok2 {
			return no
		}
		if !a.zoned || !b.zoned {
			zone, zoned := senderZone(m)
			a, b = a.in(zone, zoned), b.in(zone, zoned)
		}
		if c.Truncated {
			a, b = truncate(a, b)
		}
		return a.compare(c.Op, b)
	}
	return truthOf(order(c.Op, strings.Compare(v, w)))
}

// checkOp refuses an operator order does not know.
func checkOp(op string) error {
	switch op {
	case "eq", "ne", "lt", "le", "gt", "ge":
		return nil
	}
	return fmt.Errorf("op %q: want eq, ne, lt, le, gt or ge", op)
}

// order applies op (checked by checkOp) to a three-way comparison's result.
func order(op string, cmp int) bool {
	switch op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	case "gt":
		return cmp > 0
	}
	return cmp >= 0
}

// span is the time a DT, TM or DTM value stands for: from its start, as
// long as its precision. Without a zone it is local time: from reads it
// as UTC and zoned is false until in gives it the sender's zone.
type span struct {
	from   time.Time
	digits int // how many digits it was given with: its precision
	zoned  bool
	offset int // seconds east of UTC, when zoned
}

// spanOf reads v as kind's lexical form; ok is false when it is not one.
// A time of day (TM) is placed on one arbitrary day, the same for every
// value, so times compare as times.
func spanOf(kind, v string) (span, bool) {
	v = strings.TrimSpace(v)
	var s span
	if i := strings.LastIndexAny(v, "+-"); i > 0 {
		z := v[i+1:]
		if len(z) != 4 || !digits(z) {
			return s, false
		}
		s.zoned = true
		s.offset = (num(z[:2])*60 + num(z[2:])) * 60
		if v[i] == '-' {
			s.offset = -s.offset
		}
		v = v[:i]
	}
	frac := ""
	if i := strings.IndexByte(v, '.'); i >= 0 {
		v, frac = v[:i], v[i+1:]
		if frac == "" || len(frac) > 4 || !digits(frac) {
			return s, false
		}
	}
	if kind == "time" {
		v = "20000101" + v
	}
	if !digits(v) || len(v) < 4 || len(v)%2 != 0 || len(v) > 14 || frac != "" && len(v) != 14 {
		return s, false
	}
	if kind == "date" && (len(v) > 8 || s.zoned || frac != "") {
		return s, false
	}
	if checkDateParts(v[:min(len(v), 8)]) != "" {
		return s, false
	}
	part := func(from, to, def int) int {
		if len(v) >= to {
			return num(v[from:to])
		}
		return def
	}
	h, mi, sec := part(8, 10, 0), part(10, 12, 0), part(12, 14, 0)
	if h > 23 || mi > 59 || sec > 59 {
		return s, false
	}
	ns := 0
	if frac != "" {
		ns = num(frac) * pow10(9-len(frac))
	}
	s.from = time.Date(part(0, 4, 0), time.Month(part(4, 6, 1)), part(6, 8, 1), h, mi, sec, ns, time.UTC)
	s.digits = len(v) + len(frac)
	if s.zoned {
		s.from = s.from.Add(-time.Duration(s.offset) * time.Second)
	}
	return s, true
}

func pow10(n int) int {
	p := 1
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// until is the end of the span.
func (s span) until() time.Time {
	switch {
	case s.digits == 4:
		return s.from.AddDate(1, 0, 0)
	case s.digits == 6:
		return s.from.AddDate(0, 1, 0)
	case s.digits == 8:
		return s.from.AddDate(0, 0, 1)
	}
	return s.from.Add(unit(s.digits))
}

// senderZone is the zone of MSH-7 (the sender's, which values without one
// are in), if it has one. It is read only when a local time needs it: a
// comparison costs two span readings already, and keeping the zone per
// message would take a context through every condition.
func senderZone(m *hl7v2.Message) (offset int, ok bool) {
	msh := m.Segment("MSH", 1)
	if msh == nil {
		return 0, false
	}
	s, ok := spanOf("datetime", m.Delims.Value(msh.Field(7), 1, 1, 0))
	if !ok || !s.zoned {
		return 0, false
	}
	return s.offset, true
}

// in places a local span in the sender's zone when it is known.
func (s span) in(offset int, known bool) span {
	if s.zoned || !known {
		return s
	}
	s.zoned, s.offset = true, offset
	s.from = s.from.Add(-time.Duration(offset) * time.Second)
	return s
}

// truncate cuts the more precise span to the other's precision, read on
// the other's clock (its zone).
func truncate(a, b span) (span, span) {
	cut := func(x span, digits, offset int) span {
		shift := time.Duration(offset) * time.Second
		t := x.from.Add(shift) // the wall clock in the other's zone
		switch digits {
		case 4:
			t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		case 6:
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		case 8:
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		default:
			t = t.Truncate(unit(digits))
		}
		x.from, x.digits, x.offset = t.Add(-shift), digits, offset
		return x
	}
	switch {
	case a.zoned != b.zoned:
		return a, b // a local time and a zoned one: compared as spans
	case a.digits > b.digits:
		a = cut(a, b.digits, b.offset)
	case b.digits > a.digits:
		b = cut(b, a.digits, a.offset)
	}
	return a, b
}

// unit is the length of the last digit of a time given with digits digits
// (10 or more: hours and below).
func unit(digits int) time.Duration {
	if digits <= 14 {
		return []time.Duration{time.Hour, time.Minute, time.Second}[(digits-10)/2]
	}
	return time.Duration(pow10(9 - (digits - 14)))
}

// compare decides op between two spans: certain when they are the same span
// or do not overlap, undecided when they overlap otherwise. A zoned span
// against a local one (sender's zone unknown) may be anywhere from 14 hours
// before to 12 hours after its local reading.
func (a span) compare(op string, b span) truth {
	af, au, bf, bu := a.from, a.until(), b.from, b.until()
	if a.zoned != b.zoned {
		local := &af
		localEnd := &au
		if a.zoned {
			local, localEnd = &bf, &bu
		}
		*local = local.Add(-14 * time.Hour)
		*localEnd = localEnd.Add(12 * time.Hour)
	} else if af.Equal(bf) && au.Equal(bu) {
		return truthOf(order(op, 0))
	}
	switch {
	case !au.After(bf):
		return truthOf(order(op, -1))
	case !bu.After(af):
		return truthOf(order(op, 1))
	}
	return undecided
}
