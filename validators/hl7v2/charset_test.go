package hl7v2_test

import (
	"bytes"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/model"
)

// arrived writes text as a stream in form: "bytes" (as it is), "UTF-8 BOM",
// "UTF-16LE", "UTF-16BE" or "UTF-32BE" (with a mark when bom).
func arrived(text, form string, bom bool) []byte {
	e := map[string]hl7v2.Encoding{"bytes": {}, "UTF-8 BOM": {Form: "UTF-8", BOM: true}, "UTF-16LE": {Form: "UTF-16"},
		"UTF-16BE": {Form: "UTF-16", BigEndian: true}, "UTF-32BE": {Form: "UTF-32", BigEndian: true}}[form]
	if e.Form != "UTF-8" {
		e.BOM = bom
	}
	return hl7v2test.Encode(text, e)
}

// cut drops a UTF-16 stream's last CR and half of the character before it,
// as a stream broken off mid-character ends.
func cut(data []byte) []byte { return data[:len(data)-3] }

// lone puts a high surrogate with no low one before a UTF-16LE stream's
// last CR.
func lone(data []byte) []byte {
	return append(data[:len(data)-2:len(data)-2], 0x00, 0xD8, '\r', 0)
}

// charsetOf is the parse.charset finding of a message, "" when none, as
// "severity@path".
func charsetOf(data []byte) string {
	ms, err := hl7v2.ParseAll(data)
	Expect(err).NotTo(HaveOccurred())
	Expect(ms).To(HaveLen(1))
	Expect(ms[0].TypeName()).To(Equal("ADT^A01"), "the message is read, whatever its encoding")
	c := mustCompile("hl7v2-parse", nil)
	got := ""
	for _, f := range observe(c, ms[0].Record("t.hl7")) {
		if f.Code == "parse.charset" {
			Expect(got).To(BeEmpty(), "one charset finding a message")
			got = f.Severity.String() + "@" + f.Path
		}
	}
	return got
}

