package profile

import (
	"fmt"
	"strings"

	"github.com/carecert/carecert/fhir/narrative"
	"github.com/carecert/carecert/model"
)

// MarkdownHTML says how to report markdown values that embed HTML tags.
type MarkdownHTML int

const (
	// MarkdownHTMLWarning reports them as warnings: the default, as in the
	// reference validator. FHIR markdown is CommonMark, which allows inline
	// HTML, but FHIR says presentation layers should escape it; the text
	// is legal and probably wrong, not invalid. The public FHIR validation
	// cases show the reference validator's default (bad-markdown: one
	// warning) and its stricter mode (bad-markdown-no-html: the same
	// finding as an error, on the same resource).
	MarkdownHTMLWarning MarkdownHTML = iota
	// MarkdownHTMLError reports them as errors, for feeds whose consumers
	// must never see raw HTML in markdown.
	MarkdownHTMLError
	// MarkdownHTMLIgnore does not look for them.
	MarkdownHTMLIgnore
)

// checkedDiv remembers the last narrative checked, so that the format check,
// the txt-1 and txt-2 invariants and a profile's narrative controls on the
// same div parse it once; sections is set when its parts were listed.
type checkedDiv struct {
	div      string
	res      narrative.Result
	sections bool
}

// narrative returns the check of a div, parsing it only when it is not the
// one checked last.
func (w *walker) narrative(div string) narrative.Result {
	if w.div == nil {
		w.div = &checkedDiv{}
	} else if w.div.div == div {
		return w.div.res
	}
	*w.div = checkedDiv{div: div, res: narrative.Check(div)}
	return w.div.res
}

// narrativeSections is narrative with the top-level parts of the div.
func (w *walker) narrativeSections(div string) narrative.Result {
	if w.div == nil {
		w.div = &checkedDiv{}
	} else if w.div.div == div && w.div.sections {
		return w.div.res
	}
	*w.div = checkedDiv{div: div, res: narrative.CheckSections(div), sections: true}
	return w.div.res
}

// xhtml reports what is wrong with a narrative div: each bad element,
// attribute or entity by name, XML syntax, and the root div. The txt-1 and
// txt-2 invariants report the rule broken on top, as the reference
// validator does.
func (w *walker) xhtml(div, path string) {
	var res narrative.Result
	if strings.Contains(div, "lang=") {
		// language sections are top-level divs with xml:lang
		res = w.narrativeSections(div)
		w.mixedLanguages(res.Parts, path)
	} else {
		res = w.narrative(div)
	}
	for _, p := range res.Problems {
		w.add(model.Error, CodeNarrative, path, p.Message, "")
	}
	if res.XMLSpace {
		w.add(model.Information, CodeNarrative, path, "the narrative uses xml:space: it is allowed, but its only value, preserve, is what a narrative does anyway; leave it out", "")
	}
	if len(res.DuplicateIDs) > 0 {
		w.add(model.Warning, CodeNarrative, path, fmt.Sprintf("the narrative gives more than one element the id (or <a name>) %s: a link to it is ambiguous", strings.Join(res.DuplicateIDs, ", ")), "")
	}
	if len(res.Links) > 0 {
		w.narrativeLinks(res.Links, path)
	}
}

// narrativeInvariant implements txt-1 and txt-2 natively: both are
// "htmlChecks()" in R4, one FHIRPath function standing for two different
// rules, which only the key tells apart.
func narrativeInvariant(key, expr string) func(any, *walker) bool {
	if expr != "htmlChecks()" {
		return nil
	}
	switch key {
	case "txt-1":
		return func(focus any, w *walker) bool {
			s, ok := focus.(string)
			return !ok || w.narrative(s).NamesOK()
		}
	case "txt-2":
		return func(focus any, w *walker) bool {
			s, ok := focus.(string)
			return !ok || w.narrative(s).HasContent()
		}
	}
	return nil
}

// markdown reports a markdown value that embeds what looks like an HTML tag.
func (w *walker) markdown(s, path string) {
	sev := model.Warning
	switch w.e.markdownHTML {
	case MarkdownHTMLIgnore:
		return
	case MarkdownHTMLError:
		sev = model.Error
	}
	tag, ok := narrative.MarkdownTag(s)
	if !ok {
		return
	}
	w.add(sev, CodeMarkdown, path, fmt.Sprintf("the markdown embeds what looks like an HTML tag, %s: presentation layers will (or should) escape it and show it as text; check it is meant, or escape the '<' as \\<", tag), "")
}

// mixedLanguages warns of a narrative whose top-level divs carry its text in
// languages (xml:lang sections) beside text in no section: a reader that
// picks the section in its language misses that text, and one that shows
// everything shows it once in no declared language.
func (w *walker) mixedLanguages(parts []narrative.Part, path string) {
	var langs []string
	outside := false
	for _, p := range parts {
		switch {
		case p.Element == "div" && p.Lang != "":
			langs = append(langs, p.Lang)
		case p.Content:
			outside = true
		}
	}
	if len(langs) > 0 && outside {
		w.add(model.Warning, CodeNarrative, path, fmt.Sprintf("the narrative has language sections (%s) and also content outside them, which a reader choosing a language misses: put all content in the sections", strings.Join(langs, ", ")), "")
	}
}
