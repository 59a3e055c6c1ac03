// Package hl7v2test writes HL7 v2 text in the encodings a sender may use,
// so that specs can read the same messages however they arrived.
package hl7v2test

import "github.com/carecert/carecert/hl7v2"

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

// Encode writes UTF-8 text in e, its byte-order mark first when e has one:
// as carecert writes what it sends and answers (hl7v2.Encoding.Encode),
// and with a UTF-8 mark too, which carecert never writes but senders do.
func Encode(text string, e hl7v2.Encoding) []byte {
	if e.Form == "UTF-8" && e.BOM {
		return append(e.Mark(), text...)
	}
	return e.Encode([]byte(text))
}
