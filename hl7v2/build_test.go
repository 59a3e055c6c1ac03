package hl7v2_test

import (
	"fmt"
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

// A message whose field separator is '^' and whose MSH-2 is empty has no
// component separator: '^', its standard value, is the field separator, so
// the component separator is read as absent. Up to 2.6 its acknowledgement
// keeps the original's delimiters (MSH-2 empty) and so writes no component:
// MSH-9 is ACK alone, a whole MSH-9 there, and ERR-3 the code alone, never a
// NUL where the separator was. From 2.7 MSH-9's three components are
// required (ACK^event^ACK): the answer, a message of its own, declares a
// component separator the original's delimiters leave free ('|') in its
// MSH-2 and writes them; it once wrote ACK alone, missing MSH-9.2 and 9.3.
// Every form MSH-9 takes (2.1 to 2.3.1, 2.4 to 2.6, 2.7 on), an event named
// or not (EVN-1), an acceptance and an error, from a message as a file holds
// it, in a batch or in an MLLP frame.
var _ = Describe("the acknowledgement of a message without a component separator", func() {
	placements := map[string]func(string) string{
		"ER7":    func(m string) string { return m },
		"batch":  func(m string) string { return "FHS^\rBHS^\r" + m + "BTS^1\rFTS^1\r" },
		"framed": func(m string) string { return "\x0b" + m + "\x1c\r" },
	}
	for _, version := range []string{"2.2", "2.3.1", "2.4", "2.5.1", "2.7", "2.7.1", "2.8", "2.8.2"} {
		for _, code := range []string{"AA", "AE"} {
			for name, place := range placements {
				for _, evn := range []string{"", "EVN^A01\r"} {
					It(fmt.Sprintf("%s %s, %s, event %q", version, code, name, evn), func() {
						text := "MSH^^APP^FAC^RAPP^RFAC^20240101120000^^ADT^C7^P^" + version + "\r" + evn + "PID^1^^42\r"
						ms, err := hl7v2.ParseAll([]byte(place(text)))
						Expect(err).NotTo(HaveOccurred())
						var msg *hl7v2.Message
						for _, m := range ms {
							if !m.Envelope {
								msg = m
							}
						}
						Expect(msg).NotTo(BeNil())
						ack := hl7v2.BuildACK(msg, hl7v2.ACKOptions{Code: code, ControlID: "A1", Text: "x", Time: time.Unix(0, 0)})
						Expect(string(ack)).NotTo(ContainSubstring("\x00"))
						as, err := hl7v2.ParseAll(ack)
						Expect(err).NotTo(HaveOccurred())
						Expect(as).To(HaveLen(1))
						a := as[0]
						Expect(a.Get("MSA-2")).To(Equal("C7"))
						Expect(a.Delims.Field).To(Equal(byte('^')))
						if version < "2.7" {
							Expect(a.Get("MSH-2")).To(BeEmpty())
							Expect(a.Get("MSH-9")).To(Equal("ACK"))
							if code == "AE" {
								Expect(a.Get("ERR-3")).To(Equal("207"))
							}
							return
						}
						Expect(a.Delims.Component).To(Equal(byte('|')))
						Expect(a.Issues).To(BeEmpty())
						event := ""
						if evn != "" {
							event = "A01"
						}
						Expect([]string{a.Get("MSH-9.1"), a.Get("MSH-9.2"), a.Get("MSH-9.3")}).To(Equal([]string{"ACK", event, "ACK"}))
						if code == "AE" {
							Expect([]string{a.Get("ERR-3.1"), a.Get("ERR-3.3")}).To(Equal([]string{"207", "HL70357"}))
						}
					})
				}
			}
		}
	}
})
