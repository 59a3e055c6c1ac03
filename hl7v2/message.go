// Package hl7v2 reads HL7 v2 messages in their pipe-delimited (ER7) encoding.
// The reader is tolerant: it always produces a message, keeps every segment in
// the order it came, and records each deviation from the standard (byte-order
// mark, LF line ends, bad encoding characters, batch counts that do not add
// up) as an Issue with its line and path, for validators to report. Values
// stay escaped and unsplit until asked for, so reading is cheap and a
// validator walks exactly the parts it needs.
package hl7v2

import (
	"strconv"
	"strings"

	"github.com/carecert/carecert/model"
)

// Delimiters are a message's separators, taken from MSH-1 and MSH-2.
type Delimiters struct {
	Field, Component, Repetition, Escape, Subcomponent byte
	// Truncation is the v2.7+ truncation character, 0 when absent.
	Truncation byte
}

// DefaultDelimiters are |^~\& .
func DefaultDelimiters() Delimiters {
	return Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}
}

// Issue is a deviation the reader found. Validators turn issues into findings.
type Issue struct {
	Severity model.Severity
	// Code is stable: "parse.bom", "parse.segment-terminator", ...
	Code    string
	Line    int
	Path    string
	Message string
	// Evidence is an excerpt of the offending bytes, when useful.
	Evidence string
}

// Segment is one segment of a message.
type Segment struct {
	// Name is the segment id as written ("PID", "ZU1").
	Name string
	// Line is the segment's line in its source, from 1.
	Line int
	// Seq is the occurrence of this segment id in its message, from 1: the
	// n of "PID[n]" in paths.
	Seq int
	// Fields holds the raw (escaped) fields: Fields[0] is the name and
	// Fields[n] is field n. For MSH, FHS and BHS, Fields[1] is the field
	// separator itself and Fields[2] the encoding characters, as the
	// standard numbers them.
	Fields []string
}

// Field returns raw field n (1-based), or "" when absent.
func (s *Segment) Field(n int) string {
	if n <= 0 || n >= len(s.Fields) {
		return ""
	}
	return s.Fields[n]
}

// FieldCount is the number of the last field present.
func (s *Segment) FieldCount() int { return len(s.Fields) - 1 }

// Path is the segment's path: "PID[1]".
func (s *Segment) Path() string { return s.Name + "[" + strconv.Itoa(s.Seq) + "]" }

// Message is one HL7 v2 message as read, or one batch envelope segment (FHS,
// BHS, BTS, FTS) when Envelope is set.
type Message struct {
	// Index is the message's position in its source, from 0 (envelope segments
	// and header-less fragments count too, so indexes follow the file).
	Index int
	// Line is the line of the first segment.
	Line     int
	Delims   Delimiters
	Segments []Segment
	Issues   []Issue
	Envelope bool
	// Headless is set when the segments came before any MSH: they are kept as
	// a fragment so that nothing is lost, and the reader reports them.
	Headless bool
	// Size is the number of bytes the message took in its source (in the
	// decoded text, for a stream the reader decoded).
	Size int
	// Encoding is how its stream's bytes carry characters (the same for
	// every message of a stream): MSH-18 is judged against it.
	Encoding Encoding

	// memo holds work validators share on this message; see Memo.
	memo map[any]any
	// byName indexes Segments by id for Segment and Count in a message of
	// more than indexFrom segments: a finding's line is looked up by path,
	// and a scan per look-up made a message of n segments with a finding on
	// each cost n² (issue 20). The scanner builds it as it completes the
	// message, so reading never writes; a message assembled otherwise gets
	// it on first use (indexed != len(Segments)), under Memo's rule.
	byName  map[string][]int32
	indexed int
}

// indexFrom is the size above which a message indexes its segments by id;
// below it a scan is cheaper than the map.
const indexFrom = 32

// Memo returns the value validators stored on the message under key, so
// that checks which need the same walk of a message do it once. A message is
// checked by one goroutine at a time (the runner hands a record to one
// worker), so the memo takes no lock.
func (m *Message) Memo(key any) (any, bool) {
	v, ok := m.memo[key]
	return v, ok
}

// SetMemo stores a value under key; see Memo.
func (m *Message) SetMemo(key, v any) {
	if m.memo == nil {
		m.memo = make(map[any]any, 2)
	}
	m.memo[key] = v
}