var _ = Describe("hl7v2-parse character sets against the encoding the message arrived in", func() {
	msg := func(msh18, name string) string {
		return segs(`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5||||||`+msh18, "PID|1||||"+name)
	}
	DescribeTable("declared against found",
		func(msh18, name, form string, bom bool, want string) {
			Expect(charsetOf(arrived(msg(msh18, name), form, bom))).To(Equal(want))
		},
		// UTF-16 and UTF-32 declared and found: fine, whichever byte order,
		// mark or none; UNICODE (ISO 10646, before 2.5) covers both.
		Entry("UTF-16 declared, UTF-16LE with a mark", "UNICODE UTF-16", "ZOË^李", "UTF-16LE", true, ""),
		Entry("UTF-16 declared, UTF-16LE", "UNICODE UTF-16", "ZOË^李", "UTF-16LE", false, ""),
		Entry("UTF-16 declared, UTF-16BE with a mark", "UNICODE UTF-16", "ZOË^李", "UTF-16BE", true, ""),
		Entry("UTF-16 declared, UTF-16BE", "UNICODE UTF-16", "ZOË^李", "UTF-16BE", false, ""),
		Entry("UTF-32 declared and found", "UNICODE UTF-32", "ZOË", "UTF-32BE", true, ""),
		Entry("UNICODE declared, UTF-16 found", "UNICODE", "ZOË", "UTF-16LE", true, ""),
		// UTF-16 found, MSH-18 names something else: a receiver reading by
		// MSH-18 cannot read a segment, whatever the characters.
		Entry("UTF-16 found, MSH-18 empty (ASCII)", "", "SMITH", "UTF-16LE", true, "error@MSH[1].18"),
		Entry("UTF-16 found, ASCII declared", "ASCII", "SMITH", "UTF-16BE", false, "error@MSH[1].18"),
		Entry("UTF-16 found, UTF-8 declared", "UNICODE UTF-8", "ZOË", "UTF-16LE", false, "error@MSH[1].18"),
		Entry("UTF-16 found, 8859/1 declared", "8859/1", "ZOË", "UTF-16LE", true, "error@MSH[1].18"),
		Entry("UTF-32 found, UTF-16 declared", "UNICODE UTF-16", "ZOË", "UTF-32BE", true, "error@MSH[1].18"),
		Entry("UTF-16 found, a set carecert does not decode declared", "ISO IR87", "SMITH", "UTF-16LE", true, "error@MSH[1].18"),
		// UTF-16 declared, single bytes found.
		Entry("UTF-16 declared, single bytes", "UNICODE UTF-16", "SMITH", "bytes", false, "error@MSH[1].18"),
		Entry("UTF-32 declared, UTF-8 after a mark", "UNICODE UTF-32", "ZOË", "UTF-8 BOM", false, "error@MSH[1].18"),
		// Single bytes, as before.
		Entry("ASCII by default", "", "SMITH", "bytes", false, ""),
		Entry("non-ASCII without MSH-18", "", "ZOË", "bytes", false, "warning@PID[1].5"),
		Entry("ISO IR6 is ASCII", "ISO IR6", "ZOË", "bytes", false, "warning@PID[1].5"),
		Entry("UTF-8 declared and sent after a mark", "UNICODE UTF-8", "ZOË", "UTF-8 BOM", false, ""),
		Entry("UTF-8 declared, Latin-1 sent", "UNICODE UTF-8", "ZO\xcb", "bytes", false, "error@PID[1].5"),
		Entry("UNICODE in single bytes can only be UTF-8", "UNICODE", "ZO\xcb", "bytes", false, "error@PID[1].5"),
		Entry("UNICODE in valid UTF-8", "UNICODE", "ZOË", "bytes", false, ""),
		Entry("Latin-1 declared", "8859/1", "ZO\xcb", "bytes", false, ""),
		// A set carecert does not decode: not checked, never a failure.
		Entry("ISO IR87 (JIS X 0208 by ISO 2022 escapes)", "ISO IR87", "\x1b$B$3$s\x1b(B", "bytes", false, "information@MSH[1].18"),
		Entry("GB 18030", "GB 18030-2000", "\x81\x30\x81\x30", "bytes", false, "information@MSH[1].18"),
	)

	// MSH-18 is read once, as the table check reads it: HL7 table 0211's
	// codes (2.3.1-2.4: ASCII, 8859/n, ISO IR14/87/159, UNICODE; 2.5-2.7.1
	// add UNICODE UTF-8/16/32 and the Asian sets; 2.8 keeps UNICODE UTF-8
	// and drops UTF-16/32) have no alias and no other spelling.
	DescribeTable("reads MSH-18 as the table check reads it, never a value outside table 0211 as a code",
		func(msh18, name, form string, want string, table bool) {
			data := arrived(msg(msh18, name), form, false)
			Expect(charsetOf(data)).To(Equal(want))
			ms, err := hl7v2.ParseAll(data)
			Expect(err).NotTo(HaveOccurred())
			tables := observe(mustCompile("hl7v2-fields", params.Params{"check": []any{"tables"}}), ms[0].Record("t.hl7"))
			Expect(slices.ContainsFunc(tables, func(f model.Finding) bool { return f.Path == "MSH[1].18[1]" })).To(Equal(table))
		},
		Entry("UNICODE UTF-8 in UTF-8", "UNICODE UTF-8", "ZOË", "bytes", "", false),
		Entry("UNICODE UTF-8 in Latin-1", "UNICODE UTF-8", "ZO\xcb", "bytes", "error@PID[1].5", false),
		Entry("`UTF-8` in UTF-8: no code, not judged as one", "UTF-8", "ZOË", "bytes", "information@MSH[1].18", true),
		Entry("`UTF-8` in Latin-1: not judged against UTF-8", "UTF-8", "ZO\xcb", "bytes", "information@MSH[1].18", true),
		Entry("lower case", "unicode utf-8", "ZOË", "bytes", "information@MSH[1].18", true),
		Entry("a space before", " UNICODE UTF-8", "ZOË", "bytes", "information@MSH[1].18", true),
		Entry("the second repetition is an alternate set, not the default", "ASCII~UNICODE UTF-8", "ZOË", "bytes", "warning@PID[1].5", false),
		Entry("UTF-16 found, `UTF-16` declared", "UTF-16", "ZOË", "UTF-16LE", "error@MSH[1].18", true),
		Entry("UTF-16 found, lower case and spaces around", " unicode utf-16 ", "ZOË", "UTF-16BE", "error@MSH[1].18", true),
		Entry("UTF-16 found, UNICODE UTF-16 declared", "UNICODE UTF-16", "ZOË", "UTF-16BE", "", false),
	)

	DescribeTable("bytes that do not decode are an error naming their field, whatever MSH-18 says",
		func(data []byte, want string) {
			Expect(charsetOf(data)).To(Equal(want))
		},
		Entry("a lone surrogate in PID-5", lone(arrived(msg("UNICODE UTF-16", "ZO"), "UTF-16LE", true)), "error@PID[1].5"),
		Entry("a stream cut after an odd byte", cut(arrived(msg("UNICODE UTF-16", "ZO"), "UTF-16BE", false)), "error@PID[1].5"),
		Entry("a stream cut after an odd byte, MSH-18 empty", cut(arrived(msg("", "ZO"), "UTF-16BE", false)), "error@PID[1].5"),
	)

	It("says what it found and what MSH-18 says", func() {
		ms, err := hl7v2.ParseAll(arrived(msg("", "SMITH"), "UTF-16BE", true))
		Expect(err).NotTo(HaveOccurred())
		fs := observe(mustCompile("hl7v2-parse", nil), ms[0].Record("t.hl7"))
		Expect(fs).To(HaveLen(1))
		Expect(fs[0].Severity).To(Equal(model.Error))
		Expect(fs[0].Message).To(ContainSubstring("UTF-16BE with a byte-order mark"))
		Expect(fs[0].Message).To(ContainSubstring("MSH-18 is empty, so ASCII applies"))
		Expect(fs[0].Line).To(Equal(1))
	})
})

