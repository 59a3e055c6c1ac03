// Package lineindex maps the FHIRPath-style element paths of a parsed source
// document (FHIR JSON or XML) to the lines they start on. The index is built
// the first time a finding asks for a line, so clean records never pay for
// it; the reader of each format supplies the function that builds it.
package lineindex

import (
	"strconv"
	"strings"
	"sync"
)

// Index answers the line, counted from 1 at the document's first byte, of an
// element path ("name[0].given[1]", without the resource type), and whether
// the document has that path.
type Index interface {
	Line(path string) (int, bool)
}

// Lines is an Index held as a map from every path to its line.
type Lines map[string]int

// Line is the map's entry for path.
func (l Lines) Line(path string) (int, bool) {
	line, ok := l[path]
	return line, ok
}

// Build scans raw and returns the index of the element paths it finds. A
// malformed document keeps the lines found before the problem.
type Build func(raw []byte) Index

// Document is one parsed source document (a file, or one NDJSON line).
type Document struct {
	raw      []byte
	baseLine int
	build    Build
	once     sync.Once
	index    Index
	// known answers some paths without the index (a reader that recorded
	// them while reading), so that asking them builds nothing.
	known Index
}

// New wraps raw, whose first byte sits on line baseLine of its file.
func New(raw []byte, baseLine int, build Build) *Document {
	return &Document{raw: raw, baseLine: baseLine, build: build}
}

// NewKnowing is New for a document whose reader recorded the lines of some
// paths while reading it (known), counted as build counts them: those are
// answered without building the index.
func NewKnowing(raw []byte, baseLine int, build Build, known Index) *Document {
	return &Document{raw: raw, baseLine: baseLine, build: build, known: known}
}

// Built wraps a document whose reader recorded its lines while reading it,
// counted from 1 at its first byte, which sits on line baseLine of its file.
func Built(lines map[string]int, baseLine int) *Document {
	d := &Document{baseLine: baseLine, index: Lines(lines)}
	d.once.Do(func() {})
	return d
}

// Locator returns a locator for the resource found at docPath inside the
// document ("" for the root, "entry[3].resource" for a Bundle entry).
func (d *Document) Locator(docPath string) *Locator {
	return &Locator{doc: d, prefix: docPath}
}

// Locator maps a record-relative path ("Patient.name[0]": the resource type is
// replaced by the locator's place in the document) to a line of the file.
type Locator struct {
	doc    *Document
	prefix string
}

// Line returns the line of path, of its nearest located ancestor, or 0.
func (l *Locator) Line(path string) int {
	d := l.doc
	rel := ""
	if i := strings.IndexAny(path, ".["); i >= 0 {
		rel = strings.TrimPrefix(path[i:], ".")
	}
	if d.known != nil {
		if line, ok := d.known.Line(Join(l.prefix, rel)); ok {
			return line + d.baseLine - 1
		}
	}
	d.once.Do(func() { d.index = d.build(d.raw) })
	for {
		if line, ok := d.index.Line(Join(l.prefix, rel)); ok {
			return line + d.baseLine - 1
		}
		if rel == "" {
			return 0
		}
		rel = Parent(rel)
	}
}

// Join appends a relative path to a prefix: "entry[2].resource" + "name[0]".
func Join(a, b string) string {
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

// Parent drops a path's last step: "name[0].given" → "name[0]" → "name".
func Parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// EntryLines are the lines of a Bundle's entry resources, by entry: an
// Index of the paths "entry[i].resource" alone, which a reader records as
// it reads the Bundle, so that placing each entry's record builds no index
// of the document's paths (NewKnowing).
type EntryLines []int32

// Set records the line of entry i's resource, keeping the first recorded.
func (e *EntryLines) Set(i, line int) {
	for len(*e) <= i {
		*e = append(*e, 0)
	}
	if (*e)[i] == 0 {
		(*e)[i] = int32(line) // the first resource written, as the index has it
	}
}

// Line answers for "entry[i].resource", written as the readers write
// paths (no leading zero), and for no other path.
func (e EntryLines) Line(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "entry[")
	if !ok {
		return 0, false
	}
	digits, rest, ok := strings.Cut(rest, "]")
	if !ok || rest != ".resource" {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= len(e) || e[i] == 0 || strconv.Itoa(i) != digits {
		return 0, false
	}
	return int(e[i]), true
}

// RootLine is an Index of the root path alone: the line of a document's
// root element, which its reader knows, so that placing its record builds
// nothing.
type RootLine int

// Line answers for the root path "" only.
func (r RootLine) Line(path string) (int, bool) { return int(r), path == "" }
