package fhir

import (
	"bytes"
	"slices"

	"github.com/carecert/carecert/internal/lineindex"
)

// Document is one parsed JSON source document (a file, or one NDJSON line)
// whose path→line index is built on the first request.
type Document = lineindex.Document

// NewDocument wraps raw JSON whose first byte sits on line baseLine of its file.
func NewDocument(raw []byte, baseLine int) *Document {
	return lineindex.New(raw, baseLine, jsonLines)
}

func joinPath(a, b string) string { return lineindex.Join(a, b) }

// jsonLines scans raw JSON once, recording each value's line and extent in
// document order. A path is then found by walking this list, so a large
// Bundle costs one small entry per value rather than one string per path in
// a map (which was most of reading a Bundle when findings asked for lines).
//
// Paths have no resource type: "name[0].given[1]". FHIR's "_element"
// siblings (primitive extensions) are found under the element's own name;
// where two values have the same path (an element and its "_element", a
// repeated key) the first in the document is the one located.
func jsonLines(raw []byte) lineindex.Index {
	// A value takes about 64 bytes of a pretty-printed Bundle and 30-40 of
	// a compact record: room for one per 48 bytes saves most of growing
	// the list by doubling, at most one growth past it. A Bundle lists few
	// of its values (its entries are deferred), so it gets the room of a
	// record or two and what it lists is copied to its size at the end.
	s := lineScanner{data: raw, line: 1, nodes: make([]jsonNode, 0, min(len(raw)/48, 1<<12)+16)}
	s.value(noKey, 0)
	if cap(s.nodes) > 2*len(s.nodes)+1024 {
		s.nodes = slices.Clone(s.nodes)
	}
	return &jsonIndex{raw: raw, nodes: s.nodes, items: s.items, deferred: s.deferred}
}

// jsonIndex is a document's values in document order.
type jsonIndex struct {
	raw   []byte
	nodes []jsonNode
	// items holds, for each long array, its items' nodes in order: a
	// Bundle's entries are each located, and stepping through the entries
	// before each one would cost the square of their number.
	items map[int32][]int32
	// deferred are the Bundle's entries listed by where they start alone,
	// in node order: the values inside an entry are listed again, from
	// its bytes, only when a path inside it is asked. Listing every value
	// of a Bundle took 16 bytes a value, about a third of the Bundle's own
	// size, for lines that only findings ask for (and then only a few).
	deferred []deferredItem
}

// deferredItem is an entry of a Bundle whose values were not listed: where
// the scanner stood (offset and line) when it began to read it.
type deferredItem struct {
	node, pos, line int32
}

// maxDeferred is the size from which a Bundle entry's values are listed
// with the document's, so that no path asked costs a scan of more than
// this: a finding in an entry of megabytes does not scan it again.
const maxDeferred = 64 << 10

// longArray is the length from which an array's items are indexed.
const longArray = 32

// jsonNode is one value: where it starts and where its subtree ends. A
// document is at most MaxDocument bytes, so offsets fit 32 bits.
type jsonNode struct {
	line int32
	// next is the index of the first node after this value's subtree.
	next int32
	// keyStart and keyEnd bound the raw member name of an object's member;
	// for an array's item keyStart is noKey and keyEnd the item's index.
	keyStart, keyEnd int32
}

// noKey marks a node that is no object's member: an array item or the root.
const noKey = -1

// Line finds the first value in document order whose path is path.
func (x *jsonIndex) Line(path string) (int, bool) {
	if len(x.nodes) == 0 {
		return 0, false
	}
	return x.find(0, true, path)
}

// find searches node n's subtree for rest, the part of the path after n's
// own; atRoot says n's own path is "" (where a member's name is joined
// without a dot).
func (x *jsonIndex) find(n int32, atRoot bool, rest string) (int, bool) {
	if rest == "" {
		return int(x.nodes[n].line), true
	}
	if d, ok := x.deferredAt(n); ok {
		// the entry's values, listed again exactly as the scan of the
		// whole document listed them (same bytes, same start, same depth:
		// a member of the entry named entry is not a Bundle's entries)
		s := lineScanner{data: x.raw, pos: int(d.pos), line: int(d.line), depth: 2}
		s.value(noKey, int(x.nodes[n].keyEnd))
		sub := &jsonIndex{raw: x.raw, nodes: s.nodes, items: s.items}
		return sub.find(0, atRoot, rest)
	}
	if items, ok := x.items[n]; ok {
		i, step, ok := arrayStep(rest)
		if !ok || i >= len(items) {
			return 0, false
		}
		return x.find(items[i], false, rest[step:])
	}
	for c := n + 1; c < x.nodes[n].next; c = x.nodes[c].next {
		step, ok := x.step(c, atRoot, rest)
		if !ok {
			continue
		}
		if line, ok := x.find(c, atRoot && step == 0, rest[step:]); ok {
			return line, true
		}
	}
	return 0, false
}

// deferredAt returns the deferred entry at node n, if n is one.
func (x *jsonIndex) deferredAt(n int32) (deferredItem, bool) {
	i, ok := slices.BinarySearchFunc(x.deferred, n, func(d deferredItem, n int32) int { return int(d.node - n) })
	if !ok {
		return deferredItem{}, false
	}
	return x.deferred[i], true
}

