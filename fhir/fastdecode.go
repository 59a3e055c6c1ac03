package fhir

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeFast parses well-formed JSON whose top value is an object into the
// form encoding/json gives with UseNumber, in one pass and without
// reflection: encoding/json scans every document twice (a validity pass,
// then the decode), and decoding was a sixth of a validation run's CPU.
//
// It handles only what it is sure of. Anything else (a syntax error, invalid
// UTF-8, a \u escape of a UTF-16 surrogate, nesting beyond MaxDepth, data
// after the object) returns ok false, and Decode falls back to encoding/json,
// which gives the result or the error as it always has. decode_test.go holds
// the two to the same values on real and damaged documents.
//
// repeated says some object held a key twice (its last value kept, as
// encoding/json does): only then can DuplicateKeys find anything.
func decodeFast(data []byte) (m map[string]any, repeated, ok bool) {
	return decodeFastWith(data, nil)
}

// decodeFastWith is decodeFast, taking a Bundle's entry resources out of the
// tree as bundle says when it is not nil.
func decodeFastWith(data []byte, bundle *bundleScan) (m map[string]any, repeated, ok bool) {
	d := fastDecoder{data: data, bundle: bundle}
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		return nil, false, false
	}
	v, ok := d.value(0)
	if !ok {
		return nil, false, false
	}
	d.space()
	if d.i != len(d.data) {
		return nil, false, false
	}
	return v.(map[string]any), d.repeated, true
}

type fastDecoder struct {
	data []byte
	i    int
	// buf collects a string that has escapes, reused across strings.
	buf []byte
	// repeated is set when an object's key comes again.
	repeated bool
	// bundle, when set, takes a Bundle's entry resources out of the tree
	// (scanBundle).
	bundle *bundleScan
}

func (d *fastDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value parses the value at d.i; depth counts the objects and arrays around it.
func (d *fastDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		return d.str()
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return true, d.word("true")
	case c == 'f':
		return false, d.word("false")
	case c == 'n':
		return nil, d.word("null")
	}
	return nil, false
}

func (d *fastDecoder) word(w string) bool {
	if len(d.data)-d.i < len(w) || string(d.data[d.i:d.i+len(w)]) != w {
		return false
	}
	d.i += len(w)
	return true
}

func (d *fastDecoder) object(depth int) (any, bool) {
	if depth > MaxDepth {
		return nil, false
	}
	m := map[string]any{}
	if d.open('}') {
		return m, true
	}
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return nil, false
		}
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		var v any
		if d.bundle != nil {
			v, ok = d.bundle.member(d, depth, k)
		} else {
			v, ok = d.value(depth)
		}
		if !ok {
			return nil, false
		}
		n := len(m)
		if m[k] = v; len(m) == n {
			d.repeated = true // the key was there: its last value is kept, as encoding/json does
		}
		if more, ok := d.after('}'); !more {
			return m, ok
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	if depth > MaxDepth {
		return nil, false
	}
	a := make([]any, 0)
	if d.open(']') {
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if more, ok := d.after(']'); !more {
			return a, ok
		}
	}
}

// open steps past an object's or array's opening byte and reports whether
// the closing one follows at once (an empty object or array).
func (d *fastDecoder) open(closing byte) (empty bool) {
	d.i++
	d.space()
	if d.i < len(d.data) && d.data[d.i] == closing {
		d.i++
		return true
	}
	return false
}

// after reads what follows a member or an element: a comma (more follow) or
// the closing byte; anything else is not ok.
func (d *fastDecoder) after(closing byte) (more, ok bool) {
	d.space()
	if d.i >= len(d.data) {
		return false, false
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		d.space()
		return true, true
	case closing:
		d.i++
		return false, true
	}
	return false, false
}

// key parses an object's key; the keys FHIR uses most come from a fixed
// table, so a record does not allocate them again.
func (d *fastDecoder) key() (string, bool) {
	raw, escaped, ok := d.rawString()
	if !ok {
		return "", false
	}
	if !escaped {
		if k, ok := commonKeys[string(raw)]; ok {
			return k, true
		}
		return string(raw), true
	}
	return d.unescape(raw)
}

func (d *fastDecoder) str() (any, bool) {
	raw, escaped, ok := d.rawString()
	if !ok {
		return nil, false
	}
	if !escaped {
		return string(raw), true
	}
	return d.unescape(raw)
}