// Header is the MSH (or, for an envelope, its only segment); nil when absent.
func (m *Message) Header() *Segment {
	if len(m.Segments) == 0 || (m.Segments[0].Name != "MSH" && !m.Envelope) {
		return nil
	}
	return &m.Segments[0]
}

func (m *Message) header(n int) string {
	if h := m.Header(); h != nil {
		return h.Field(n)
	}
	return ""
}

// FirstComponent returns component c (1-based) of the first repetition of a raw
// field value, still escaped.
func (d Delimiters) FirstComponent(value string, c int) string {
	if i := strings.IndexByte(value, d.Repetition); i >= 0 {
		value = value[:i]
	}
	return Part(value, d.Component, c)
}

// Part returns the n-th (1-based) part of s split at sep: a component of a
// field, a subcomponent of a component; "" when s has fewer parts.
func Part(s string, sep byte, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(s, sep)
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, sep); j >= 0 {
		return s[:j]
	}
	return s
}

// Charset is the character set MSH-18 declares for the message: its first
// repetition (the default set), unescaped, as written, as a code of table
// 0211 is read ("" when none, which is ASCII). No version's 0211 has an
// alias, so "UTF-8" names no set.
func (m *Message) Charset() string {
	return m.Delims.Unescape(Part(m.header(18), m.Delims.Repetition, 1))
}

// Version is MSH-12.1 as written ("2.4").
func (m *Message) Version() string {
	return strings.TrimSpace(m.Delims.FirstComponent(m.header(12), 1))
}

// Type is MSH-9.1, the message type ("ADT").
func (m *Message) Type() string { return m.Delims.FirstComponent(m.header(9), 1) }

// Event is MSH-9.2, the trigger event ("A01").
func (m *Message) Event() string { return m.Delims.FirstComponent(m.header(9), 2) }

// StructureID is MSH-9.3, the message structure when given ("ADT_A01").
func (m *Message) StructureID() string { return m.Delims.FirstComponent(m.header(9), 3) }

// ControlID is MSH-10.
func (m *Message) ControlID() string { return m.header(10) }

// TypeName is "ADT^A01" (or the envelope segment id, or "" without MSH).
func (m *Message) TypeName() string {
	if m.Envelope && len(m.Segments) > 0 {
		return m.Segments[0].Name
	}
	t, e := m.Type(), m.Event()
	if e == "" {
		return t
	}
	return t + "^" + e
}

// Count returns how many segments with the id the message has.
func (m *Message) Count(name string) int {
	if len(m.Segments) > indexFrom {
		return len(m.occurrences(name))
	}
	n := 0
	for i := range m.Segments {
		if m.Segments[i].Name == name {
			n++
		}
	}
	return n
}

// Segment returns occurrence seq (1-based) of the segment id, or nil.
func (m *Message) Segment(name string, seq int) *Segment {
	if len(m.Segments) <= indexFrom {
		for i := range m.Segments {
			if s := &m.Segments[i]; s.Name == name && s.Seq == seq {
				return s
			}
		}
		return nil
	}
	at := m.occurrences(name)
	if seq >= 1 && seq <= len(at) {
		if s := &m.Segments[at[seq-1]]; s.Seq == seq {
			return s
		}
	}
	// A message built by hand may number occurrences otherwise.
	for _, i := range at {
		if s := &m.Segments[i]; s.Seq == seq {
			return s
		}
	}
	return nil
}

// occurrences returns the indexes in Segments of the segments with the id,
// in order.
func (m *Message) occurrences(name string) []int32 {
	if m.byName == nil || m.indexed != len(m.Segments) {
		m.index()
	}
	return m.byName[name]
}

func (m *Message) index() {
	m.byName = make(map[string][]int32, 16)
	for i := range m.Segments {
		n := m.Segments[i].Name
		m.byName[n] = append(m.byName[n], int32(i))
	}
	m.indexed = len(m.Segments)
}

// Locator finds the lines of paths in the message, for model.Record.
func (m *Message) Locator() model.Locator { return locator{m} }

type locator struct{ m *Message }

func (l locator) Line(path string) int { return l.m.LineOf(path) }

