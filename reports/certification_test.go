package reports_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/personal"
	"github.com/carecert/carecert/reports"
)

var _ = Describe("ReadJSON", func() {
	write := func(content string) string {
		path := filepath.Join(GinkgoT().TempDir(), "report.json")
		Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
		return path
	}

	It("reads back a report carecert wrote", func() {
		data, err := reports.MarshalJSON(sampleReport())
		Expect(err).NotTo(HaveOccurred())
		rep, err := reports.ReadJSON(write(string(data)))
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Vendor.Name).To(Equal("Acme"))
		Expect(rep.Targets).NotTo(BeEmpty())
	})

	It("reads a v1 report, whose findings named their requirement check, as v2", func() {
		data, err := reports.MarshalJSON(sampleReport())
		Expect(err).NotTo(HaveOccurred())
		Expect(string(data)).To(ContainSubstring(`"requirement": "`))
		Expect(string(data)).NotTo(ContainSubstring(`"check": "R`))
		old := strings.ReplaceAll(string(data), `"schema": "carecert.report/v2"`, `"schema": "carecert.report/v1"`)
		// v1's finding field: "check" held the requirement id.
		old = regexp.MustCompile(`"requirement": ("[^"]*",\s*"code")`).ReplaceAllString(old, `"check": $1`)
		Expect(old).To(ContainSubstring(`"check": "`))
		Expect(old).NotTo(ContainSubstring(`"carecert.report/v2"`))
		rep, err := reports.ReadJSON(write(old))
		Expect(err).NotTo(HaveOccurred())
		Expect(rep.Schema).To(Equal("carecert.report/v2"))
		want := sampleReport()
		var got, wanted []string
		for ti := range rep.Targets {
			for ri := range rep.Targets[ti].Results {
				for _, f := range rep.Targets[ti].Results[ri].Findings {
					got = append(got, f.Requirement)
				}
				for _, f := range want.Targets[ti].Results[ri].Findings {
					wanted = append(wanted, f.Requirement)
				}
			}
		}
		Expect(got).NotTo(BeEmpty())
		Expect(got).To(Equal(wanted))
	})

	DescribeTable("names the file, the line and the problem",
		func(content, want string) {
			path := write(content)
			_, err := reports.ReadJSON(path)
			Expect(err).To(MatchError(ContainSubstring(path)))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("truncated JSON", "{\n  \"schema\": \"carecert.report/v1\",\n  \"targets\": [\n", ":4: not valid JSON"),
		Entry("a wrong type", "{\n  \"schema\": \"carecert.report/v1\",\n  \"complete\": \"yes\"\n}", ":3: complete: want bool, got JSON string"),
		Entry("not a carecert report", `{"resourceType": "Patient"}`, "not a carecert report"),
		Entry("another report version", `{"schema": "carecert.report/v9"}`, `schema "carecert.report/v9" is not one this carecert reads`),
	)

	It("refuses a report that does not match the report schema (targets: null, a made-up outcome), naming where", func() {
		data, err := reports.MarshalJSON(sampleReport())
		Expect(err).NotTo(HaveOccurred())
		var doc map[string]any
		Expect(json.Unmarshal(data, &doc)).To(Succeed())
		doc["targets"] = nil
		forged, err := json.Marshal(doc)
		Expect(err).NotTo(HaveOccurred())
		_, err = reports.ReadJSON(write(string(forged)))
		Expect(err).To(MatchError(And(ContainSubstring("does not match the report schema"), ContainSubstring("targets"))))

		forged = []byte(strings.Replace(string(data), `"outcome": "fail"`, `"outcome": "excellent"`, 1))
		Expect(string(forged)).NotTo(Equal(string(data)))
		_, err = reports.ReadJSON(write(string(forged)))
		Expect(err).To(MatchError(ContainSubstring("outcome")))
	})

	It("says when the file is missing", func() {
		_, err := reports.ReadJSON(filepath.Join(GinkgoT().TempDir(), "none.json"))
		Expect(err).To(MatchError(ContainSubstring("none.json: no such file")))
	})
})

var _ = Describe("Redact", func() {
	f := model.Finding{Message: `"19/02/1953" is not a valid FHIR date`, Evidence: `"19/02/1953"`,
		Location: model.Location{Path: "Patient.birthDate"}}

	It("removes the evidence of a personal finding wherever its message quotes it", func() {
		r := reports.Redact(f, false)
		Expect(r.Evidence).To(Equal(personal.Redacted))
		Expect(r.Message).To(Equal(`[redacted] is not a valid FHIR date`))
	})

	It("redacts a finding its check marked personal, whatever its format", func() {
		row := model.Finding{Message: `NHS_Number "9434765918" fails the Modulus 11 check`, Evidence: "9434765918", Sensitive: true,
			Location: model.Location{Path: "NHS_Number"}}
		r := reports.Redact(row, false)
		Expect(r.Evidence).To(Equal(personal.Redacted))
		Expect(r.Message).To(Equal(`NHS_Number "[redacted]" fails the Modulus 11 check`))
	})

	It("keeps everything when full evidence is asked for, or the element identifies no one", func() {
		Expect(reports.Redact(f, true)).To(Equal(f))
		other := f
		other.Path = "Observation.effectiveDateTime"
		Expect(reports.Redact(other, false)).To(Equal(other))
	})
})

var _ = Describe("MeasureValue", func() {
	DescribeTable("formats a measure without judging it",
		func(num, den int64, want string, proportion bool) {
			m := model.Measure{Numerator: num, Denominator: den}
			Expect(reports.MeasureValue(m)).To(Equal(want))
			Expect(reports.IsProportion(m)).To(Equal(proportion))
		},
		Entry("a share", int64(19), int64(20), "95.0%", true),
		Entry("all", int64(20), int64(20), "100.0%", true),
		Entry("a mean", int64(110005), int64(2087), "52.71", false),
		Entry("a whole number", int64(36), int64(1), "36", false),
		Entry("nothing counted", int64(0), int64(0), "—", false),
	)
})
