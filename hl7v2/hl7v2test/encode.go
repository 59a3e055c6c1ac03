// Package hl7v2test writes HL7 v2 text in the encodings a sender may use,
// so that specs can read the same messages however they arrived.
package hl7v2test

import (
	"fmt"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/carecert/carecert/hl7v2"
)

// Encodings are the ways specs send the same text: UTF-8 as it is and after
// a mark, UTF-16 in both byte orders with and without a mark, and UTF-32.
var Encodings = []hl7v2.Encoding{
	{},
	{Form: "UTF-8", BOM: true},
	{Form: "UTF-16", BOM: true},
	{Form: "UTF-16"},
	{Form: "UTF-16", BigEndian: true, BOM: true},
	{Form: "UTF-16", BigEndian: true},
	{Form: "UTF-32", BOM: true},
	{Form: "UTF-32", BigEndian: true},
}

// Encode writes UTF-8 text in e, its byte-order mark first when e has one.
// Single bytes and UTF-8 are written as they are, invalid UTF-8 included.
func Encode(text string, e hl7v2.Encoding) []byte {
	var coder encoding.Encoding
	var mark []byte
	switch {
	case e.Form == "" || e.Form == "UTF-8" && !e.BOM:
		return []byte(text)
	case e.Form == "UTF-8" && e.BOM:
		return append([]byte{0xEF, 0xBB, 0xBF}, text...)
	case e.Form == "UTF-16" && e.BigEndian:
		coder, mark = unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), []byte{0xFE, 0xFF}
	case e.Form == "UTF-16":
		coder, mark = unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), []byte{0xFF, 0xFE}
	case e.Form == "UTF-32" && e.BigEndian:
		coder, mark = utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), []byte{0, 0, 0xFE, 0xFF}
	case e.Form == "UTF-32":
		coder, mark = utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), []byte{0xFF, 0xFE, 0, 0}
	default:
		panic(fmt.Sprintf("hl7v2test: no encoder for %q", e.Form))
	}
	out, err := coder.NewEncoder().Bytes([]byte(text))
	if err != nil {
		panic(fmt.Sprintf("hl7v2test: %s cannot write %q: %v", e, text, err))
	}
	if !e.BOM {
		return out
	}
	return append(mark, out...)
}
