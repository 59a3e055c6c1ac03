package hl7v2_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing/iotest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
)

// rangeFeed is a stream with every shape the reader distinguishes: a
// header-less fragment first, messages of varied length, blank lines inside
// and between messages, an oversize segment (with MaxSegment 120), a message
// whose header is oversize, and batches, one whose BTS count is right and one
// whose counts are wrong, a fragment right after an envelope and a batch the
// stream never closes.
func rangeFeed(term string) string {
	var b strings.Builder
	seg := func(s string) { b.WriteString(s + term) }
	msh := func(i int) {
		seg(fmt.Sprintf("MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|M%03d|P|2.4", i))
	}
	seg("PID|0|orphan")
	for i := 0; i < 14; i++ {
		msh(i)
		seg("EVN|A01")
		for k := 0; k < i%4; k++ {
			seg(fmt.Sprintf("OBX|%d|ST|x||%s", k+1, strings.Repeat("v", (i*7+k*5)%40)))
		}
		switch i % 9 {
		case 2:
			b.WriteString(term) // blank line inside a message
			seg("PV1|1|I")
		case 5:
			b.WriteString(term + term) // blank lines between messages
		case 7:
			seg("NTE|1||" + strings.Repeat("n", 200)) // oversize
		}
	}
	b.WriteString("MSH|^~\\&|" + strings.Repeat("h", 150) + term) // oversize header
	seg("FHS|^~\\&")
	seg("BHS|^~\\&")
	for i := 30; i < 36; i++ {
		msh(i)
		seg("PID|1")
	}
	seg("BTS|6")
	seg("BHS|^~\\&")
	seg("ZZZ|fragment after an envelope")
	for i := 36; i < 40; i++ {
		msh(i)
	}
	seg("BTS|3")
	seg("FTS|1")
	seg("BHS|^~\\&")
	msh(40)
	b.WriteString("PID|last|no terminator")
	return b.String()
}

func drain(sc *hl7v2.Scanner) []*hl7v2.Message {
	sc.MaxSegment = 120
	var out []*hl7v2.Message
	for {
		m, err := sc.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		Expect(err).NotTo(HaveOccurred())
		out = append(out, m)
	}
}

func readRanges(data string, cuts []int64, wrap func(io.Reader) io.Reader) []*hl7v2.Message {
	var out []*hl7v2.Message
	for i := 0; i+1 < len(cuts); i++ {
		out = append(out, drain(hl7v2.NewRangeScanner(wrap(strings.NewReader(data)), cuts[i], cuts[i+1]))...)
	}
	return out
}

func plain(r io.Reader) io.Reader { return r }

var _ = Describe("reading byte ranges of a stream", func() {
	for _, t := range []struct{ name, term string }{{"CR", "\r"}, {"LF", "\n"}, {"CRLF", "\r\n"}} {
		It("reads every message exactly once, with whole-stream lines, indexes and issues, at every split point ("+t.name+")", func() {
			data := rangeFeed(t.term)
			size := int64(len(data))
			whole := drain(hl7v2.NewScanner(strings.NewReader(data)))
			// The feed has what the comparison must prove it carries over.
			all := map[string]int{}
			for _, m := range whole {
				for _, c := range codes(m) {
					all[c]++
				}
			}
			Expect(whole).To(HaveLen(1 + 15 + 2 + 6 + 1 + 1 + 1 + 4 + 2 + 1 + 1))
			Expect(all).To(HaveKeyWithValue("parse.batch-count", 2))      // BTS|3 and FTS|1 over 2 batches
			Expect(all).To(HaveKeyWithValue("parse.no-header", 2))        // first line and after BHS
			Expect(all).To(HaveKeyWithValue("parse.segment-too-long", 2)) // an NTE, a header
			Expect(all).To(HaveKey("parse.blank-line"))
			Expect(all).To(HaveKeyWithValue("parse.batch", 1)) // the batch left open at the end
			if t.term != "\r" {
				Expect(all).To(HaveKey("parse.segment-terminator"))
			}
			last := whole[len(whole)-1]
			Expect(last.Line).To(Equal(strings.Count(data[:strings.LastIndex(data, "MSH")], t.term) + 1))

			Expect(readRanges(data, []int64{0, size}, plain)).To(Equal(whole))
			for n := int64(2); n <= 9; n++ {
				cuts := []int64{}
				for i := int64(0); i <= n; i++ {
					cuts = append(cuts, size*i/n)
				}
				Expect(readRanges(data, cuts, plain)).To(Equal(whole), "split into %d", n)
				// Reads that return a few bytes at a time cross every buffer edge.
				Expect(readRanges(data, cuts, iotest.HalfReader)).To(Equal(whole), "split into %d, half reads", n)
			}
			for cut := int64(0); cut <= size; cut++ {
				Expect(readRanges(data, []int64{0, cut, size}, plain)).To(Equal(whole), "cut at byte %d", cut)
			}
			// Three ranges, the middle one empty or inside one message.
			for cut := int64(0); cut < size; cut += 29 {
				Expect(readRanges(data, []int64{0, cut, cut + 3, size}, plain)).To(Equal(whole), "cuts at %d and %d", cut, cut+3)
			}
		})
	}

	It("gives a range that holds no message's first line nothing", func() {
		data := "MSH|^~\\&|A|B\r" + "PID|1|" + strings.Repeat("x", 100) + "\r" + "MSH|^~\\&|C|D\r"
		Expect(drain(hl7v2.NewRangeScanner(strings.NewReader(data), 20, 60))).To(BeEmpty())
		ms := drain(hl7v2.NewRangeScanner(strings.NewReader(data), 60, int64(len(data))))
		Expect(ms).To(HaveLen(1))
		Expect(ms[0].Line).To(Equal(3))
		Expect(ms[0].Index).To(Equal(1))
		Expect(ms[0].Get("MSH-3")).To(Equal("C"))
	})

	It("counts a batch's messages read before the range when checking its BTS", func() {
		data := "BHS|^~\\&\rMSH|^~\\&|A\rMSH|^~\\&|B\rBTS|3\r"
		at := int64(strings.Index(data, "BTS"))
		ms := drain(hl7v2.NewRangeScanner(bytes.NewReader([]byte(data)), at, int64(len(data))))
		Expect(ms).To(HaveLen(1))
		Expect(ms[0].Envelope).To(BeTrue())
		Expect(ms[0].Line).To(Equal(4))
		Expect(ms[0].Issues).To(HaveLen(1))
		Expect(ms[0].Issues[0].Message).To(Equal(`BTS-1 says the batch has "3" message(s); it has 2`))
	})
})
