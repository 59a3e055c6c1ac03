package hl7v2_test

import (
	"bytes"
	"slices"
	"testing/iotest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
)

func encodingEntries() []TableEntry {
	var out []TableEntry
	for _, e := range hl7v2test.Encodings {
		out = append(out, Entry(e.String(), e))
	}
	return out
}

// unicodeADT holds characters of one, two, three and four UTF-8 bytes (a
// surrogate pair in UTF-16), LF and CRLF line ends, a blank line and a
// second message.
const unicodeADT = "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|U1|P|2.5||||||UNICODE UTF-16\r" +
	"EVN|A01|20240101120000\n" +
	"PID|1||633^^^R0A^MR||ZOË^李^𝄞||19800101|F\r\n" +
	"\r" +
	"PV1|1|I\r" +
	"MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A08^ADT_A01|U2|P|2.5||||||UNICODE UTF-16\r" +
	"EVN|A08|20240101120000\rPID|1||634^^^R0A^MR||ĜEORGE^Ŋ\rPV1|1|O\r"

const unicodeBatch = "FHS|^~\\&|PAS\rBHS|^~\\&|PAS\r" + unicodeADT + "BTS|2\rFTS|1\r"

// read returns the messages a whole read of data gives, without the one
// issue that tells a UTF-8 mark (parse.bom) and the encoding they record:
// what every encoding of the same text must agree on.
func readPlain(data []byte) []*hl7v2.Message {
	ms, err := hl7v2.ParseAll(data)
	Expect(err).NotTo(HaveOccurred())
	for _, m := range ms {
		m.Encoding = hl7v2.Encoding{}
		m.Issues = slices.DeleteFunc(m.Issues, func(is hl7v2.Issue) bool { return is.Code == "parse.bom" })
		if len(m.Issues) == 0 {
			m.Issues = nil
		}
	}
	return ms
}

var _ = Describe("Scanner encodings", func() {
	for _, text := range []struct{ name, text string }{{"messages", unicodeADT}, {"a batch", unicodeBatch}} {
		DescribeTable("reads "+text.name+" in UTF-16 or UTF-32, or after a mark, as the same text in UTF-8",
			func(e hl7v2.Encoding) {
				want := readPlain([]byte(text.text))
				Expect(len(want)).To(BeNumerically(">=", 2))
				data := hl7v2test.Encode(text.text, e)
				ms, err := hl7v2.ParseAll(data)
				Expect(err).NotTo(HaveOccurred())
				for _, m := range ms {
					Expect(m.Encoding).To(Equal(e), "every message records the encoding it arrived in")
				}
				// Lines are the decoded text's, which are the original's: decoding
				// keeps every CR and LF.
				Expect(readPlain(data)).To(Equal(want), "messages, segments, fields, lines and issues")
				Expect(slices.ContainsFunc(ms, func(m *hl7v2.Message) bool { return m.Get("PID-5.3") == "𝄞" })).To(BeTrue(), "a character beyond UTF-16's plane 0 reads whole")
			},
			encodingEntries(),
		)
	}

	It("reads a UTF-16 stream in a range read whole in the range that starts it, and in no other", func() {
		for _, e := range hl7v2test.Encodings {
			data := hl7v2test.Encode(unicodeBatch, e)
			whole := readPlain(data)
			size := int64(len(data))
			for _, cut := range [][2]int64{{0, 1}, {1, size}, {0, size / 2}, {size / 2, size}, {0, 0}, {0, size}} {
				sc := hl7v2.NewRangeScanner(iotest.HalfReader(bytes.NewReader(data)), cut[0], cut[1])
				var got []*hl7v2.Message
				for {
					m, err := sc.Next()
					if err != nil {
						break
					}
					got = append(got, m)
				}
				if !e.Decoded() {
					continue // byte ranges: FuzzRange and the range specs hold them
				}
				if cut[0] == 0 && cut[1] > 0 {
					Expect(readPlainMessages(got)).To(Equal(whole), e.String())
				} else {
					Expect(got).To(BeEmpty(), e.String())
				}
			}
		}
	})

	DescribeTable("keeps bytes that are not the encoding as U+FFFD, in the field that holds them",
		func(data []byte, path string) {
			ms, err := hl7v2.ParseAll(data)
			Expect(err).NotTo(HaveOccurred())
			Expect(ms).To(HaveLen(1))
			Expect(ms[0].Encoding.Form).To(Equal("UTF-16"))
			Expect(ms[0].Get(path)).To(ContainSubstring("\uFFFD"))
		},
		Entry("a lone surrogate", append(hl7v2test.Encode("MSH|^~\\&|A\rPID|1||x||", hl7v2.Encoding{Form: "UTF-16", BOM: true}), 0x00, 0xD8, 'Z', 0, '\r', 0), "PID-5"),
		Entry("an odd byte at the end", append(hl7v2test.Encode("MSH|^~\\&|A\rPID|1||x||Z", hl7v2.Encoding{Form: "UTF-16"}), 'Z'), "PID-5"),
	)

	DescribeTable("takes a stream without a mark as UTF-16 or UTF-32 only when its first characters are unmistakably ASCII so written",
		func(data []byte, form string) {
			enc, mark := hl7v2.Sniff(data)
			Expect(enc.Form).To(Equal(form))
			Expect(mark).To(BeZero())
		},
		Entry("MSH in UTF-16LE", []byte("M\x00S\x00H\x00|\x00"), "UTF-16"),
		Entry("FHS in UTF-16BE", []byte("\x00F\x00H\x00S\x00|"), "UTF-16"),
		Entry("BHS in UTF-32LE", []byte("B\x00\x00\x00H\x00\x00\x00S\x00\x00\x00"), "UTF-32"),
		Entry("prose in UTF-16BE", []byte("\x00S\x00a\x00m\x00p\x00l\x00e"), "UTF-16"),
		Entry("PID in UTF-16LE, CRLF first", []byte("\r\x00\n\x00P\x00I\x00D\x00|\x00"), "UTF-16"),
		Entry("MSH in single bytes", []byte("MSH|^~\\&|"), ""),
		Entry("M then a NUL, no more", []byte("M\x00S"), ""),
		Entry("a NUL too many", []byte("M\x00\x00\x00S\x00H\x00|\x00"), ""),
		Entry("a byte above 127", []byte("M\x00S\x00\xcb\x00|\x00"), ""),
		Entry("single bytes with NULs", []byte("M\x00S\x00H|\x00^\x00~\x00"), ""),
		Entry("nothing", []byte{}, ""),
	)
})

func readPlainMessages(ms []*hl7v2.Message) []*hl7v2.Message {
	for _, m := range ms {
		m.Encoding = hl7v2.Encoding{}
	}
	return ms
}
