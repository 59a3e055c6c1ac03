package hl7v2_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing/iotest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
	"github.com/carecert/carecert/mllp"
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
	return readPlainMessages(ms)
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
				got := rangeRead(data, cut[0], cut[1])
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

// framedADT are two messages no encoding writes a 0x0B or 0x1C byte in
// (Ĝ, U+011C, would: an MLLP frame cannot carry it).
var framedADT = []string{
	"MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|U1|P|2.5||||||UNICODE UTF-16\r" +
		"EVN|A01|20240101120000\nPID|1||633^^^R0A^MR||ZOË^李^𝄞||19800101|F\r\nPV1|1|I\r",
	"MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A08^ADT_A01|U2|P|2.5||||||UNICODE UTF-16\r" +
		"EVN|A08|20240101120000\rPID|1||634^^^R0A^MR||ĞEORGE^Ŋ\rNTE|1||bad \\Q\\ escape\rPV1|1|O\r",
}

// captures are the ways a file captured from an MLLP connection holds
// framedADT in e, its framing bytes kept.
var captures = []struct {
	name    string
	capture func(e hl7v2.Encoding) []byte
}{
	{"one message a frame, each after its mark", func(e hl7v2.Encoding) []byte {
		return slices.Concat(mllp.Wrap(hl7v2test.Encode(framedADT[0], e)), mllp.Wrap(hl7v2test.Encode(framedADT[1], e)))
	}},
	{"a mark before the first frame's message only", func(e hl7v2.Encoding) []byte {
		bare := e
		bare.BOM = false
		return slices.Concat(mllp.Wrap(hl7v2test.Encode(framedADT[0], e)), mllp.Wrap(hl7v2test.Encode(framedADT[1], bare)))
	}},
	{"line ends between frames", func(e hl7v2.Encoding) []byte {
		return slices.Concat(mllp.Wrap(hl7v2test.Encode(framedADT[0], e)), []byte("\r\n\n"), mllp.Wrap(hl7v2test.Encode(framedADT[1], e)))
	}},
	{"line ends before the first frame", func(e hl7v2.Encoding) []byte {
		return slices.Concat([]byte("\r\n"), mllp.Wrap(hl7v2test.Encode(framedADT[0], e)), mllp.Wrap(hl7v2test.Encode(framedADT[1], e)))
	}},
	{"spaces, a tab and a CR before the first frame", func(e hl7v2.Encoding) []byte {
		return slices.Concat([]byte("  \t\r"), mllp.Wrap(hl7v2test.Encode(framedADT[0], e)), mllp.Wrap(hl7v2test.Encode(framedADT[1], e)))
	}},
	{"no CR after the end blocks", func(e hl7v2.Encoding) []byte {
		return slices.Concat([]byte{0x0B}, hl7v2test.Encode(framedADT[0], e), []byte{0x1C, 0x0B}, hl7v2test.Encode(framedADT[1], e), []byte{0x1C})
	}},
	{"a batch in one frame", func(e hl7v2.Encoding) []byte {
		return mllp.Wrap(hl7v2test.Encode("FHS|^~\\&|PAS\rBHS|^~\\&|PAS\r"+strings.Join(framedADT, "")+"BTS|2\rFTS|1\r", e))
	}},
}

// listened reads data as an MLLP listener does: frame by frame, each
// frame's content a stream of its own.
func listened(data []byte) []*hl7v2.Message {
	var out []*hl7v2.Message
	fr := mllp.NewFrameReader(bytes.NewReader(data), 0)
	for {
		f, err := fr.Next()
		if err != nil {
			return out
		}
		ms, err := hl7v2.ParseAll(f.Data)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, ms...)
	}
}

// fieldsOf are m's segments' fields (their lines are the file's or the
// frame's).
func fieldsOf(m *hl7v2.Message) [][]string {
	var out [][]string
	for _, seg := range m.Segments {
		out = append(out, seg.Fields)
	}
	return out
}

// issueCodes are m's issue codes but parse.mllp-framing, which only a file
// that keeps the framing bytes gives.
func issueCodes(m *hl7v2.Message) []string {
	var out []string
	for _, is := range m.Issues {
		if is.Code != "parse.mllp-framing" {
			out = append(out, is.Code)
		}
	}
	return out
}

