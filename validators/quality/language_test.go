package quality_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/carecert/carecert/check"
	"github.com/carecert/carecert/model"
	"github.com/carecert/carecert/validators/quality"
)

// column selects a CSV column, the way the social care package plugs its rows
// into the quality checks.
type column string

func (c column) Select(rec *model.Record) []quality.Node {
	row, _ := rec.Value.(map[string]string)
	v, ok := row[string(c)]
	if !ok {
		return nil
	}
	return []quality.Node{{Path: string(c), Value: v}}
}

var csvRows = quality.Language{
	Kind:      model.KindCSV,
	Compile:   func(expr string) (quality.Selector, error) { return column(expr), nil },
	Sensitive: func(path string) bool { return path == "NHS_Number" },
}

var _ = Describe("a selection language plugged in for another record kind", func() {
	rows := func() []*model.Record {
		values := []string{"9434765919", "", "9434765918", "9434765919", "4010232137"}
		var out []*model.Record
		for i, v := range values {
			out = append(out, &model.Record{Kind: model.KindCSV, Source: "clients.csv", Line: i + 2, Index: int64(i), Type: "clients",
				ID: fmt.Sprintf("row %d", i+2), Value: map[string]string{"NHS_Number": v, "LA_Code": "E08000035"}})
		}
		return out
	}

	runCSV := func(typ string, params check.Params) *model.Tally {
		reg := check.NewRegistry()
		quality.Register(reg, csvRows)
		params["kind"] = "csv"
		params["type"] = "clients"
		c, err := reg.Compile(check.Spec{Requirement: "CLD-1", Type: typ, Params: params}, env())
		Expect(err).NotTo(HaveOccurred())
		t := model.NewTally(0)
		s := c.NewState()
		for _, r := range rows() {
			if c.Applies(r) {
				t.Observe(s.Observe(r))
			}
		}
		for _, r := range records(`{"resourceType":"Patient","id":"p"}`) {
			Expect(c.Applies(r)).To(BeFalse(), "a CSV rule never sees FHIR records")
		}
		s.Finish(t)
		return t
	}

	It("runs completeness, format and uniqueness rules on CSV rows", func() {
		t := runCSV("dq-completeness", check.Params{"element": "NHS_Number"})
		m, _ := t.Lookup("dq.completeness.verification.missing")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 5}))
		Expect(t.Sample()[0].Location).To(Equal(model.Location{File: "clients.csv", Line: 3, Record: "clients/row 3", Path: "NHS_Number"}))

		t = runCSV("dq-value-format", check.Params{"element": "NHS_Number", "format": "nhs-number"})
		m, _ = t.Lookup("dq.conformance.verification.invalid")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Sensitive).To(BeTrue())
		Expect(t.Sample()[0].Line).To(Equal(4))

		t = runCSV("dq-unique", check.Params{"key": []any{"NHS_Number"}, "what": "NHS number"})
		m, _ = t.Lookup("dq.plausibility.uniqueness.verification.duplicate-key")
		Expect([]int64{m.Numerator, m.Denominator}).To(Equal([]int64{1, 4}))
		Expect(t.Sample()[0].Message).To(Equal("same NHS number as clients/row 2 (clients.csv:2)"))
		Expect(t.Sample()[0].Check).To(Equal("CLD-1"))
	})
})
