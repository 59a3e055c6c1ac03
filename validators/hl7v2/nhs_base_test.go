package hl7v2_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
)

// The NHS ADT suite alone, as a supplier certifying against the NHS rules
// would run it, also holds messages to the HL7 v2.4 base they constrain.
var _ = Describe("nhs-adt-v2 includes its base", func() {
	const good = "MSH|^~\\&|PAS|RX1|ROUTE|ROUTE|20240101120000||ADT^A01^ADT_A01|C1|P|2.4\r" +
		"EVN|A01|20240101120000\r" +
		"PID|1||633^^^RX1^MR~9434765919^^^NHS^NH||SMITH^JOHN||19800101|M|||1 ST^^LEEDS^^LS1||0113|||||||||||||||||NSTS01\r" +
		"PV1|1|I|W1^^^RX1\r"
	errorsOf := func(text string) []string {
		path := filepath.Join(GinkgoT().TempDir(), "m.hl7")
		Expect(os.WriteFile(path, []byte(text), 0o644)).To(Succeed())
		var out []string
		for _, res := range runOn(path, "nhs-adt-v2").Targets[0].Results {
			for _, f := range res.Findings {
				if f.Severity == model.Error {
					out = append(out, res.Requirement+" "+f.Code+"@"+f.Path)
				}
			}
		}
		return out
	}
	DescribeTable("fails what the base standard fails, and what the NHS rules add",
		func(edit func(string) string, want []string) {
			got := errorsOf(edit(good))
			if want == nil {
				Expect(got).To(BeEmpty())
				return
			}
			Expect(got).To(ConsistOf(want))
		},
		Entry("a conformant message", func(s string) string { return s }, nil),
		Entry("PID after PV1", func(s string) string {
			lines := strings.Split(strings.TrimSuffix(s, "\r"), "\r")
			lines[2], lines[3] = lines[3], lines[2]
			return strings.Join(lines, "\r") + "\r"
		}, []string{"NHS-BASE-STRUCTURE hl7v2.segment-missing@PID", "NHS-BASE-STRUCTURE hl7v2.segment-order@PID[1]"}),
		Entry("a birth date in month 13", func(s string) string { return strings.Replace(s, "19800101", "19801301", 1) },
			[]string{"NHS-BASE-FIELDS hl7v2.format@PID[1].7[1]"}),
		Entry("an NHS number with assigning authority NHS but no type code", func(s string) string {
			return strings.Replace(s, "^^^NHS^NH|", "^^^NHS|", 1)
		}, []string{"NHS-PID-NHS-NUMBER-CODING profile.usage@PID[1].3[2].5"}),
		Entry("a version 2.5 message is held to 2.5", func(s string) string {
			return strings.Replace(strings.Replace(s, "|P|2.4", "|P|2.5", 1), "EVN|A01|20240101120000\r", "", 1)
		}, []string{"NHS-BASE-STRUCTURE hl7v2.segment-missing@EVN"}),
	)

	It("leaves messages other than ADT to other suites", func() {
		oru := "MSH|^~\\&|LAB|RX1|EPR|RX1|20240101||ORU^R01^ORU_R01|C2|P|2.4\rOBX|1|NM|x||high\r"
		Expect(errorsOf(oru)).To(BeEmpty())
	})
})
