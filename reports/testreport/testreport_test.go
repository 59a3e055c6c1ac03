package testreport_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/reports/testreport"
	"github.com/carecert/carecert/validators/structure"
)

// validate runs carecert's own FHIR R4 structure validator over a resource and
// returns its findings as "path: code: message".
func validate(schema *structure.Schema, data []byte) []string {
	res, err := fhir.Decode(data)
	Expect(err).NotTo(HaveOccurred())
	Expect(schema.IsResourceType(fhir.ResourceType(res))).To(BeTrue())
	var problems []string
	schema.Validate(res, fhir.ResourceType(res), func(path, code, msg, _ string) {
		problems = append(problems, path+": "+code+": "+msg)
	})
	return problems
}

var _ = Describe("TestReport", Ordered, func() {
	var schema *structure.Schema
	var rep *model.Report
	BeforeAll(func() {
		var err error
		schema, err = structure.LoadSchema()
		Expect(err).NotTo(HaveOccurred())
		rep, err = reporttest.Run(reporttest.Feed{Vendor: "Oakfield Health", Release: "11.0.4", Seed: 2, Records: 300, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is a FHIR R4 TestReport that carecert's structure validator accepts", func() {
		data, err := testreport.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(BeEmpty())
	})

	It("is still valid for an interrupted run, a certified vendor and measures", func() {
		big := reporttest.Large(30)
		big.Complete = false
		data, err := testreport.Marshal(big)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(BeEmpty())
		tr := testreport.Build(big)
		Expect(tr["status"]).To(Equal("stopped"))

		clean, err := reporttest.Run(reporttest.Feed{Vendor: "Riverside", Seed: 1, Records: 50, Defects: "none"})
		Expect(err).NotTo(HaveOccurred())
		Expect(testreport.Build(clean)["result"]).To(Equal("pass"))
	})

	It("has one test per requirement and target, with the outcome as the assert's result", func() {
		tr := testreport.Build(rep)
		Expect(tr["result"]).To(Equal("fail"))
		Expect(tr["status"]).To(Equal("completed"))
		Expect(tr["score"]).To(BeEquivalentTo("0"))
		tests := tr["test"].([]any)
		Expect(tests).To(HaveLen(3))
		first := tests[1].(map[string]any)
		Expect(first["name"]).To(Equal("fhir-r4-structure/STRUCT-01 on bulk export"))
		assert := first["action"].([]any)[0].(map[string]any)["assert"].(map[string]any)
		Expect(assert["result"]).To(Equal("fail"))
		Expect(assert["detail"]).To(MatchRegexp(`^SHALL; \d+ record\(s\) evaluated, \d+ failing; \d+ error\(s\), 0 warning\(s\)$`))
	})

	It("is noticed by the validator when it is wrong, so the check above means something", func() {
		tr := testreport.Build(rep)
		tr["issued"] = "yesterday"
		tr["result"] = "maybe"
		data, err := json.Marshal(tr)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(ContainElements(
			ContainSubstring("TestReport.issued: structure.format"),
			ContainSubstring("TestReport.result: structure.code"),
		))
	})

	It("has a FHIR id of at most 64 characters, whatever the vendor is called", func() {
		long := *rep
		long.Vendor.Name = "A Very Long Vendor Name With Spaces & Symbols / That Goes On And On And On"
		id := testreport.ID(&long)
		Expect(len(id)).To(BeNumerically("<=", 64))
		Expect(id).To(MatchRegexp(`^[A-Za-z0-9\-\.]{1,64}$`))
	})
})
