package narrative

import (
	"bytes"
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

// TopLevel returns the children of a narrative's root div, for the rules a
// profile sets on narrative sections (their source class, their language).
// A div that does not parse has none: its syntax is reported by Check. An
// entity XML does not define is read as Check reads it (reported there, as
// text here), so one &nbsp; does not hide the sections after it.
func TopLevel(div string) []Part {
	var c checker
	d := xml.NewDecoder(strings.NewReader(c.entities(div)))
	d.Strict = true
	var parts []Part
	depth := 0
	var cur *Part
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				parts = append(parts, Part{Element: t.Name.Local})
				cur = &parts[len(parts)-1]
				for _, a := range t.Attr {
					switch {
					case a.Name.Local == "lang" && (a.Name.Space == "xml" || a.Name.Space == xmlNamespace):
						cur.Lang = a.Value
					case a.Name.Local == "class" && a.Name.Space == "":
						cur.Classes = strings.Fields(a.Value)
					}
				}
			}
			if depth >= 2 && t.Name.Local == "img" {
				cur.Content = true
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				cur = nil
			}
		case xml.CharData:
			text := bytes.TrimSpace(t)
			switch {
			case depth == 1 && len(text) > 0:
				parts = append(parts, Part{Content: true, Text: string(text)})
			case depth >= 2 && cur != nil:
				cur.Text += string(t)
				if len(text) > 0 {
					cur.Content = true
				}
			}
		}
	}
	return parts
}
