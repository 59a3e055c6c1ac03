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
		rep, err = feeds.Run(reporttest.Feed{Vendor: "Oakfield Health", Release: "11.0.4", Seed: 2, Records: 300, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is a FHIR R4 TestReport that carecert's structure validator accepts", func() {
		data, err := testreport.Marshal(rep)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(HavePrefix("{\n  \"resourceType\": \"TestReport\",\n"))
		Expect(validate(schema, data)).To(BeEmpty())
	})

	It("is still valid for an interrupted run, a certified vendor and measures", func() {
		big := reporttest.Large(30)
		big.Complete = false
		data, err := testreport.Marshal(big)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(BeEmpty())
		Expect(testreport.Build(big).Status).To(Equal("stopped"))

		clean, err := feeds.Run(reporttest.Feed{Vendor: "Riverside", Seed: 1, Records: 50, Defects: "none"})
		Expect(err).NotTo(HaveOccurred())
		Expect(testreport.Build(clean).Result).To(Equal("pass"))
	})

	It("has one test per requirement and target, with the outcome as the assert's result", func() {
		tr := testreport.Build(rep)
		Expect(tr.Result).To(Equal("fail"))
		Expect(tr.Status).To(Equal("completed"))
		Expect(string(*tr.Score)).To(Equal("0"))
		Expect(tr.Test).To(HaveLen(3))
		Expect(tr.Test[1].Name).To(Equal("fhir-r4-structure/STRUCT-01 on bulk export"))
		assert := tr.Test[1].Action[0].Assert
		Expect(assert.Result).To(Equal("fail"))
		Expect(assert.Detail).To(MatchRegexp(`^SHALL; \d+ record\(s\) evaluated, \d+ failing; \d+ error\(s\), 0 warning\(s\)$`))
	})

	It("is noticed by the validator when it is wrong, so the check above means something", func() {
		tr := testreport.Build(rep)
		tr.Issued = "yesterday"
		tr.Result = "maybe"
		data, err := json.Marshal(tr)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(ContainElements(
			ContainSubstring("TestReport.issued: structure.format"),
			ContainSubstring("TestReport.result: structure.code"),
		))
	})

	It("is valid for a run that checked nothing", func() {
		empty := &model.Report{Schema: model.ReportSchemaVersion, Vendor: model.Vendor{Name: "Downco"},
			Targets: []model.TargetRun{{Name: "api", Location: "http://127.0.0.1:1/fhir", Error: "connection refused"}},
			Verdict: model.Verdict{Decision: model.NotCertified}}
		data, err := testreport.Marshal(empty)
		Expect(err).NotTo(HaveOccurred())
		Expect(validate(schema, data)).To(BeEmpty())
		tr := testreport.Build(empty)
		Expect(tr.Score).To(BeNil())
		Expect(tr.Participant[1].URI).To(Equal("http://127.0.0.1:1/fhir"))
	})

	It("has a FHIR id of at most 64 characters, whatever the vendor is called", func() {
		long := *rep
		long.Vendor.Name = "A Very Long Vendor Name With Spaces & Symbols / That Goes On And On And On"
		id := testreport.ID(&long)
		Expect(len(id)).To(BeNumerically("<=", 64))
		Expect(id).To(MatchRegexp(`^[A-Za-z0-9\-\.]{1,64}$`))
	})
})
