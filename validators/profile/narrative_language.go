package profile

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/carecert/carecert/model"
)

// narrativeLanguage checks that a resource which states its language says
// it in its narrative too: the div carries both lang (read by HTML) and
// xml:lang (read by XML tools), each the resource's language, so that what
// renders the narrative knows its language (R4 §2.4 Narrative, §2.22
// Resource.language; W3C's advice on declaring language in XHTML). The
// reference validator warns of a missing or different one; so does carecert.
func (w *walker) narrativeLanguage(m map[string]any, path string) {
	lang, _ := m["language"].(string)
	text, _ := m["text"].(map[string]any)
	div, _ := text["div"].(string)
	if lang == "" || div == "" {
		return
	}
	attrs, ok := rootAttributes(div)
	if !ok {
		return // an unreadable div is the narrative rules' finding
	}
	html, hasHTML := attrs["lang"]
	x, hasXML := attrs["xml:lang"]
	p := path + ".text.div"
	switch {
	case !hasHTML && !hasXML:
		w.add(model.Warning, CodeNarrative, p, fmt.Sprintf("the resource's language is %s, but the narrative does not say so: give the div lang and xml:lang", lang), "")
		return
	case !hasHTML:
		w.add(model.Warning, CodeNarrative, p, "the narrative div has xml:lang but no lang: give it both, for HTML and XML readers", "")
	case html != lang:
		w.add(model.Warning, CodeNarrative, p, fmt.Sprintf("the resource's language is %s, but the narrative div's lang is %s", lang, html), html)
	}
	switch {
	case !hasXML:
		w.add(model.Warning, CodeNarrative, p, "the narrative div has lang but no xml:lang: give it both, for HTML and XML readers", "")
	case x != lang:
		w.add(model.Warning, CodeNarrative, p, fmt.Sprintf("the resource's language is %s, but the narrative div's xml:lang is %s", lang, x), x)
	}
}

// rootAttributes reads the attributes of a narrative's root element, keyed
// "lang" and "xml:lang" as written.
func rootAttributes(div string) (map[string]string, bool) {
	d := xml.NewDecoder(strings.NewReader(div))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			attrs := map[string]string{}
			for _, a := range se.Attr {
				name := a.Name.Local
				if a.Name.Space == "http://www.w3.org/XML/1998/namespace" || a.Name.Space == "xml" {
					name = "xml:" + name
				}
				attrs[name] = a.Value
			}
			return attrs, true
		}
	}
}
