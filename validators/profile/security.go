package profile

import "strings"

// htmlTags are the HTML elements whose presence in a plain string marks it as
// markup: active content (script, iframe, object), links and images that
// fetch, forms, and the common formatting tags that show markup was pasted.
var htmlTags = map[string]bool{
	"a": true, "abbr": true, "audio": true, "b": true, "base": true, "body": true, "br": true, "button": true,
	"div": true, "em": true, "embed": true, "form": true, "frame": true, "frameset": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "head": true, "hr": true, "html": true, "i": true, "iframe": true,
	"img": true, "input": true, "li": true, "link": true, "meta": true, "object": true, "ol": true, "option": true,
	"p": true, "script": true, "select": true, "source": true, "span": true, "strong": true, "style": true,
	"svg": true, "table": true, "td": true, "textarea": true, "th": true, "tr": true, "u": true, "ul": true, "video": true,
}

// htmlTag returns the name of the first HTML tag in s ("script" for
// "<script src=...>" or "</script>"), or "". A '<' that does not open a
// known element ("a < b", "<5 mg") is text.
func htmlTag(s string) string {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		j := i + 1
		if j < len(s) && s[j] == '/' {
			j++
		}
		k := j
		for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
			k++
		}
		if name := strings.ToLower(s[j:k]); htmlTags[name] && (k == len(s) || strings.IndexByte(" \t\r\n>/", s[k]) >= 0) {
			return name
		}
		next := strings.IndexByte(s[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return ""
}
