// Package hl7v2test writes HL7 v2 text in the encodings a sender may use,
// so that specs can read the same messages however they arrived.
package hl7v2test

import (
	"fmt"

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
	out := []byte(text)
	switch c := e.Codec(); {
	case c != nil:
		var err error
		if out, err = c.NewEncoder().Bytes(out); err != nil {
			panic(fmt.Sprintf("hl7v2test: %s cannot write %q: %v", e, text, err))
		}
	case e.Form != "" && e.Form != "UTF-8":
		panic(fmt.Sprintf("hl7v2test: no encoder for %q", e.Form))
	}
	if !e.BOM {
		return out
	}
	return append(e.Mark(), out...)
}
