// Package fhir reads FHIR R4 JSON into the one in-memory form every carecert
// validator walks: map[string]any with numbers kept as json.Number (FHIR decimals
// carry their precision), plus a Locator that maps element paths back to source
// lines. It also splits files into records: single resources, Bundles (each entry
// is a record of its own) and NDJSON, plain or gzip.
package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth bounds how deeply a resource's JSON may nest (objects and arrays
// counted alike). A real resource stays far below it (a Questionnaire with
// 50 levels of items is about 100); validation builds an element path per
// level, so a few hundred bytes per level of hostile nesting (extensions in
// extensions, 4,900 deep) would cost gigabytes.
const MaxDepth = 512

// Decode parses one JSON value that must be a single object. Errors carry the
// 1-based line (relative to data) where parsing failed.
func Decode(data []byte) (map[string]any, error) {
	if m, _, ok := decodeFast(data); ok {
		return m, nil
	}
	return decodeSlow(data)
}

// decodeSlow is Decode by encoding/json, which also words every error.
func decodeSlow(data []byte) (map[string]any, error) {
	if off := depthBeyond(data, MaxDepth); off >= 0 {
		return nil, &SyntaxError{Line: lineAt(data, off), Msg: fmt.Sprintf("the JSON nests deeper than %d levels: refused (no FHIR resource is that deep)", MaxDepth)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, describe(data, err)
	}
	// Only JSON's four whitespace characters may follow the object:
	// bytes.TrimSpace would also pass \f, \v, NBSP and U+2028, which
	// encoding/json (and every JSON parser) refuses.
	if rest := bytes.TrimLeft(data[dec.InputOffset():], jsonSpace); len(rest) > 0 {
		off := int(dec.InputOffset()) + bytes.Index(data[dec.InputOffset():], rest[:1])
		return nil, &SyntaxError{Line: lineAt(data, off), Msg: "unexpected data after the end of the JSON object"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &SyntaxError{Line: 1, Msg: fmt.Sprintf("a FHIR resource must be a JSON object, got %s", KindOf(v))}
	}
	return m, nil
}

// jsonSpace is JSON's whitespace (RFC 8259, section 2).
const jsonSpace = " \t\n\r"

// depthBeyond returns the offset where data's nesting of objects and arrays
// first passes max, or -1: one pass over the bytes, strings skipped.
func depthBeyond(data []byte, max int) int {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > max {
				return i
			}
		case '}', ']':
			depth--
		}
	}
	return -1
}

// SyntaxError is malformed JSON at a line.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

func describe(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		msg := se.Error()
		if r, ok := foreignSpace(data, int(se.Offset)-1); ok && !withinString(data, int(se.Offset)-1) {
			// encoding/json names the first byte of the character only
			msg = fmt.Sprintf("invalid character %U, a space JSON does not allow: only space, tab, CR and LF separate JSON values", r)
		}
		return &SyntaxError{Line: lineAt(data, int(se.Offset)), Msg: "malformed JSON: " + msg}
	case errors.Is(err, io.EOF):
		return &SyntaxError{Line: 1, Msg: "empty: no JSON value"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &SyntaxError{Line: lineAt(data, len(data)), Msg: "truncated JSON: the input ends inside a value"}
	}
	return &SyntaxError{Line: 1, Msg: err.Error()}
}

// foreignSpace returns the character at data[at] when it is a space that is
// not JSON whitespace: a form feed, a no-break space, U+2028.
func foreignSpace(data []byte, at int) (rune, bool) {
	if at < 0 || at >= len(data) {
		return 0, false
	}
	r, _ := utf8.DecodeRune(data[at:])
	return r, unicode.IsSpace(r) && !strings.ContainsRune(jsonSpace, r)
}

// withinString reports whether data[at] lies inside a JSON string, where a
// control character such as a form feed is a malformed string, not a
// space between values.
func withinString(data []byte, at int) bool {
	inString, escaped := false, false
	for _, c := range data[:at] {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		}
	}
	return inString
}

func lineAt(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// KindOf names the JSON kind of a decoded value for a message ("a string",
// "an object").
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// ValueText shows a decoded value as evidence: a string quoted, a number or
// boolean as written, an object or array by its kind.
func ValueText(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}

// Clone copies a decoded value through every object and array, so that
// changing the copy (a patch applied, a spec's damage) never changes the
// original through a shared one.
func Clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Clone(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Clone(e)
		}
		return out
	}
	return v
}

// InvalidUTF8Line returns the 1-based line of the first invalid UTF-8 sequence
// in data, or 0 when data is valid UTF-8. encoding/json would silently replace
// such bytes, hiding a wrong encoding (typically Windows-1252) from the user.
func InvalidUTF8Line(data []byte) int {
	if utf8.Valid(data) {
		return 0
	}
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size == 1 {
			return lineAt(data, off)
		}
		off += size
	}
	return 0
}

// Strings returns the strings of a JSON array (a decoded []any), leaving out
// anything else; nil when v is not an array.
func Strings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// ResourceType returns the resourceType of a resource, or "".
func ResourceType(res map[string]any) string {
	s, _ := res["resourceType"].(string)
	return s
}

// ID returns the id of a resource, or "".
func ID(res map[string]any) string {
	s, _ := res["id"].(string)
	return s
}