var _ = Describe("a file captured from MLLP with its framing bytes kept", func() {
	for _, c := range captures {
		DescribeTable(c.name+": reads each frame in the encoding it holds, as a listener reads it and as the same capture in UTF-8 is read",
			func(e hl7v2.Encoding) {
				data := c.capture(e)
				got, err := hl7v2.ParseAll(data)
				Expect(err).NotTo(HaveOccurred())
				want := listened(data)
				Expect(want).NotTo(BeEmpty())
				Expect(got).To(HaveLen(len(want)))
				for i, m := range got {
					Expect(m.Encoding).To(Equal(want[i].Encoding), "message %d", i)
					Expect(fieldsOf(m)).To(Equal(fieldsOf(want[i])), "message %d", i)
					Expect(issueCodes(m)).To(Equal(issueCodes(want[i])), "message %d", i)
				}
				Expect(readPlain(data)).To(Equal(readPlain(c.capture(hl7v2.Encoding{}))), "messages, segments, fields, lines and issues")
			},
			encodingEntries(),
		)
	}

	It("reads a frame's undecodable bytes as U+FFFD in the field that holds them, and the next frame whole", func() {
		e := hl7v2.Encoding{Form: "UTF-16"}
		data := slices.Concat([]byte{0x0B}, hl7v2test.Encode("MSH|^~\\&|A\rPID|1||x||Z", e), []byte{'Z', 0x1C, '\r'}, mllp.Wrap(hl7v2test.Encode(framedADT[0], e)))
		ms, err := hl7v2.ParseAll(data)
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(2))
		Expect(ms[0].Get("PID-5")).To(Equal("Z\uFFFD"))
		Expect(fieldsOf(ms[1])).To(Equal(fieldsOf(listened(data)[1])))
	})

	It("reads a capture in UTF-16 or UTF-32 whole in the range that starts it, and in no other", func() {
		for _, e := range hl7v2test.Encodings {
			data := captures[0].capture(e)
			whole := readPlain(data)
			size := int64(len(data))
			for _, cut := range [][2]int64{{0, 1}, {1, size}, {0, size / 2}, {size / 2, size}, {0, size}} {
				got := rangeRead(data, cut[0], cut[1])
				if e == (hl7v2.Encoding{}) {
					continue // byte ranges: FuzzRange and the range specs hold them
				}
				if cut[0] == 0 {
					Expect(readPlainMessages(got)).To(Equal(whole), e.String())
				} else {
					Expect(got).To(BeEmpty(), e.String())
				}
			}
		}
	})
})

// rangeRead returns the messages a range read of data in [from, to) gives.
func rangeRead(data []byte, from, to int64) []*hl7v2.Message {
	sc := hl7v2.NewRangeScanner(iotest.HalfReader(bytes.NewReader(data)), from, to)
	var got []*hl7v2.Message
	for {
		m, err := sc.Next()
		if err != nil {
			return got
		}
		got = append(got, m)
	}
}

// readPlainMessages leaves out of ms what readPlain leaves out.
func readPlainMessages(ms []*hl7v2.Message) []*hl7v2.Message {
	for _, m := range ms {
		m.Encoding = hl7v2.Encoding{}
		m.Issues = slices.DeleteFunc(m.Issues, func(is hl7v2.Issue) bool { return is.Code == "parse.bom" })
		if len(m.Issues) == 0 {
			m.Issues = nil
		}
	}
	return ms
}

// Files joined into one stream (cat a.hl7 b.hl7), each written after a
// UTF-8 mark: the mark opens each file's first message, where only the
// first file's used to be read as one; the others made their header an
// unknown segment of the message before.
var _ = Describe("files joined into one stream, each after a UTF-8 mark", func() {
	files := []string{unicodeADT, unicodeBatch, "MSH|^~\\&|A|B|C|D|20240101||ACK^A01^ACK|A1|P|2.5\rMSA|AA|U1\r"}
	joined := func(marked []bool, end string, framed bool) []byte {
		var out []byte
		for i, f := range files {
			text := strings.ReplaceAll(f, "\r", end)
			if marked[i] {
				text = string(hl7v2.Encoding{Form: "UTF-8", BOM: true}.Mark()) + text
			}
			if framed {
				out = append(out, mllp.Wrap([]byte(text))...)
			} else {
				out = append(out, text...)
			}
		}
		return out
	}
	for _, marked := range [][]bool{{true, true, true}, {false, true, false}, {false, false, true}} {
		for _, end := range []string{"\r", "\r\n", "\n"} {
			for _, framed := range []bool{false, true} {
				It(fmt.Sprintf("marks %v, line end %q, framed %v: reads the same messages as without the marks, a mark warned on its message", marked, end, framed), func() {
					want, err := hl7v2.ParseAll(joined([]bool{false, false, false}, end, framed))
					Expect(err).NotTo(HaveOccurred())
					got, err := hl7v2.ParseAll(joined(marked, end, framed))
					Expect(err).NotTo(HaveOccurred())
					Expect(got).To(HaveLen(len(want)))
					var boms []int
					for i, m := range got {
						Expect(fieldsOf(m)).To(Equal(fieldsOf(want[i])), "message %d", i)
						for _, is := range m.Issues {
							if is.Code != "parse.bom" {
								continue
							}
							boms = append(boms, i)
							// The mark is said where it is: at the stream's start, or
							// on the line of the header it comes before, as the file
							// joined there (or the frame) starts, never "the file
							// starts" at line 1 for a mark further on.
							Expect(is.Line).To(Equal(m.Line), "message %d", i)
							switch {
							case m.Line == 1:
								Expect(is.Message).To(HavePrefix("the file starts with a UTF-8 byte-order mark"))
							case framed:
								Expect(is.Message).To(HavePrefix(fmt.Sprintf("the MLLP frame holding this message (line %d) starts with a UTF-8 byte-order mark", m.Line)))
							default:
								Expect(is.Message).To(HavePrefix(fmt.Sprintf("a UTF-8 byte-order mark comes before this message's header on line %d, where a file joined into this one starts", m.Line)))
							}
						}
					}
					// The first message of each marked file: unicodeADT holds two
					// messages, unicodeBatch's envelope and messages after them.
					var firsts []int
					at := 0
					for i, f := range files {
						n, err := hl7v2.ParseAll([]byte(f))
						Expect(err).NotTo(HaveOccurred())
						if marked[i] {
							firsts = append(firsts, at)
						}
						at += len(n)
					}
					Expect(boms).To(Equal(firsts))
				})
			}
		}
	}
})
