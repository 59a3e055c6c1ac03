package mllptarget_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/hl7v2"
	"github.com/carecert/carecert/runner/target/mllptarget"
)

const adtMessage = "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|M1|P|2.4\rEVN|A01\rPID|1\rPV1|1|I|W1\r"

var _ = Describe("messages sent over MLLP", func() {
	It("are re-encoded with CR segment ends whatever the file used", func() {
		ms, err := hl7v2.ParseAll([]byte("\xEF\xBB\xBFMSH|^~\\&|A\nPID|1|x^y\n"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(mllptarget.Encode(ms[0]))).To(Equal("MSH|^~\\&|A\rPID|1|x^y\r"))
	})
})
