package narrative

import (
	"encoding/xml"
	"strings"
)

// Part is one child of a narrative's root div: an element or a run of text.
type Part struct {
	// Element is the element's name, "" for text.
	Element string
	// Lang is the element's xml:lang: set on a language section.
	Lang string
	// Classes are the element's class names.
	Classes []string
	// Content is true when the part holds non-whitespace text or an image.
	Content bool
	// Text is the part's text, for naming it.
	Text string
}

// topLevel is the Part of a child element of the root div, its start tag
// just read.
func topLevel(t xml.StartElement) Part {
	p := Part{Element: t.Name.Local}
	for _, a := range t.Attr {
		switch {
		case a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNamespace):
			p.Lang = a.Value
		case a.Name.Local == "class" && a.Name.Space == "":
			p.Classes = strings.Fields(a.Value)
		}
	}
	return p
}
