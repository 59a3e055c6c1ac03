package narrative

import (
	"encoding/base64"
	"fmt"
	"mime"
	"slices"
	"strings"
	"unicode"
)

// Structure and URL are the kinds of problem of how XHTML elements nest and
// of the URLs of links and images; they are XHTML faults, not txt-1's.
const (
	// Structure: an element where HTML does not allow it (a table inside a
	// paragraph, an <li> outside a list, text inside a <tr>).
	Structure Kind = iota + Script + 1
	// URL: a link or image URL with characters a URL may not have, or a
	// malformed data: URL.
	URL
)

// Link is a hyperlink or image source of a narrative.
type Link struct {
	// Element is "a" or "img"; Attr is "href" or "src".
	Element, Attr, Value string
}

// blockInParagraph are the elements a paragraph may not hold at any depth.
var blockInParagraph = set("div", "blockquote", "table", "ol", "ul", "p")

// textLevel are the elements whose content is text: they may not hold
// block structures at any depth.
var textLevel = set("p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "address", "span", "caption", "dd", "dt",
	"a", "b", "em", "i", "strong", "small", "big", "sub", "sup", "code", "tt", "dfn", "q", "var", "abbr", "acronym", "cite", "bdo", "kbd", "samp")

// blocks are what textLevel elements may not hold.
var blocks = set("div", "pre", "table", "ul", "ol")

// noNesting are the phrase elements that may not hold themselves.
var noNesting = set("a", "b", "em", "i", "strong", "small", "big", "sub", "sup", "code", "tt", "dfn", "q", "var", "abbr", "acronym", "cite", "bdo", "kbd", "samp")

// empty are the elements that have no content.
var empty = set("br", "img", "hr", "area")

// onlyKids lists the elements whose content is a fixed set of elements.
var onlyKids = map[string]map[string]bool{
	"table": set("tbody", "tr", "caption", "thead", "tfoot", "col", "colgroup"),
	"tr":    set("td", "th"),
	"tbody": set("tr"), "thead": set("tr"), "tfoot": set("tr"),
	"ul": set("li"), "ol": set("li"),
	"dl":  set("dd", "dt"),
	"map": set("area"),
}

// parents lists the elements that may only appear in certain others.
var parents = map[string]map[string]bool{
	"tr":    set("table", "thead", "tfoot", "tbody"),
	"tbody": set("table"), "thead": set("table"), "tfoot": set("table"),
	"caption": set("table"), "colgroup": set("table"),
	"col": set("colgroup", "table"),
	"th":  set("tr", "thead", "tfoot"), "td": set("tr", "thead", "tfoot"),
	"li": set("ul", "ol"),
	"dd": set("dl"), "dt": set("dl"),
}

// nest checks an inner element against the elements it is in (open, the
// outermost first): the HTML content model a narrative must follow, which
// the reference validator enforces. One problem per element, the first rule
// it breaks.
func (c *checker) nest(name string) {
	parent := c.open[len(c.open)-1]
	switch {
	case empty[parent]:
		c.add(Structure, parent+">"+name, fmt.Sprintf("the narrative's <%s> holds a <%s>, but a <%s> has no content", parent, name, parent))
	case onlyKids[parent] != nil && !onlyKids[parent][name]:
		c.add(Structure, parent+">"+name, fmt.Sprintf("the narrative's <%s> holds a <%s>: a <%s> may hold only %s", parent, name, parent, names(onlyKids[parent])))
	case parents[name] != nil && !parents[name][parent]:
		c.add(Structure, parent+">"+name, fmt.Sprintf("the narrative has a <%s> inside a <%s>: a <%s> belongs in %s", name, parent, name, names(parents[name])))
	case blockInParagraph[name] && slices.Contains(c.open, "p"):
		c.add(Structure, "p>"+name, fmt.Sprintf("the narrative has a <%s> inside a paragraph: a <p> holds text and phrase elements, not blocks; close the paragraph first", name))
	case blocks[name] && slices.ContainsFunc(c.open, func(o string) bool { return textLevel[o] }):
		outer := c.open[slices.IndexFunc(c.open, func(o string) bool { return textLevel[o] })]
		c.add(Structure, outer+">"+name, fmt.Sprintf("the narrative has a <%s> inside a <%s>, which holds text, not blocks", name, outer))
	case noNesting[name] && slices.Contains(c.open, name):
		c.add(Structure, name+">"+name, fmt.Sprintf("the narrative has a <%s> inside another <%s>, which HTML does not allow", name, name))
	}
}

