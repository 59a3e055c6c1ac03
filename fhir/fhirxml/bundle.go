package fhirxml

import (
	"bytes"
	"errors"
	"slices"

	"github.com/carecert/carecert/fhir/elements"
	"github.com/carecert/carecert/internal/lineindex"
)

// Entry is one resource of a root Bundle's entries as DecodeBundle reads it:
// converted on its own, then left out of the Bundle's tree, so that a large
// Bundle is never held whole.
type Entry struct {
	// Index is the entry's item of Bundle.entry.
	Index    int
	Resource map[string]any
	// Start and End are where the resource's element lies in the document
	// (its start tag to its end tag), Line the line its start tag ends on
	// (where DecodeDocument places the entry's record) and Base the line
	// its first byte is on.
	Start, End int64
	Line, Base int
	// Namespaces are the namespace bindings in scope at the resource's
	// start tag, declared by its ancestors, as prefix and URL pairs ("" the
	// default namespace); DecodeEntry reads the resource alone in them.
	// Entries read in the same bindings share one slice.
	Namespaces []string
}

// DecodeBundle is DecodeDocument for a document that may be a large
// Bundle: each resource of a root Bundle's entries is converted on its own,
// handed to entry and left out of the tree, so that the Bundle's tree is a
// skeleton and no more than one entry's resource is held at a time. What
// FHIR XML forbids inside an entry's resource is left to reading the entry
// again alone (DecodeEntry), which reports it; the Issues returned are the
// Bundle's own. skimmed is false, and the document was converted as
// DecodeDocument converts it (every entry in the tree, entry never
// called), when the root is no Bundle, or a Bundle written in a way its
// entries cannot be read alone: an entry holding two resources, or an issue
// about a resource's wrapper element (the entry's record's to report).
// It stops skimming, and converts the document whole, as soon as it knows
// the entries are not to be read apart: when apart, asked at the first
// entry with the Bundle's elements read before it (FHIR XML writes its
// type there), returns false, or entry returns false.
// The caller drops what entry was handed when skimmed is false.
func DecodeBundle(data []byte, apart func(bundle map[string]any) bool, entry func(Entry) bool) (res map[string]any, issues []Issue, doc *Document, skimmed bool, err error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, nil, nil, false, err
	}
	c := newConverter(data, ix, nil)
	c.skim, c.apart, c.paths = entry, apart, true
	res, err = c.document()
	if errors.Is(err, errWhole) {
		res, issues, doc, err = DecodeDocument(data)
		return res, issues, doc, false, err
	}
	if !c.skimming {
		// no Bundle: converted as DecodeDocument converts it (skimRoot)
		res, issues, doc, err = c.finish(res, err, data, nil, 0)
		return res, issues, doc, false, err
	}
	if err != nil {
		return nil, nil, nil, false, err
	}
	for _, is := range c.issues {
		if entryResource(is.Path) {
			c.whole = true
		}
	}
	if c.whole {
		res, issues, doc, err = DecodeDocument(data)
		return res, issues, doc, false, err
	}
	return res, c.issues, lineindex.NewKnowing(data, 1, lineBuild(nil, true), c.entries), true, nil
}

// errWhole stops a conversion for DecodeBundle that found the root
// Bundle's entries are not to be skimmed: the document is converted whole.
var errWhole = errors.New("the Bundle is read whole")

// entryResource reports whether an issue's path is a root Bundle entry's
// resource wrapper itself ("entry[2].resource").
func entryResource(path string) bool {
	rest, ok := bytes.CutPrefix([]byte(path), []byte("entry["))
	if !ok {
		return false
	}
	i := bytes.IndexByte(rest, ']')
	return i >= 0 && string(rest[i+1:]) == ".resource"
}

// DecodeEntry converts one entry's resource that DecodeBundle handed over
// (text, its bytes from Start to End), in the namespace bindings that were
// in scope at its start, returning what DecodeDocument returns for a
// document: its Issues (lines counted in the whole document, from base, the
// line of its first byte) and the Document that locates its elements
// (located from base too).
func DecodeEntry(text []byte, namespaces []string, base int) (map[string]any, []Issue, *Document, error) {
	ix, err := elements.R4()
	if err != nil {
		return nil, nil, nil, err
	}
	ns := bindings(namespaces)
	c := newConverter(text, ix, nil)
	c.ns = ns
	c.stopAtIssue = true
	res, err := c.document()
	return c.finish(res, err, text, ns, base)
}

// EntryDocument is the Document of an entry's resource that DecodeBundle
// handed over (text, in namespaces, from line base), whose start tag ends
// on line: the lines of its elements, counted in the whole document, found
// by converting it again alone if a finding asks.
func EntryDocument(text []byte, namespaces []string, base, line int) *Document {
	return lineindex.NewKnowing(text, base, linesIn(bindings(namespaces)), lineindex.RootLine(line-base+1))
}

// bindings are pairs of prefix and URL as bindings declared outside the
// text read (depth -1: never closed).
func bindings(pairs []string) []binding {
	var ns []binding
	for i := 0; i+1 < len(pairs); i += 2 {
		ns = append(ns, binding{prefix: pairs[i], url: pairs[i+1], depth: -1})
	}
	return ns
}

// skimRoot decides, at the root's start tag, whether a conversion for
// DecodeBundle skims the root's entries: only a Bundle's. Any other
// document is converted as DecodeDocument converts it, stopping at its
// first issue and without paths.
func (c *converter) skimRoot(root token) {
	if root.start.Name.Local == "Bundle" && root.space == Namespace {
		c.skimming = true
		return
	}
	c.skim, c.apart, c.paths, c.stopAtIssue = nil, nil, false, true
}

// skimEntry converts the resource of a root Bundle entry (its start tag
// read, ending on line) on its own, without paths or issues, and hands it
// to skim with where it lies and the bindings in scope at its start.
func (c *converter) skimEntry(start token, path string, line int) error {
	if c.skimmed == c.entry {
		c.whole = true // a second resource in one entry: the tree holds both
	}
	c.skimmed = c.entry
	begin := c.at
	base := line - bytes.Count(c.data[begin:c.dec.InputOffset()], []byte{'\n'})
	scope := c.inScope()
	lines, paths := c.lines, c.paths
	c.lines, c.paths, c.inEntry = nil, false, true
	res, err := c.resource(start, "")
	c.lines, c.paths, c.inEntry = lines, paths, false
	if err != nil {
		return err
	}
	if lines != nil {
		lines[path] = line // the resource's own tag, as resource records it
	}
	if !c.skim(Entry{Index: c.entry, Resource: res, Start: begin + c.skew, End: c.dec.InputOffset() + c.skew,
		Line: line, Base: base, Namespaces: scope}) {
		return errWhole
	}
	return nil
}

// inScope returns the namespace bindings the ancestors of the element just
// started declare, the innermost of each prefix, as prefix and URL pairs;
// the slice of the entry before is returned again while they are the same.
func (c *converter) inScope() []string {
	var pairs []string
	self := len(c.open) - 1 // the element just started declares its own
	for i := len(c.ns) - 1; i >= 0; i-- {
		b := c.ns[i]
		if b.depth >= self {
			continue
		}
		shadowed := false
		for j := 0; j+1 < len(pairs); j += 2 {
			shadowed = shadowed || pairs[j] == b.prefix
		}
		if !shadowed {
			pairs = append(pairs, b.prefix, b.url)
		}
	}
	if slices.Equal(pairs, c.scope) {
		return c.scope
	}
	c.scope = pairs
	return pairs
}