// A U+FFFD the sender wrote is a character like any other; only bytes that
// do not decode are the charset error, at their own field. Before, both read
// as the same U+FFFD, so a sender's own was an error and an undecodable
// unit after it was reported at the sender's field.
var _ = Describe("a sender's own U+FFFD and bytes that do not decode", func() {
	// withUndecodable writes text in e with each § replaced by a unit e
	// cannot decode: a lone high surrogate in UTF-16, a unit past U+10FFFF
	// in UTF-32.
	withUndecodable := func(text string, e hl7v2.Encoding) []byte {
		data := hl7v2test.Encode(text, e)
		mark := hl7v2test.Encode("§", hl7v2.Encoding{Form: e.Form, BigEndian: e.BigEndian})
		bad := map[string][]byte{"UTF-16LE": {0x00, 0xD8}, "UTF-16BE": {0xD8, 0x00}, "UTF-32LE": {0, 0, 0x11, 0}, "UTF-32BE": {0, 0x11, 0, 0}}
		form := e.Form + map[bool]string{true: "BE", false: "LE"}[e.BigEndian]
		return bytes.ReplaceAll(data, mark, bad[form])
	}
	encodings := []hl7v2.Encoding{
		{Form: "UTF-16", BOM: true}, {Form: "UTF-16", BigEndian: true},
		{Form: "UTF-32", BOM: true}, {Form: "UTF-32", BigEndian: true, BOM: true},
	}
	cases := []struct {
		name, msh3, pid string
		want            string
	}{
		{"the sender's own U+FFFD in PID-5", "PAS", "ZO\uFFFD", ""},
		{"the sender's own U+FFFD in PID-5, an undecodable unit in PID-11", "PAS", "ZO\uFFFD||||||1 ST§", "error@PID[1].11"},
		{"an undecodable unit in PID-5, the sender's U+FFFD in PID-11", "PAS", "ZO§||||||1 ST\uFFFD", "error@PID[1].5"},
		{"an undecodable unit in MSH-3", "PA§", "ZO", "error@MSH[1].3"},
		{"the sender's own U+FFFD in MSH-3", "PA\uFFFD", "ZO", ""},
		// Where a segment id should be, the bytes are the segment's, at no
		// field (as a bad segment id is), not a field 0 of a U+FFFD segment.
		{"an undecodable unit in a segment id", "PAS", "ZO\rZ§1|1", "error@Z\uFFFD1[1]"},
		{"an undecodable unit as a whole segment", "PAS", "ZO\r§", "error@\uFFFD[1]"},
	}
	placements := map[string]func(msg string) string{
		"ER7":   func(msg string) string { return msg },
		"batch": func(msg string) string { return "BHS|^~\\&|A\r" + msg + "BTS|1\r" },
	}
	for _, c := range cases {
		for where, place := range placements {
			It(c.name+", "+where, func() {
				for _, e := range encodings {
					msh18 := "UNICODE " + e.Form
					text := place(segs(`MSH|^~\&|`+c.msh3+`|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5||||||`+msh18, "PID|1||||"+c.pid))
					ms, err := hl7v2.ParseAll(withUndecodable(text, e))
					Expect(err).NotTo(HaveOccurred())
					got := []string{}
					for _, m := range ms {
						for _, f := range observe(mustCompile("hl7v2-parse", nil), m.Record("t.hl7")) {
							if f.Code == "parse.charset" {
								got = append(got, f.Severity.String()+"@"+f.Path)
							}
						}
					}
					if c.want == "" {
						Expect(got).To(BeEmpty(), e.String())
					} else {
						Expect(got).To(Equal([]string{c.want}), e.String())
					}
				}
			})
		}
	}
})
