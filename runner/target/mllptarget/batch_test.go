package mllptarget_test

import (
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/internal/params"
	"github.com/carecert/carecert/mllp"
	"github.com/carecert/carecert/model"
)

// frameIn sends one frame to the listener and returns the one frame it
// answers with, and the records it made of it.
func frameIn(content string, ack string, want int) (reply []byte, recs []*model.Record) {
	addr, records := listening(params.Params{"ack": ack})
	conn, err := net.Dial("tcp", addr)
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	_, err = conn.Write(mllp.Wrap([]byte(content)))
	Expect(err).NotTo(HaveOccurred())
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := mllp.NewFrameReader(conn, 0).Next()
	Expect(err).NotTo(HaveOccurred())
	Eventually(records, 5*time.Second).Should(HaveLen(want))
	return f.Data, records()
}

// issueCodes lists the reader's issues of every record.
func issueCodes(recs []*model.Record) []string {
	var out []string
	for _, r := range recs {
		if m, ok := r.Value.(*hl7v2.Message); ok {
			for _, is := range m.Issues {
				out = append(out, is.Code)
			}
		}
	}
	return out
}

var _ = Describe("mllp-listen and a batch in one frame", func() {
	msg := func(id string) string {
		return "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|" + id + "|P|2.4\rEVN|A01\rPID|1\rPV1|1|I|W1\r"
	}
	DescribeTable("reads each message as a batch file's, and answers with a batch of acknowledgements",
		func(batch string, records []string, controls []string) {
			reply, recs := frameIn(batch, "aa", len(records))
			var types []string
			for _, r := range recs {
				types = append(types, r.Type)
			}
			Expect(types).To(Equal(records), "the records a batch file of the same bytes gives")
			Expect(issueCodes(recs)).NotTo(ContainElement("mllp.several-messages"), "a batch is one unit of HL7 content")

			file, err := hl7v2.ParseAll([]byte(batch))
			Expect(err).NotTo(HaveOccurred())
			for i, r := range recs {
				Expect(r.Value.(*hl7v2.Message).Segments).To(Equal(file[i].Segments))
			}

			answer, err := hl7v2.ParseAll(reply)
			Expect(err).NotTo(HaveOccurred())
			Expect(answer[0].Segments[0].Name).To(Equal("BHS"))
			Expect(answer[0].Segments[0].Field(12)).To(Equal("B7"), "BHS-12 references the batch's BHS-11")
			Expect(answer[0].Segments[0].Field(3)).To(Equal("ROUTE"), "sender and receiver swapped")
			var msa []string
			for _, m := range answer[1 : len(answer)-1] {
				msa = append(msa, m.Get("MSA-1")+" "+m.Get("MSA-2"))
			}
			Expect(msa).To(Equal(controls))
			last := answer[len(answer)-1].Segments[0]
			Expect(last.Name+" "+last.Field(1)).To(Equal(fmt.Sprintf("BTS %d", len(controls))), "BTS-1 counts the acknowledgements")
		},
		Entry("BHS, two messages, BTS", "BHS|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||||B7\r"+msg("M1")+msg("M2")+"BTS|2\r",
			[]string{"BHS", "ADT^A01", "ADT^A01", "BTS"}, []string{"AA M1", "AA M2"}),
		Entry("FHS, BHS, three messages, BTS, FTS", "FHS|^~\\&|PAS\rBHS|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||||B7\r"+msg("M1")+msg("M2")+msg("M3")+"BTS|3\rFTS|1\r",
			[]string{"FHS", "BHS", "ADT^A01", "ADT^A01", "ADT^A01", "BTS", "FTS"}, []string{"AA M1", "AA M2", "AA M3"}),
	)

	It("keeps what a batch file reports: a BTS count that does not add up", func() {
		_, recs := frameIn("BHS|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||||B7\r"+msg("M1")+"BTS|2\r", "aa", 3)
		Expect(issueCodes(recs)).To(ContainElement("parse.batch-count"))
	})

	It("still reports two messages without a batch around them in one frame", func() {
		_, recs := frameIn(msg("M1")+msg("M2"), "aa", 1)
		Expect(issueCodes(recs)).To(ContainElement("mllp.several-messages"))
	})
})
