package hl7v2_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/hl7v2/hl7v2test"
)

// An acknowledgement goes out in the encoding its message came in
// (Encoding.Encode), so its MSH-18 names that encoding: MSH-18 as the
// original wrote it where that names it, else table 0211's code for it. A
// single-byte answer cannot be UTF-16 or UTF-32 whatever the original
// claimed: it says UTF-8 when its bytes are, and nothing it cannot vouch for.
var _ = Describe("the acknowledgement's MSH-18 names the encoding it is written in", func() {
	ackCharset := func(msh3, msh18 string, e hl7v2.Encoding) string {
		text := "MSH|^~\\&|" + msh3 + "|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.5||||||" + msh18 + "\r" +
			"PID|1||633^^^R0A^MR||ZOË\r"
		ms, err := hl7v2.ParseAll(hl7v2test.Encode(text, e))
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(1))
		ack := ms[0].Encoding.Encode(hl7v2.BuildACK(ms[0], hl7v2.ACKOptions{Code: "AA", ControlID: "A1", Time: time.Unix(0, 0)}))
		as, err := hl7v2.ParseAll(ack)
		Expect(err).NotTo(HaveOccurred())
		Expect(as).To(HaveLen(1))
		return as[0].Get("MSH-18")
	}
	wide := map[string]string{"UTF-16": "UNICODE UTF-16", "UTF-32": "UNICODE UTF-32"}
	DescribeTable("in every encoding a sender uses",
		func(msh18 string, inSingleBytes string) {
			for _, e := range hl7v2test.Encodings {
				want := inSingleBytes
				if code, ok := wide[e.Form]; ok {
					want = code
					if msh18 == code || msh18 == "UNICODE" {
						want = msh18 // it names the encoding already: as written
					}
				}
				Expect(ackCharset("PAS", msh18, e)).To(Equal(want), e.String())
			}
		},
		Entry("MSH-18 empty", "", ""),
		Entry("UNICODE UTF-8", "UNICODE UTF-8", "UNICODE UTF-8"),
		Entry("UNICODE", "UNICODE", "UNICODE"),
		Entry("UNICODE UTF-16", "UNICODE UTF-16", "UNICODE UTF-8"),
		Entry("UNICODE UTF-32", "UNICODE UTF-32", "UNICODE UTF-8"),
		Entry("8859/1", "8859/1", "8859/1"),
		Entry("a set carecert does not decode", "ISO IR87", "ISO IR87"),
	)

	It("leaves MSH-18 out of a single-byte answer to a wide claim whose bytes are not UTF-8", func() {
		Expect(ackCharset("P\xc4S", "UNICODE UTF-16", hl7v2.Encoding{})).To(BeEmpty())
		Expect(ackCharset("P\xc4S", "8859/1", hl7v2.Encoding{})).To(Equal("8859/1"))
	})
})
