package operationoutcome_test

import (
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/fhir"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/reports/operationoutcome"
	"github.com/carecert/carecert/reports/reporttest"
	"github.com/carecert/carecert/validators/structure"
)

var _ = Describe("OperationOutcome", Ordered, func() {
	var schema *structure.Schema
	var rep *model.Report
	// problems runs carecert's own FHIR R4 structure validator over the output.
	problems := func(data []byte) []string {
		res, err := fhir.Decode(data)
		Expect(err).NotTo(HaveOccurred())
		var out []string
		schema.Validate(res, fhir.ResourceType(res), func(path, code, msg, _ string) {
			out = append(out, path+": "+code+": "+msg)
		})
		return out
	}
	BeforeAll(func() {
		var err error
		schema, err = structure.LoadSchema()
		Expect(err).NotTo(HaveOccurred())
		rep, err = reporttest.Run(reporttest.Feed{Vendor: "Oakfield Health", Release: "11.0.4", Seed: 2, Records: 200, Defects: "all"})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is a FHIR R4 OperationOutcome that carecert's structure validator accepts, one issue per kept finding", func() {
		data, err := operationoutcome.Marshal(rep, false)
		Expect(err).NotTo(HaveOccurred())
		Expect(problems(data)).To(BeEmpty())
		kept := 0
		for _, t := range rep.Targets {
			for _, r := range t.Results {
				kept += len(r.Findings)
			}
		}
		Expect(kept).To(BeNumerically(">", 0))
		Expect(operationoutcome.Build(rep, false).Issue).To(HaveLen(kept))
	})

	It("locates a FHIR finding by expression and line, and names its code and requirement", func() {
		var f model.Finding
		for _, r := range rep.Targets[0].Results {
			for _, x := range r.Findings {
				if x.Path != "" && x.Line > 0 && f.Code == "" {
					f = x
				}
			}
		}
		Expect(f.Code).NotTo(BeEmpty())
		var found *operationoutcome.Issue
		for _, is := range operationoutcome.Build(rep, false).Issue {
			if len(is.Expression) == 1 && is.Expression[0] == f.Path && is.Details.Text == f.Message {
				found = &is
				break
			}
		}
		Expect(found).NotTo(BeNil())
		Expect(found.Severity).To(Equal(f.Severity.String()))
		Expect(found.Diagnostics).To(HavePrefix(f.Code + " (fhir-r4-structure/"))
		Expect(found.Diagnostics).To(ContainSubstring(fmt.Sprintf(" at %s:%d", f.File, f.Line)))
		Expect(found.Extension).To(Equal([]operationoutcome.Extension{{URL: "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-source",
			ValueString: "carecert " + found.Diagnostics[len(f.Code)+2:strings.Index(found.Diagnostics, ")")]}}))
	})

	It("redacts personal evidence unless full evidence is asked for, and says when there is nothing to report", func() {
		personal := &model.Report{Targets: []model.TargetRun{{Name: "feed", Results: []model.Result{{Suite: "asc-cld", Requirement: "ASC-CLD-PERSON",
			Tally: model.Tally{Findings: []model.Finding{{Severity: model.Error, Code: "nhs-number.check-digit", Message: "NHS_Number 9434765918 fails the Modulus 11 check",
				Evidence: "9434765918", Sensitive: true, Location: model.Location{File: "cld.csv", Line: 2, Record: "row 1", Path: "NHS_Number"}}}}}}}}}
		data, err := operationoutcome.Marshal(personal, false)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).NotTo(ContainSubstring("9434765918"))
		Expect(problems(data)).To(BeEmpty())
		is := operationoutcome.Build(personal, false).Issue[0]
		Expect(is.Location).To(Equal([]string{"NHS_Number"}), "a CSV column is no FHIRPath expression")
		Expect(is.Expression).To(BeEmpty())
		Expect(is.Code).To(Equal("value"))
		full, err := operationoutcome.Marshal(personal, true)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(full)).To(ContainSubstring("9434765918"))

		empty := operationoutcome.Build(&model.Report{}, false)
		Expect(empty.Issue).To(HaveLen(1))
		Expect(empty.Issue[0].Code).To(Equal("informational"))
	})

	It("reports a requirement carecert could not evaluate as information, not as the supplier's error", func() {
		errored := &model.Report{Targets: []model.TargetRun{{Name: "feed", Results: []model.Result{{Suite: "uk-core", Requirement: "UKCORE-01",
			Outcome: model.Errored, Message: "UK Core is not loaded"}}}}}
		oo := operationoutcome.Build(errored, false)
		Expect(oo.Issue).To(HaveLen(1))
		Expect(oo.Issue[0].Severity).To(Equal("information"))
		Expect(oo.Issue[0].Details.Text).To(ContainSubstring("uk-core/UKCORE-01 was not evaluated on feed: UK Core is not loaded"))
	})

	It("is noticed by the validator when it is wrong, so the check above means something", func() {
		oo := operationoutcome.Build(rep, false)
		oo.Issue[0].Severity = "fatal-ish"
		data, err := json.Marshal(oo)
		Expect(err).NotTo(HaveOccurred())
		Expect(problems(data)).To(ContainElement(ContainSubstring("OperationOutcome.issue[0].severity: structure.code")))
	})
})
