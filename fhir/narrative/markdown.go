package narrative

import "strings"

// MarkdownTag finds the first raw HTML tag in markdown as CommonMark reads
// one (spec section 6.6): an open tag <name attr="v" ...> or <name/>, a
// closing tag </name>, or a comment <!-- -->. A '<' in prose ("x < 5",
// "<5 mg") or an autolink (<https://...>) is not a tag, nor is anything in
// a code span, where CommonMark shows it literally.
func MarkdownTag(s string) (string, bool) {
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
				return clip(s[i : i+n]), true
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
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