// LineOf returns the line of the segment a path names ("PID[1].3[2].5" or
// "PID-3"), or 0.
func (m *Message) LineOf(path string) int {
	name, seq := path, 1
	if i := strings.IndexAny(path, ".-"); i >= 0 {
		name = path[:i]
	}
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		seq, _ = strconv.Atoi(name[i+1 : len(name)-1])
		name = name[:i]
	}
	if s := m.Segment(name, seq); s != nil {
		return s.Line
	}
	return 0
}

// Get returns the raw value at a terse path: "MSH-9", "MSH-9.2", "PID-3[2].1"
// or "PID[2]-3.4.1" (segment occurrence, field repetition, component,
// subcomponent; occurrences and repetitions default to the first).
func (m *Message) Get(path string) string {
	p, ok := ParsePath(path)
	if !ok {
		return ""
	}
	return m.GetPath(p)
}

// GetPath is Get with a path already parsed.
func (m *Message) GetPath(p Path) string {
	s := m.Segment(p.Segment, max(p.Seq, 1))
	if s == nil {
		return ""
	}
	return m.ValueIn(s, p)
}

// ValueIn returns the raw value at p's field, repetition, component and
// subcomponent in segment s, whichever occurrence p names. A header's
// first two fields (its separator and encoding characters) are read whole.
func (m *Message) ValueIn(s *Segment, p Path) string {
	if p.Field <= 2 && (s.Name == "MSH" || s.Name == "FHS" || s.Name == "BHS") {
		return s.Field(p.Field)
	}
	return m.Delims.Value(s.Field(p.Field), max(p.Rep, 1), p.Component, p.Sub)
}

// Value returns repetition rep (1-based) of a raw field, or its component
// comp, or that component's subcomponent sub (0 meaning the whole).
func (d Delimiters) Value(field string, rep, comp, sub int) string {
	v := Part(field, d.Repetition, rep)
	if comp > 0 {
		v = Part(v, d.Component, comp)
		if sub > 0 {
			v = Part(v, d.Subcomponent, sub)
		}
	}
	return v
}

// Path addresses a part of a message: segment, occurrence, field, repetition,
// component and subcomponent (0 when not given).
type Path struct {
	Segment                         string
	Seq, Field, Rep, Component, Sub int
}

// ParsePath reads "PID-3", "PID-3.1", "PID-3[2].4.1" or "PID[2]-3".
func ParsePath(s string) (Path, bool) {
	var p Path
	dash := strings.IndexByte(s, '-')
	if dash < 3 {
		return p, false
	}
	seg := s[:dash]
	if i := strings.IndexByte(seg, '['); i >= 0 {
		if !strings.HasSuffix(seg, "]") {
			return p, false
		}
		n, err := strconv.Atoi(seg[i+1 : len(seg)-1])
		if err != nil || n < 1 {
			return p, false
		}
		p.Seq, seg = n, seg[:i]
	}
	if len(seg) != 3 {
		return p, false
	}
	p.Segment = seg
	rest := s[dash+1:]
	parts := strings.Split(rest, ".")
	if len(parts) > 3 {
		return p, false
	}
	f := parts[0]
	if i := strings.IndexByte(f, '['); i >= 0 {
		if !strings.HasSuffix(f, "]") {
			return p, false
		}
		n, err := strconv.Atoi(f[i+1 : len(f)-1])
		if err != nil || n < 1 {
			return p, false
		}
		p.Rep, f = n, f[:i]
	}
	n, err := strconv.Atoi(f)
	if err != nil || n < 1 {
		return p, false
	}
	p.Field = n
	if len(parts) > 1 {
		if p.Component, err = strconv.Atoi(parts[1]); err != nil || p.Component < 1 {
			return p, false
		}
	}
	if len(parts) > 2 {
		if p.Sub, err = strconv.Atoi(parts[2]); err != nil || p.Sub < 1 {
			return p, false
		}
	}
	return p, true
}

// String writes the path in terse form ("PID-3.1").
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.Segment)
	if p.Seq > 0 {
		b.WriteString("[" + strconv.Itoa(p.Seq) + "]")
	}
	b.WriteString("-" + strconv.Itoa(p.Field))
	if p.Rep > 0 {
		b.WriteString("[" + strconv.Itoa(p.Rep) + "]")
	}
	if p.Component > 0 {
		b.WriteString("." + strconv.Itoa(p.Component))
		if p.Sub > 0 {
			b.WriteString("." + strconv.Itoa(p.Sub))
		}
	}
	return b.String()
}