// step returns how much of rest child c's place in its parent spells, as
// the path scanner built paths ("[2]"; ".name", or "name" at the root; a
// "_name" member is named "name"), and whether rest starts with it.
func (x *jsonIndex) step(c int32, atRoot bool, rest string) (int, bool) {
	node := x.nodes[c]
	if node.keyStart == noKey {
		i, step, ok := arrayStep(rest)
		return step, ok && i == int(node.keyEnd)
	}
	name := x.raw[node.keyStart:node.keyEnd]
	if len(name) > 0 && name[0] == '_' {
		name = name[1:]
	}
	dot := 0
	if !atRoot && len(name) > 0 && name[0] != '[' {
		if rest[0] != '.' {
			return 0, false
		}
		dot = 1
	}
	if len(rest)-dot < len(name) || rest[dot:dot+len(name)] != string(name) {
		return 0, false
	}
	return dot + len(name), true
}

// arrayStep reads the "[i]" that starts rest: the index and its length.
func arrayStep(rest string) (i, step int, ok bool) {
	if rest[0] != '[' {
		return 0, 0, false
	}
	end := 1
	for end < len(rest) && '0' <= rest[end] && rest[end] <= '9' {
		end++
	}
	if end == 1 || end >= len(rest) || rest[end] != ']' || (rest[1] == '0' && end > 2) || end > 10 {
		return 0, 0, false // not as the scanner wrote an index, or beyond any document
	}
	for _, d := range rest[1:end] {
		i = i*10 + int(d-'0')
	}
	return i, end + 1, true
}

// lineScanner lists a document's values; it reads well-formed JSON and
// stops where JSON is broken, keeping what it listed.
type lineScanner struct {
	data  []byte
	pos   int
	line  int
	nodes []jsonNode
	items map[int32][]int32
	// stack holds the item nodes of the arrays being read, innermost last.
	stack []int32
	// depth is how many values the scanner is inside: 1 in the root's.
	depth    int
	deferred []deferredItem
}

func (s *lineScanner) ws() {
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

// value lists the value at s.pos, whose member name (or item index, with
// keyStart noKey) its parent passes.
func (s *lineScanner) value(keyStart, keyEnd int) {
	s.ws()
	if s.pos >= len(s.data) {
		return
	}
	s.depth++
	defer func() { s.depth-- }()
	at := len(s.nodes)
	s.nodes = append(s.nodes, jsonNode{line: int32(s.line), keyStart: int32(keyStart), keyEnd: int32(keyEnd)})
	switch s.data[s.pos] {
	case '{':
		s.pos++
	members:
		for {
			s.ws()
			if s.pos >= len(s.data) {
				break
			}
			switch s.data[s.pos] {
			case '}':
				s.pos++
				break members
			case ',':
				s.pos++
				continue
			case '"':
			default:
				break members // malformed: what is listed stays useful
			}
			start, end := s.str()
			s.ws()
			if s.pos < len(s.data) && s.data[s.pos] == ':' {
				s.pos++
			}
			s.value(start, end)
		}
	case '[':
		s.pos++
		mark := len(s.stack)
		// an index needs each item at its place: an item at i is the i-th
		indexable := true
		entries := s.depth == 2 && keyStart != noKey && string(s.data[keyStart:keyEnd]) == "entry"
	items:
		for i := 0; ; {
			s.ws()
			if s.pos >= len(s.data) {
				break
			}
			switch s.data[s.pos] {
			case ']':
				s.pos++
				break items
			case ',':
				s.pos++
				i++
				continue
			}
			start, line, item, longArrays := s.pos, s.line, len(s.nodes), len(s.items)
			indexable = indexable && i == len(s.stack)-mark
			s.stack = append(s.stack, int32(len(s.nodes)))
			s.value(noKey, i)
			if entries && len(s.nodes) > item+1 && s.pos-start <= maxDeferred && len(s.items) == longArrays {
				// a Bundle's entry: keep its own node, list its values again
				// when asked (an entry holding a long array keeps them all)
				s.nodes = s.nodes[:item+1]
				s.nodes[item].next = int32(item + 1)
				s.deferred = append(s.deferred, deferredItem{node: int32(item), pos: int32(start), line: int32(line)})
			}
			if s.pos == start {
				break
			}
		}
		if read := s.stack[mark:]; indexable && len(read) >= longArray {
			if s.items == nil {
				s.items = map[int32][]int32{} // few documents have a long array
			}
			s.items[int32(at)] = slices.Clone(read)
		}
		s.stack = s.stack[:mark]
	case '"':
		s.str()
	default:
	scalar:
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				break scalar
			}
			s.pos++
		}
	}
	s.nodes[at].next = int32(len(s.nodes))
}

// str steps over a JSON string at its opening quote and returns the bounds
// of its raw content (escapes are left alone: FHIR element names never need
// them).
func (s *lineScanner) str() (int, int) {
	s.pos++
	start := s.pos
	quote := -1 // the next '"' at or after s.pos, once looked for
	for s.pos < len(s.data) {
		// Most strings hold no escape: jump to the closing quote, and count
		// the line breaks (only broken JSON has them) in what is passed. The
		// quote is looked for again only once an escape passed it (\"), so
		// a long string of many escapes is read once, not once per escape.
		if quote < s.pos {
			quote = len(s.data)
			if q := bytes.IndexByte(s.data[s.pos:], '"'); q >= 0 {
				quote = s.pos + q
			}
		}
		rest := s.data[s.pos:]
		q := quote - s.pos
		if b := bytes.IndexByte(rest[:q], '\\'); b >= 0 {
			s.line += lineBreaks(rest[:b])
			s.pos += b + 2 // the escaped byte, whatever it is, ends nothing
			continue
		}
		s.line += lineBreaks(rest[:q])
		s.pos += q
		if s.pos < len(s.data) {
			s.pos++
			return start, s.pos - 1
		}
	}
	return start, len(s.data)
}

// lineBreaks counts the line breaks in b.
func lineBreaks(b []byte) int { return bytes.Count(b, []byte{'\n'}) }
