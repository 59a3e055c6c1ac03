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

// checkedDiv remembers the last narrative checked, so that the format check
// and the txt-1 and txt-2 invariants on the same div parse it once.
type checkedDiv struct {
	div string
	res narrative.Result
}

// narrative returns the check of a div, parsing it only when it is not the
// one checked last.
func (w *walker) narrative(div string) narrative.Result {
	if w.div == nil {
		w.div = &checkedDiv{}
	} else if w.div.div == div {
		return w.div.res
	}
	w.div.div, w.div.res = div, narrative.Check(div)
	return w.div.res
}

// xhtml reports what is wrong with a narrative div: each bad element,
// attribute or entity by name, XML syntax, and the root div. The txt-1 and
// txt-2 invariants report the rule broken on top, as the reference
// validator does.
func (w *walker) xhtml(div, path string) {
	for _, p := range w.narrative(div).Problems {
		w.add(model.Error, CodeNarrative, path, p.Message, "")
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
	tag, ok := htmlTagIn(s)
	if !ok {
		return
	}
	w.add(sev, CodeMarkdown, path, fmt.Sprintf("the markdown embeds what looks like an HTML tag, %s: presentation layers will (or should) escape it and show it as text; check it is meant, or escape the '<' as \\<", clipTag(tag)), "")
}

func clipTag(tag string) string {
	if len(tag) > 40 {
		return tag[:40] + "…"
	}
	return tag
}

// htmlTagIn finds the first raw HTML tag in markdown as CommonMark reads
// one (spec section 6.6): an open tag <name attr="v" ...> or <name/>, a
// closing tag </name>, or a comment <!-- -->. A '<' in prose ("x < 5",
// "<5 mg") or an autolink (<https://...>) is not a tag, nor is anything in
// a code span, where CommonMark shows it literally.
func htmlTagIn(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // an escaped character is literal
		case '`':
			n := 1
			for i+n < len(s) && s[i+n] == '`' {
				n++
			}
			fence := strings.Repeat("`", n)
			if end := strings.Index(s[i+n:], fence); end >= 0 {
				i += n + end + n - 1
			} else {
				i += n - 1
			}
		case '<':
			if n := tagLength(s[i:]); n > 0 {
				return s[i : i+n], true
			}
		}
	}
	return "", false
}

// tagLength returns the length of the HTML tag at the start of s, or 0.
func tagLength(s string) int {
	if strings.HasPrefix(s, "<!--") {
		if end := strings.Index(s[4:], "-->"); end >= 0 {
			return 4 + end + 3
		}
		return 0
	}
	i := 1
	closing := i < len(s) && s[i] == '/'
	if closing {
		i++
	}
	start := i
	for i < len(s) && (isLetter(s[i]) || (i > start && (isDigit(s[i]) || s[i] == '-'))) {
		i++
	}
	if i == start {
		return 0
	}
	if closing {
		i = skipSpace(s, i)
		if i < len(s) && s[i] == '>' {
			return i + 1
		}
		return 0
	}
	for {
		j := skipSpace(s, i)
		if j < len(s) && s[j] == '>' {
			return j + 1
		}
		if j+1 < len(s) && s[j] == '/' && s[j+1] == '>' {
			return j + 2
		}
		if j == i {
			return 0 // an attribute must follow whitespace
		}
		// attribute name
		k := j
		for k < len(s) && (isLetter(s[k]) || s[k] == '_' || s[k] == ':' || (k > j && (isDigit(s[k]) || s[k] == '.' || s[k] == '-'))) {
			k++
		}
		if k == j {
			return 0
		}
		i = k
		// optional value
		if v := skipSpace(s, i); v < len(s) && s[v] == '=' {
			v = skipSpace(s, v+1)
			if v >= len(s) {
				return 0
			}
			switch q := s[v]; q {
			case '"', '\'':
				end := strings.IndexByte(s[v+1:], q)
				if end < 0 {
					return 0
				}
				i = v + 1 + end + 1
			default:
				e := v
				for e < len(s) && !strings.ContainsRune(" \t\r\n\"'=<>`", rune(s[e])) {
					e++
				}
				if e == v {
					return 0
				}
				i = e
			}
		}
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
