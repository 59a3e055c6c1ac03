package main

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// pyRef is a name looked up in another table of the source, such as
// SEGMENTS['MSH']: the generator needs only that it is a reference.
type pyRef struct{ table, key string }

// pyLit reads the one Python literal a data module assigns to a name
// (`MESSAGES = {...}`): dicts, tuples, lists, strings, integers, None and
// table look-ups. That is all hl7apy's generated modules use; anything else is
// an error, so a changed source is noticed rather than half read.
type pyLit struct {
	src  []byte
	pos  int
	line int
}

// parseAssignment finds `name = ` at the start of a line and reads the
// literal after it.
func parseAssignment(src []byte, name string) (any, error) {
	p := &pyLit{src: src, line: 1}
	needle := []byte(name + " = ")
	for from := 0; ; {
		k := bytes.Index(src[from:], needle)
		if k < 0 {
			break
		}
		i := from + k
		if i == 0 || src[i-1] == '\n' {
			p.line += bytes.Count(src[:i], []byte{'\n'})
			p.pos = i + len(needle)
			return p.value()
		}
		from = i + 1
	}
	return nil, fmt.Errorf("no assignment to %s", name)
}

func (p *pyLit) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *pyLit) space() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case '\n':
			p.line++
			p.pos++
		case ' ', '\t', '\r':
			p.pos++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *pyLit) peek() byte {
	p.space()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *pyLit) expect(c byte) error {
	if p.peek() != c {
		return p.errorf("want %q, found %q", c, p.peek())
	}
	p.pos++
	return nil
}

func (p *pyLit) value() (any, error) {
	switch c := p.peek(); {
	case c == '{':
		return p.dict()
	case c == '(':
		return p.sequence(')')
	case c == '[':
		return p.sequence(']')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		return strconv.Atoi(string(p.src[start:p.pos]))
	case c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'):
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] == '_' || (p.src[p.pos] >= 'A' && p.src[p.pos] <= 'Z') || (p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z') || (p.src[p.pos] >= '0' && p.src[p.pos] <= '9')) {
			p.pos++
		}
		ident := string(p.src[start:p.pos])
		if ident == "None" {
			return nil, nil
		}
		if p.peek() != '[' {
			return nil, p.errorf("bare name %s", ident)
		}
		p.pos++
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(']'); err != nil {
			return nil, err
		}
		return pyRef{table: ident, key: key}, nil
	default:
		return nil, p.errorf("unexpected %q", c)
	}
}

func (p *pyLit) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("want a string, found %q", q)
	}
	p.pos++
	var out []byte
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == q:
			return string(out), nil
		case c == '\\' && p.pos < len(p.src):
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			out = utf8.AppendRune(out, r)
		case c == '\n':
			return "", p.errorf("newline in a string")
		default:
			out = append(out, c)
		}
	}
	return "", p.errorf("unterminated string")
}

// escape reads what follows a backslash in a string: \uXXXX and \xXX as
// the characters they name (hl7apy writes "…" as \u2026), a few letters as
// control characters, anything else as itself.
func (p *pyLit) escape() (rune, error) {
	c := p.src[p.pos]
	p.pos++
	hex := 0
	switch c {
	case 'u':
		hex = 4
	case 'x':
		hex = 2
	case 'n':
		return '\n', nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	default:
		return rune(c), nil
	}
	if p.pos+hex > len(p.src) {
		return 0, p.errorf("short \\%c escape", c)
	}
	n, err := strconv.ParseUint(string(p.src[p.pos:p.pos+hex]), 16, 32)
	if err != nil {
		return 0, p.errorf("bad \\%c escape: %v", c, err)
	}
	p.pos += hex
	return rune(n), nil
}

func (p *pyLit) sequence(end byte) ([]any, error) {
	p.pos++
	var out []any
	for {
		if p.peek() == end {
			p.pos++
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.peek() == ',' {
			p.pos++
		} else if p.peek() != end {
			return nil, p.errorf("want ',' or %q, found %q", end, p.peek())
		}
	}
}

// pyDict keeps a dict's keys in source order.
type pyDict struct {
	keys   []string
	values map[string]any
}

func (p *pyLit) dict() (*pyDict, error) {
	p.pos++
	d := &pyDict{values: map[string]any{}}
	for {
		if p.peek() == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(':'); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if _, dup := d.values[k]; !dup {
			d.keys = append(d.keys, k)
		}
		d.values[k] = v
		if p.peek() == ',' {
			p.pos++
		} else if p.peek() != '}' {
			return nil, p.errorf("want ',' or '}', found %q", p.peek())
		}
	}
}