// textIn checks non-whitespace text inside the innermost open element.
func (c *checker) textIn() {
	if len(c.open) == 0 {
		return
	}
	parent := c.open[len(c.open)-1]
	switch {
	case empty[parent]:
		c.add(Structure, parent+">#text", fmt.Sprintf("the narrative's <%s> holds text, but a <%s> has no content", parent, parent))
	case onlyKids[parent] != nil:
		c.add(Structure, parent+">#text", fmt.Sprintf("the narrative's <%s> holds text directly: a <%s> may hold only %s", parent, parent, names(onlyKids[parent])))
	}
}

func names(s map[string]bool) string {
	var out []string
	for n := range s {
		out = append(out, "<"+n+">")
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// dataMediaType reports whether head, what a data: URL has before its
// comma, is a media type as RFC 2397 allows: none at all (text/plain is
// meant), parameters alone, or type/subtype with parameters, then
// optionally ";base64".
func dataMediaType(head string) bool {
	head = strings.TrimSuffix(head, ";base64")
	if head == "" || strings.HasPrefix(head, ";") {
		return true
	}
	// ParseMediaType also reads dispositions (a token with no slash), so
	// the slash is asked for here.
	mt, _, err := mime.ParseMediaType(head)
	typ, sub, found := strings.Cut(mt, "/")
	return err == nil && found && typ != "" && sub != ""
}

// link records a link or image source and checks its characters.
func (c *checker) link(el, attr, value string) {
	c.res.Links = append(c.res.Links, Link{Element: el, Attr: attr, Value: value})
	if isScriptURL(value) {
		return // reported as a script
	}
	if value == "" {
		c.add(URL, el+"@"+attr+"=", fmt.Sprintf("the narrative's <%s> has an empty %s", el, attr))
		return
	}
	if data, ok := strings.CutPrefix(value, "data:"); ok {
		parts := strings.Split(data, ",")
		switch {
		case !dataMediaType(parts[0]):
			c.add(URL, "data:", fmt.Sprintf("the narrative's <%s> has a data: URL whose media type %q is not type/subtype with parameters (RFC 2397)", el, strings.TrimSuffix(parts[0], ";base64")))
		case len(parts) < 2:
			c.add(URL, "data:", fmt.Sprintf("the narrative's <%s> has a data: URL with no data (no comma)", el))
		case len(parts) > 2:
			c.add(URL, "data:", fmt.Sprintf("the narrative's <%s> has a data: URL with a comma in its data", el))
		case strings.HasSuffix(parts[0], ";base64"):
			if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(parts[1]), "")); err != nil {
				c.add(URL, "data:", fmt.Sprintf("the narrative's <%s> has a data: URL whose base64 data is not valid base64", el))
			}
		}
		return
	}
	var bad []string
	for _, r := range value {
		if unicode.IsDigit(r) || unicode.IsLetter(r) || strings.ContainsRune(";?:@&=+$.,/%-_~#[]!'()*|", r) {
			continue
		}
		if q := fmt.Sprintf("%q", r); !slices.Contains(bad, q) {
			bad = append(bad, q)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		c.add(URL, el+"@"+attr+":"+value, fmt.Sprintf("the narrative's <%s> %s %q has characters a URL may not have (%s): percent-encode them", el, attr, clip(value), strings.Join(bad, " ")))
	}
}

// anchor records an id (or an <a name>) a link may point at, noting repeats.
func (c *checker) anchor(id string) {
	if slices.Contains(c.res.IDs, id) {
		if !slices.Contains(c.res.DuplicateIDs, id) {
			c.res.DuplicateIDs = append(c.res.DuplicateIDs, id)
		}
		return
	}
	c.res.IDs = append(c.res.IDs, id)
}