// rawString reads a string at d.i ('"'), returning its bytes between the
// quotes and whether it holds escapes; control characters and invalid UTF-8
// are not handled here.
func (d *fastDecoder) rawString() (raw []byte, escaped, ok bool) {
	start := d.i + 1
	for j := start; j < len(d.data); {
		c := d.data[j]
		switch {
		case c == '"':
			d.i = j + 1
			return d.data[start:j], escaped, true
		case c == '\\':
			escaped = true
			j += 2 // the escaped byte is checked by unescape
		case c < 0x20:
			return nil, false, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(d.data[j:])
			if r == utf8.RuneError && size == 1 {
				return nil, false, false
			}
			j += size
		}
	}
	return nil, false, false
}

// unescape decodes a string's escapes (the bytes are already checked).
func (d *fastDecoder) unescape(raw []byte) (string, bool) {
	b := d.buf[:0]
	for j := 0; j < len(raw); j++ {
		c := raw[j]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		j++
		if j >= len(raw) {
			return "", false
		}
		switch raw[j] {
		case '"', '\\', '/':
			b = append(b, raw[j])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if j+5 > len(raw) {
				return "", false
			}
			r := rune(0)
			for _, h := range raw[j+1 : j+5] {
				var n byte
				switch {
				case '0' <= h && h <= '9':
					n = h - '0'
				case 'a' <= h && h <= 'f':
					n = h - 'a' + 10
				case 'A' <= h && h <= 'F':
					n = h - 'A' + 10
				default:
					return "", false
				}
				r = r<<4 | rune(n)
			}
			if 0xD800 <= r && r < 0xE000 {
				return "", false // surrogates: encoding/json pairs or replaces them
			}
			b = utf8.AppendRune(b, r)
			j += 4
		default:
			return "", false
		}
	}
	d.buf = b
	return string(b), true
}

// number reads a number as encoding/json's grammar has it, kept as written.
func (d *fastDecoder) number() (any, bool) {
	s := d.data
	j := d.i
	if s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && '1' <= s[j] && s[j] <= '9':
		j = digits(s, j)
	default:
		return nil, false
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		if j = digits(s, k); j == k {
			return nil, false
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		if j = digits(s, k); j == k {
			return nil, false
		}
	}
	n := json.Number(s[d.i:j])
	d.i = j
	return n, true
}

// digits returns the index after the run of ASCII digits that starts at j.
func digits(s []byte, j int) int {
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	return j
}

// commonKeys are FHIR's most frequent element names, read-only.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"resourceType", "id", "meta", "profile", "lastUpdated", "versionId", "text", "status", "div",
		"extension", "url", "valueString", "valueCode", "valueCoding", "valueQuantity", "valueDateTime",
		"identifier", "system", "value", "code", "display", "coding", "type", "use", "reference",
		"subject", "patient", "encounter", "period", "start", "end", "category", "effectiveDateTime",
		"issued", "unit", "name", "family", "given", "prefix", "telecom", "gender", "birthDate",
		"address", "line", "city", "state", "postalCode", "country", "fullUrl", "resource", "request",
		"method", "entry", "component", "clinicalStatus", "verificationStatus", "onsetDateTime",
		"recordedDate", "class", "participant", "individual", "serviceProvider", "location",
		"performer", "intent", "authoredOn", "requester", "medicationCodeableConcept", "dosageInstruction",
		"occurrenceDateTime", "primarySource", "vaccineCode", "billablePeriod", "created", "provider",
		"priority", "insurance", "sequence", "focal", "coverage", "item", "productOrService",
		"servicedPeriod", "net", "currency", "total", "amount", "contained", "outcome", "payment",
		"adjudication", "diagnosis", "procedure", "claim", "referral", "facility", "insurer",
	} {
		m[k] = k
	}
	return m
}()

// DecodeValueAt parses the JSON value at data[at] as Decode parses it
// within the whole document, depth counting the objects and arrays around
// it (so MaxDepth bounds the document, not the value), and returns the
// offset after it. ok is false wherever Decode would need more than its
// one-pass reading (a syntax error, invalid UTF-8, a surrogate escape,
// nesting too deep) and where an object repeats a key, which only decoding
// the whole document reports: the caller leaves the document to Decode.
func DecodeValueAt(data []byte, at, depth int) (v any, end int, ok bool) {
	d := fastDecoder{data: data, i: at}
	v, ok = d.value(depth)
	if !ok || d.repeated {
		return nil, 0, false
	}
	return v, d.i, true
}
