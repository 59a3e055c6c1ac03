package fhirpath

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tDelimIdent // `quoted identifier`
	tString
	tNumber
	tDate // @... literal, text without the @
	tExternal
	tOp
)

type token struct {
	kind tokKind
	text string // identifier name, decoded string, number text, operator
	pos  int
}

// SyntaxError is an expression that cannot be parsed, with the byte offset.
type SyntaxError struct {
	Expr string
	Pos  int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("fhirpath: %s at offset %d in %q", e.Msg, e.Pos, e.Expr)
}

func lex(src string) ([]token, error) {
	var toks []token
	fail := func(pos int, format string, a ...any) error {
		return &SyntaxError{Expr: src, Pos: pos, Msg: fmt.Sprintf(format, a...)}
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fail(i, "unterminated comment")
			}
			i += end + 4
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		case c == '`':
			s, n, err := unquote(src[i:], '`')
			if err != nil {
				return nil, fail(i, "%v", err)
			}
			toks = append(toks, token{tDelimIdent, s, i})
			i += n
		case c == '\'':
			s, n, err := unquote(src[i:], '\'')
			if err != nil {
				return nil, fail(i, "%v", err)
			}
			toks = append(toks, token{tString, s, i})
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		case c == '@':
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || strings.IndexByte("-:.TZ+", src[j]) >= 0) {
				// a '+' or '-' only continues a literal as a time-zone offset or date separator
				j++
			}
			text := src[i+1 : j]
			// "@2012-01-01 - 1 day" style: a trailing sign belongs to the expression
			for len(text) > 0 && (text[len(text)-1] == '-' || text[len(text)-1] == '+' || text[len(text)-1] == '.') {
				text = text[:len(text)-1]
				j--
			}
			if text == "" {
				return nil, fail(i, "empty date/time literal")
			}
			toks = append(toks, token{tDate, text, i})
			i = j
		case c == '%':
			j := i + 1
			switch {
			case j < len(src) && src[j] == '`':
				s, n, err := unquote(src[j:], '`')
				if err != nil {
					return nil, fail(i, "%v", err)
				}
				toks = append(toks, token{tExternal, s, i})
				i = j + n
			case j < len(src) && src[j] == '\'':
				s, n, err := unquote(src[j:], '\'')
				if err != nil {
					return nil, fail(i, "%v", err)
				}
				toks = append(toks, token{tExternal, s, i})
				i = j + n
			case j < len(src) && isIdentStart(src[j]):
				k := j + 1
				for k < len(src) && (isIdentPart(src[k]) || src[k] == '-') {
					k++
				}
				toks = append(toks, token{tExternal, src[j:k], i})
				i = k
			default:
				return nil, fail(i, "'%%' must be followed by a constant name")
			}
		case c == '$':
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		default:
			if i+1 < len(src) {
				two := src[i : i+2]
				switch two {
				case "!=", "!~", "<=", ">=":
					toks = append(toks, token{tOp, two, i})
					i += 2
					continue
				}
			}
			if strings.IndexByte(".[](){},+-*/&|=~<>", c) >= 0 {
				toks = append(toks, token{tOp, string(c), i})
				i++
				continue
			}
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, fail(i, "unexpected character %q", r)
		}
	}
	toks = append(toks, token{tEOF, "", len(src)})
	return toks, nil
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

// unquote decodes a quoted string or identifier at the start of s and returns
// it with the number of bytes consumed.
func unquote(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 >= len(s) {
				return "", 0, fmt.Errorf("bad \\u escape")
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", 0, fmt.Errorf("bad \\u escape %q", s[i+1:i+5])
			}
			b.WriteRune(rune(n))
			i += 4
		case '\'', '"', '`', '\\', '/':
			b.WriteByte(s[i])
		default:
			return "", 0, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated %c-quoted text", q)
}
