package fhir

import (
	"strconv"
	"strings"
	"sync"
)

// Document is one parsed source document (a file, or one NDJSON line). It keeps
// the raw bytes so that a path→line index can be built the first time a finding
// asks for a line: clean records never pay for it.
type Document struct {
	raw      []byte
	baseLine int
	once     sync.Once
	lines    map[string]int
}

// NewDocument wraps raw JSON whose first byte sits on line baseLine of its file.
func NewDocument(raw []byte, baseLine int) *Document {
	return &Document{raw: raw, baseLine: baseLine}
}

// Locator returns a locator for the resource found at docPath inside the document
// ("" for the root, "entry[3].resource" for a Bundle entry). Record paths start
// with the resource type ("Patient.name[0]"); the type is replaced by docPath.
func (d *Document) Locator(docPath string) *Locator {
	return &Locator{doc: d, prefix: docPath}
}

// Locator maps a record-relative FHIRPath-style path to a line.
type Locator struct {
	doc    *Document
	prefix string
}

// Line returns the line of path, of its nearest located ancestor, or 0.
func (l *Locator) Line(path string) int {
	d := l.doc
	d.once.Do(d.index)
	rel := path
	if i := strings.IndexAny(path, ".["); i >= 0 {
		rel = path[i:]
	} else {
		rel = ""
	}
	rel = strings.TrimPrefix(rel, ".")
	for {
		key := joinPath(l.prefix, rel)
		if line, ok := d.lines[key]; ok {
			return line
		}
		if rel == "" {
			return 0
		}
		rel = parentPath(rel)
	}
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case b[0] == '[':
		return a + b
	}
	return a + "." + b
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// index scans the raw JSON once, recording the line where each element starts.
// Paths have no resource type: "name[0].given[1]". FHIR's "_element" siblings
// (primitive extensions) are indexed under the element's own name when it is
// absent.
func (d *Document) index() {
	d.lines = map[string]int{}
	s := scanner{data: d.raw, line: d.baseLine, lines: d.lines}
	s.value("")
}

type scanner struct {
	data  []byte
	pos   int
	line  int
	lines map[string]int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return
		}
		s.pos++
	}
}

func (s *scanner) value(path string) {
	s.ws()
	if s.pos >= len(s.data) {
		return
	}
	if _, seen := s.lines[path]; !seen {
		s.lines[path] = s.line
	}
	switch s.data[s.pos] {
	case '{':
		s.pos++
		for {
			s.ws()
			if s.pos >= len(s.data) {
				return
			}
			if s.data[s.pos] == '}' {
				s.pos++
				return
			}
			if s.data[s.pos] == ',' {
				s.pos++
				continue
			}
			if s.data[s.pos] != '"' {
				return // malformed: stop indexing, what we have stays useful
			}
			key := s.str()
			s.ws()
			if s.pos < len(s.data) && s.data[s.pos] == ':' {
				s.pos++
			}
			name := strings.TrimPrefix(key, "_")
			s.value(joinPath(path, name))
		}
	case '[':
		s.pos++
		for i := 0; ; {
			s.ws()
			if s.pos >= len(s.data) {
				return
			}
			switch s.data[s.pos] {
			case ']':
				s.pos++
				return
			case ',':
				s.pos++
				i++
				continue
			}
			start := s.pos
			s.value(path + "[" + strconv.Itoa(i) + "]")
			if s.pos == start {
				return
			}
		}
	case '"':
		s.str()
	default:
		for s.pos < len(s.data) {
			c := s.data[s.pos]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				break
			}
			s.pos++
		}
	}
}

// str reads a JSON string starting at the opening quote and returns its raw
// content (escapes are left alone: FHIR element names never need them).
func (s *scanner) str() string {
	s.pos++
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			out := string(s.data[start:s.pos])
			s.pos++
			return out
		case '\n':
			s.line++
		}
		s.pos++
	}
	return string(s.data[start:])
}
