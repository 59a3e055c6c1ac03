package hl7v2_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/model"
)

var _ = Describe("a message's record", func() {
	It("names the message by its type and control id, and segments before any MSH are a problem, not lost", func() {
		ms, err := hl7v2.ParseAll([]byte("PID|1\rMSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|M7|P|2.4\rPID|1\r"))
		Expect(err).NotTo(HaveOccurred())
		Expect(ms).To(HaveLen(2))

		stray := ms[0].Record("feed.hl7")
		Expect(stray.Value).To(BeNil())
		Expect(stray.Type).To(BeEmpty())
		Expect(stray.Problem).NotTo(BeNil())
		Expect(stray.Problem.Code).To(Equal("parse.no-header"))
		Expect(stray.Problem.Severity).To(Equal(model.Error))
		Expect(stray.Problem.Message).To(HavePrefix("message 1: "))
		Expect(stray.Problem.Message).To(HaveSuffix("(first: PID)"))

		rec := ms[1].Record("feed.hl7")
		Expect(rec.Problem).To(BeNil())
		Expect([]any{rec.Kind, rec.Source, rec.Type, rec.ID, rec.Line, rec.Index}).
			To(Equal([]any{model.KindHL7v2, "feed.hl7", "ADT^A01", "M7", 2, int64(1)}))
		Expect(rec.Value).To(BeIdenticalTo(ms[1]))
	})
})
