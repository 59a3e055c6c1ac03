package fhir

import (
	"github.com/carecert/carecert/internal/lineindex"
	"strconv"
	"strings"
)

// Document is one parsed JSON source document (a file, or one NDJSON line)
// whose path→line index is built on the first request.
type Document = lineindex.Document

// NewDocument wraps raw JSON whose first byte sits on line baseLine of its file.
func NewDocument(raw []byte, baseLine int) *Document {
	return lineindex.New(raw, baseLine, jsonLines)
}

func joinPath(a, b string) string { return lineindex.Join(a, b) }

// jsonLines scans raw JSON once, recording the line where each element starts.
// Paths have no resource type: "name[0].given[1]". FHIR's "_element" siblings
// (primitive extensions) are indexed under the element's own name when it is
// absent.
func jsonLines(raw []byte) map[string]int {
	lines := map[string]int{}
	s := scanner{data: raw, line: 1, lines: lines}
	s.value("")
	return lines
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
