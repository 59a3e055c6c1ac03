package fhir

import (
	"bytes"
	"strconv"
	"strings"
)

// DuplicateKey is a property written twice in one JSON object. Decoding keeps
// only the last value, so the first would be silently lost: RFC 8259 leaves
// such objects' meaning to the reader, and FHIR JSON forbids them.
type DuplicateKey struct {
	// Path is where the object is, without the resource type ("name[0]";
	// "" for the root object), and Key the repeated property.
	Path, Key string
	// Line and Column (1-based, in bytes) are where the repeated key starts,
	// relative to the scanned data.
	Line, Column int
}

// At is the element the duplicate names ("name[0].family").
func (d DuplicateKey) At() string { return joinPath(d.Path, strings.TrimPrefix(d.Key, "_")) }

// DuplicateKeys returns the duplicate keys of well-formed JSON, in document
// order. It allocates only for what it finds and for objects with many keys.
func DuplicateKeys(data []byte) []DuplicateKey {
	d := dupScanner{data: data, line: 1}
	d.value()
	return d.found
}

type dupScanner struct {
	data      []byte
	pos, line int
	lineStart int
	// stack holds the way to the current value: keys (start, end) or, for
	// array items, index with start = -1.
	stack []dupStep
	found []DuplicateKey
}

type dupStep struct{ start, end int }

func (d *dupScanner) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '\n':
			d.line++
			d.lineStart = d.pos + 1
		case ' ', '\t', '\r':
		default:
			return
		}
		d.pos++
	}
}

// str skips a string starting at its opening quote and returns its raw
// content's bounds.
func (d *dupScanner) str() (int, int) {
	d.pos++
	start := d.pos
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case '\\':
			d.pos += 2
			continue
		case '"':
			d.pos++
			return start, d.pos - 1
		}
		d.pos++
	}
	return start, d.pos
}

func (d *dupScanner) value() {
	d.ws()
	if d.pos >= len(d.data) {
		return
	}
	switch d.data[d.pos] {
	case '{':
		d.object()
	case '[':
		d.pos++
		for i := 0; ; {
			d.ws()
			if d.pos >= len(d.data) {
				return
			}
			switch d.data[d.pos] {
			case ']':
				d.pos++
				return
			case ',':
				d.pos++
				i++
				continue
			}
			start := d.pos
			d.stack = append(d.stack, dupStep{-1, i})
			d.value()
			d.stack = d.stack[:len(d.stack)-1]
			if d.pos == start {
				return
			}
		}
	case '"':
		d.str()
	default:
		for d.pos < len(d.data) {
			switch d.data[d.pos] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				return
			}
			d.pos++
		}
	}
}

func (d *dupScanner) object() {
	d.pos++
	var small [24]dupStep
	keys := small[:0]
	var many map[string]bool
	for {
		d.ws()
		if d.pos >= len(d.data) {
			return
		}
		switch d.data[d.pos] {
		case '}':
			d.pos++
			return
		case ',':
			d.pos++
			continue
		case '"':
		default:
			return // not well-formed: the decoder reports it
		}
		line, col := d.line, d.pos-d.lineStart+1
		ks, ke := d.str()
		key := d.data[ks:ke]
		dup := false
		if many != nil {
			dup = many[string(key)]
			many[string(key)] = true
		} else {
			for _, k := range keys {
				if bytes.Equal(d.data[k.start:k.end], key) {
					dup = true
					break
				}
			}
			keys = append(keys, dupStep{ks, ke})
			if len(keys) == cap(small) {
				many = make(map[string]bool, 2*len(keys))
				for _, k := range keys {
					many[string(d.data[k.start:k.end])] = true
				}
			}
		}
		if dup {
			d.found = append(d.found, DuplicateKey{Path: d.path(), Key: string(key), Line: line, Column: col})
		}
		d.ws()
		if d.pos < len(d.data) && d.data[d.pos] == ':' {
			d.pos++
		}
		d.stack = append(d.stack, dupStep{ks, ke})
		d.value()
		d.stack = d.stack[:len(d.stack)-1]
	}
}

// path renders the stack as an element path, "_x" keys named as "x".
func (d *dupScanner) path() string {
	var b strings.Builder
	for _, s := range d.stack {
		if s.start < 0 {
			b.WriteString("[" + strconv.Itoa(s.end) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.TrimPrefix(string(d.data[s.start:s.end]), "_"))
	}
	return b.String()
}
