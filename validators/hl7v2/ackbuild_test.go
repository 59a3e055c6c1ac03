package hl7v2_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/params"
)

// carecert's own acknowledgements (the MLLP receiver's and the simulator's)
// write MSH-9 as the original's version defines it: up to 2.3 a message type
// and trigger event only, and in 2.3.1 too (its MSH-9 is 7 characters long);
// from 2.4 the structure ACK too, where 2.4 to 2.6 leave event and structure
// optional; from 2.7 all three are required.
// The event is the original's MSH-9.2, else its EVN-1 (where 2.1 and 2.2
// carried it). Each is read back by carecert's own standard checks.
var _ = Describe("the acknowledgement carecert builds", func() {
	ack := func(version, msh9 string, more ...string) *hl7v2.Message {
		orig := segs(append([]string{`MSH|^~\&|PAS|RX1|ROUTE|ROUTE|20240101120000||` + msh9 + `|C1|P|` + version}, more...)...)
		ms, err := hl7v2.ParseAll([]byte(orig))
		Expect(err).NotTo(HaveOccurred())
		out := hl7v2.BuildACK(ms[0], hl7v2.ACKOptions{Code: "AA", ControlID: "A1", Time: time.Date(2024, 1, 1, 12, 0, 1, 0, time.UTC)})
		got, err := hl7v2.ParseAll(out)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(1))
		return got[0]
	}
	fields := mustCompile("hl7v2-fields", params.Params{"check": []any{"required", "lengths", "components", "formats", "tables"}})
	msh9Findings := func(m *hl7v2.Message) []string {
		var out []string
		for _, f := range observe(fields, m.Record("ack.hl7")) {
			if strings.HasPrefix(f.Path, "MSH[1].9") {
				out = append(out, f.Code+"@"+f.Path)
			}
		}
		return out
	}

	DescribeTable("MSH-9 per version",
		func(version, msh9 string, evn []string, want string) {
			m := ack(version, msh9, evn...)
			Expect(m.Get("MSH-9")).To(Equal(want))
			Expect(m.Get("MSH-12")).To(Equal(version))
			Expect(msh9Findings(m)).To(BeEmpty(), "carecert's own checks of the ACK's MSH-9")
		},
		Entry("2.1, with the event in EVN-1", "2.1", "ADT", []string{"EVN|A01|20240101"}, "ACK^A01"),
		Entry("2.2", "2.2", "ADT^A01", nil, "ACK^A01"),
		Entry("2.3: no structure component", "2.3", "ADT^A01", nil, "ACK^A01"),
		Entry("2.3 without an event", "2.3", "ADT", nil, "ACK"),
		Entry("2.3.1: the structure left out, as MSH-9 is 7 characters long", "2.3.1", "ADT^A01^ADT_A01", nil, "ACK^A01"),
		Entry("2.3.1 without an event", "2.3.1", "ADT", nil, "ACK"),
		Entry("2.4", "2.4", "ADT^A01", nil, "ACK^A01^ACK"),
		Entry("2.5.1", "2.5.1", "ADT^A01^ADT_A01", nil, "ACK^A01^ACK"),
		Entry("2.6 without an event: event and structure are optional", "2.6", "ADT", nil, "ACK"),
		Entry("2.7", "2.7", "ADT^A01^ADT_A01", nil, "ACK^A01^ACK"),
		Entry("2.7.1, the event from EVN-1", "2.7.1", "ADT", []string{"EVN|A04|20240101"}, "ACK^A04^ACK"),
		Entry("2.8, the event from EVN-1", "2.8", "ADT", []string{"EVN|A08|20240101"}, "ACK^A08^ACK"),
		Entry("2.8.2", "2.8.2", "ORU^R01^ORU_R01", nil, "ACK^R01^ACK"),
	)

	It("writes the structure from 2.7 even when the original names no event anywhere", func() {
		m := ack("2.8", "ORU")
		Expect(m.Get("MSH-9")).To(Equal("ACK^^ACK"))
		Expect(msh9Findings(m)).To(Equal([]string{"hl7v2.required-component@MSH[1].9[1].2"}), "the event cannot be echoed: the original breaks the same rule")
	})
})
